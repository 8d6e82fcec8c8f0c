/**
 * The one error type for bad input. Whoever detects a problem with a request throws an
 * `HttpError` carrying the status to answer; the connection turns it into a response in one
 * place. Anything else thrown while serving is a bug (logged, answered 500 if possible).
 */
export class HttpError extends Error {
  /** The status code to answer with (4xx or 5xx). */
  readonly status: number;
  /**
   * Whether the connection must close after the error response. Framing errors make the
   * rest of the byte stream meaningless, so they always close (RFC 9112 §11.2).
   */
  readonly closeConnection: boolean;

  constructor(status: number, message: string, options: { closeConnection?: boolean } = {}) {
    super(message);
    this.name = "HttpError";
    this.status = status;
    this.closeConnection = options.closeConnection ?? true;
  }
}
