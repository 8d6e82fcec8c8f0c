/**
 * The one error type for bad input. Whoever detects a problem with a request throws an
 * `HttpError` carrying the status to answer; the connection turns it into a response in one
 * place. Anything else thrown while serving is a bug (logged, answered 500 if possible).
 * Only the status and its reason phrase reach the client, never the message.
 *
 * @example A 404 that keeps the connection open
 * ```ts
 * import { type Handler, HttpError } from "@zhttp/zhttp";
 *
 * const users = new Map([["1", "Ada"]]);
 * const user: Handler = (req, res) => {
 *   const name = users.get(req.params.id);
 *   if (name === undefined) {
 *     throw new HttpError(404, `no user ${req.params.id}`, { closeConnection: false });
 *   }
 *   res.end(`${name}\n`);
 * };
 * ```
 */
export class HttpError extends Error {
  /** The status code to answer with (4xx or 5xx). */
  readonly status: number;
  /**
   * Whether the connection must close after the error response. Framing errors make the
   * rest of the byte stream meaningless, so they always close (RFC 9112 §11.2).
   */
  readonly closeConnection: boolean;

  /**
   * An error answered with `status`. `message` is for the log; the connection closes after
   * the answer unless `closeConnection` is false.
   */
  constructor(status: number, message: string, options: { closeConnection?: boolean } = {}) {
    super(message);
    this.name = "HttpError";
    this.status = status;
    this.closeConnection = options.closeConnection ?? true;
  }
}
