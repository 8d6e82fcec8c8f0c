/**
 * Error boundary: turns whatever a handler throws into an answer, by the policy in
 * answer_error.ts. An error after the response started is passed on: only the connection
 * can end that response, by closing.
 *
 * A handler that returns without a promise is not wrapped in one: most requests are
 * answered synchronously, and an extra promise per request measured a few percent.
 */
import { answerError } from "../server/answer_error.ts";
import type { Middleware } from "../server/handler.ts";
import type { ResponseWriter } from "../http/response.ts";
import type { HttpRequest } from "../server/request.ts";

/**
 * A middleware that answers what the handlers after it throw, by the server's one policy:
 * an HttpError becomes its status; anything else is logged (category
 * `["zhttp", "handler"]`) and answered 500, and the connection closes. Placed inside the
 * access log, it lets the log see the status that was sent.
 *
 * @example
 * ```ts
 * import { accessLog, compose, errorBoundary, serve } from "@zhttp/zhttp";
 *
 * const failing = () => {
 *   throw new Error("a bug"); // Answered 500; the message stays in the log.
 * };
 * serve({ handler: compose(failing, accessLog(), errorBoundary()) });
 * ```
 */
export function errorBoundary(): Middleware {
  return (next) => (req, res) => {
    let result;
    try {
      result = next(req, res);
    } catch (error) {
      return answerBeforeStart(error, req, res);
    }
    if (result instanceof Promise) {
      return result.catch((error) => answerBeforeStart(error, req, res));
    }
  };
}

function answerBeforeStart(error: unknown, req: HttpRequest, res: ResponseWriter): void {
  if (res.headersSent) throw error;
  answerError(error, res, req);
}
