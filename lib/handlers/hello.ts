/** `GET /hello`: the smallest useful response, pre-encoded once. */
import type { Handler } from "../server/handler.ts";

const HELLO = new TextEncoder().encode("Hello, World!\n");

/**
 * Answers `Hello, World!` as plain text: the smallest useful response, for health checks
 * and benchmarks.
 *
 * @example
 * ```ts
 * import { hello, Router, serve } from "@zhttp/zhttp";
 *
 * serve({ handler: new Router().get("/hello", hello).handler() });
 * ```
 */
export const hello: Handler = (_req, res) => {
  res.setHeader("Content-Type", "text/plain; charset=utf-8");
  res.end(HELLO);
};
