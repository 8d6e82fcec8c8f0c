/**
 * Error boundary: turns whatever a handler throws into an answer. An HttpError becomes its
 * status; anything else is a bug: logged with the request it broke and its stack, answered
 * 500 when no byte of the response went out, and the connection is closed (RFC 9112 §9.6),
 * because after a bug nothing about the connection's state can be trusted.
 *
 * A handler that returns without a promise is not wrapped in one: most requests are
 * answered synchronously, and an extra promise per request measured a few percent.
 */
import { getLogger } from "@logtape/logtape";
import type { Middleware } from "../handler.ts";
import { HttpError } from "../http/errors.ts";
import { endWithStatus, type ResponseWriter } from "../http/response.ts";
import type { HttpRequest } from "../request.ts";

const logger = getLogger(["zhttp", "handler"]);

export function errorBoundary(): Middleware {
  return (next) => (req, res) => {
    let result;
    try {
      result = next(req, res);
    } catch (error) {
      return answerError(error, req, res);
    }
    if (result instanceof Promise) return result.catch((error) => answerError(error, req, res));
  };
}

function answerError(error: unknown, req: HttpRequest, res: ResponseWriter): void {
  if (error instanceof HttpError && !res.headersSent) {
    endWithStatus(res, error.status, error.closeConnection);
    return;
  }
  // Part of the response is out: only the connection can end it (by closing, which the
  // client sees as a truncated body). It logs the failure with the request.
  if (res.headersSent) throw error;
  if (!(error instanceof HttpError)) {
    logger.error("{method} {target} failed: {error}", {
      method: req.method,
      target: req.target,
      error,
    });
  }
  // Nothing the failed handler set belongs on the error (a Content-Encoding, a bad field).
  res.discardHeaders();
  endWithStatus(res, 500, true);
}
