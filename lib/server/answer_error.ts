/**
 * The one policy for an error thrown while answering a request, used by the error boundary
 * and, for anything that escapes it, by the connection. An HttpError becomes its status;
 * anything else is a bug: logged with the request it broke and its stack, answered 500
 * without the failed handler's headers, and the connection is closed (RFC 9112 §9.6),
 * because after a bug nothing about the connection's state can be trusted. Once part of a
 * response is out, nothing can be answered any more: the connection must close, which the
 * client sees as a truncated body.
 */
import { getLogger } from "@logtape/logtape";
import { HttpError } from "../http/errors.ts";
import { endWithStatus, type ResponseWriter } from "../http/response.ts";

const logger = getLogger(["zhttp", "handler"]);

/** The request an error is logged with. */
export interface FailedRequest {
  readonly method: string;
  readonly target: string;
}

/**
 * Answers `error` on `res` if no byte of the response went out. Returns whether the
 * connection may serve another request. Never throws.
 */
export function answerError(error: unknown, res: ResponseWriter, request: FailedRequest): boolean {
  if (res.headersSent) {
    if (!(error instanceof HttpError)) {
      logger.error("{method} {target} failed after its response started: {error}", {
        method: request.method,
        target: request.target,
        error,
      });
    }
    return false;
  }
  if (error instanceof HttpError) {
    try {
      endWithStatus(res, error.status, error.closeConnection);
      return !error.closeConnection;
    } catch (encodingError) {
      // The handler left a header that cannot be sent: a bug, reported as one below.
      error = encodingError;
    }
  }
  logger.error("{method} {target} failed: {error}", {
    method: request.method,
    target: request.target,
    error,
  });
  // Nothing the failed handler set belongs on the error (a Content-Encoding, a bad field).
  res.discardHeaders();
  endWithStatus(res, 500, true);
  return false;
}
