/**
 * `/echo`: POST and PUT send the request body straight back as it streams in (same
 * Content-Type, any size, one piece in memory at a time); GET describes the request itself:
 * its request line and header fields, as text.
 */
import type { Handler } from "../server/handler.ts";

/**
 * Sends the request body straight back as it streams in, with its Content-Type and, when
 * the request had one, its Content-Length: one piece in memory at a time, whatever the size.
 *
 * @example
 * ```ts
 * import { echoBody, Router, serve } from "@zhttp/zhttp";
 *
 * serve({ handler: new Router().on(["POST", "PUT"], "/echo", echoBody).handler() });
 * ```
 */
export const echoBody: Handler = async (req, res) => {
  const contentType = req.headers.get("content-type");
  if (contentType !== null) res.setHeader("Content-Type", contentType);
  // A known length is passed on, so the answer is framed exactly like the question.
  if (req.head.bodyKind === "length") res.setHeader("Content-Length", req.head.contentLength);
  for (let piece = await req.body.read(); piece !== null; piece = await req.body.read()) {
    await res.write(piece);
  }
  res.end();
};

/**
 * Describes the request itself, as text: its request line and its header fields as sent.
 *
 * @example
 * ```ts
 * import { echoRequest, Router, serve } from "@zhttp/zhttp";
 *
 * serve({ handler: new Router().get("/echo", echoRequest).handler() });
 * ```
 */
export const echoRequest: Handler = (req, res) => {
  const lines = [`${req.method} ${req.target} ${req.version}`];
  for (const [name, value] of req.headers.entries()) lines.push(`${name}: ${value}`);
  res.setHeader("Content-Type", "text/plain; charset=utf-8");
  res.end(lines.join("\n") + "\n");
};
