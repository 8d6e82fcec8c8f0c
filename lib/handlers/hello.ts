/** `GET /hello`: the smallest useful response, pre-encoded once. */
import type { Handler } from "../server/handler.ts";

const HELLO = new TextEncoder().encode("Hello, World!\n");

export const hello: Handler = (_req, res) => {
  res.setHeader("Content-Type", "text/plain; charset=utf-8");
  res.end(HELLO);
};
