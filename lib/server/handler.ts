/** The one handler signature, and middleware as functions from handler to handler. */
import type { HttpRequest } from "./request.ts";
import type { ResponseWriter } from "../http/response.ts";

/**
 * Answers one request: set status and headers on `res`, then end or stream the body. A
 * handler that returns without ending the response gets it ended (empty) for it; one that
 * throws has its error answered by the server's error policy (an HttpError's status, or a
 * 500 for anything else).
 *
 * @example A body at once, and a streamed one
 * ```ts
 * import type { Handler } from "@zhttp/zhttp";
 *
 * const time: Handler = (_req, res) => {
 *   res.setHeader("Content-Type", "text/plain; charset=utf-8");
 *   res.end(`${new Date().toISOString()}\n`);
 * };
 *
 * const countdown: Handler = async (_req, res) => {
 *   for (let i = 3; i > 0; i--) {
 *     await res.write(`${i}...\n`); // Resolves once the client's socket took it.
 *     await new Promise((resolve) => setTimeout(resolve, 1000));
 *   }
 *   res.end("liftoff\n");
 * };
 * ```
 */
export type Handler = (req: HttpRequest, res: ResponseWriter) => void | Promise<void>;

/**
 * Wraps a handler in behaviour of its own (logging, error handling, auth...): it gets the
 * next handler and returns one that runs before, after or instead of it.
 *
 * @example Refuse requests without an API key
 * ```ts
 * import { HttpError, type Middleware } from "@zhttp/zhttp";
 *
 * const apiKey = (key: string): Middleware => (next) => (req, res) => {
 *   if (req.headers.get("x-api-key") !== key) {
 *     throw new HttpError(401, "Unauthorized", { closeConnection: false });
 *   }
 *   return next(req, res);
 * };
 * ```
 */
export type Middleware = (next: Handler) => Handler;

/**
 * Applies middleware so that the first listed is the outermost: it sees requests first.
 *
 * @example The access log sees every request, even those whose errors are answered
 * ```ts
 * import { accessLog, compose, errorBoundary, hello, serve } from "@zhttp/zhttp";
 *
 * serve({ handler: compose(hello, accessLog(), errorBoundary()) });
 * ```
 */
export function compose(handler: Handler, ...middleware: Middleware[]): Handler {
  let composed = handler;
  for (let i = middleware.length - 1; i >= 0; i--) composed = middleware[i](composed);
  return composed;
}
