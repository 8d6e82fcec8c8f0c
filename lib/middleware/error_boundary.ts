/**
 * Error boundary: turns whatever a handler throws into an answer. An HttpError becomes its
 * status; anything else is a bug: logged with the request it broke and its stack, answered
 * 500 when no byte of the response went out, and the connection is closed (RFC 9112 §9.6),
 * because after a bug nothing about the connection's state can be trusted.
 */
import { getLogger } from "@logtape/logtape";
import type { Middleware } from "../handler.ts";
import { HttpError } from "../http/errors.ts";
import { endWithStatus } from "../http/response.ts";

const logger = getLogger(["zhttp", "handler"]);

export function errorBoundary(): Middleware {
  return (next) => async (req, res) => {
    try {
      await next(req, res);
    } catch (error) {
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
      endWithStatus(res, 500, true);
    }
  };
}
