/**
 * ResponseWrapper: the base of middleware that changes responses on their way out
 * (compression, a script injected into pages), in the manner of Go's ResponseWriter
 * wrappers. A wrapper is a ResponseWriter that hands everything to the writer it wraps,
 * except what it changes:
 * - `onHead()` runs once, just before the head is committed (at the handler's first
 *   `write()`, `flushHeaders()` or `end()`), while the status and headers can still change:
 *   the place to decide whether to transform, and to set `Content-Encoding`, merge `Vary`
 *   or drop a `Content-Length` the transformed body will not have;
 * - `write()` and `end()` are overridden to transform the body as it streams. A `write()`
 *   resolves once the wrapped writer took what it became, so backpressure passes through,
 *   and nothing forces a large body to be held whole.
 *
 * A wrapper whose end needs asynchronous work (a compressor's last block) does it in
 * `complete()`, which wrapResponses() calls once the handler returned; the connection
 * waits for it. An unwrapped response is never touched by any of this: a static file's fast
 * path stays one synchronous `end()` on the connection's own writer.
 */
import type { ResponseWriter } from "../http/response.ts";
import type { Middleware } from "./handler.ts";
import type { HttpRequest } from "./request.ts";

/**
 * Passes everything to `inner`; subclasses override what they change: `onHead()` to decide
 * and adjust the head, `write()` and `end()` to transform the body, `complete()` for
 * asynchronous work at the end, `abandon()` to release what they hold when the handler
 * failed.
 *
 * @example Upper-case text bodies (the length stays, so Content-Length does too)
 * ```ts
 * import { ResponseWrapper } from "@zhttp/zhttp";
 *
 * class UpperCaseWriter extends ResponseWrapper {
 *   #text = false;
 *
 *   protected override onHead(): void {
 *     this.#text = this.getHeader("content-type")?.startsWith("text/") === true;
 *   }
 *
 *   override write(chunk: Uint8Array | string): Promise<void> {
 *     this.commitHead();
 *     return this.inner.write(this.#text ? shout(chunk) : chunk);
 *   }
 *
 *   override end(body?: Uint8Array | string): void {
 *     this.commitHead();
 *     this.inner.end(body !== undefined && this.#text ? shout(body) : body);
 *   }
 * }
 *
 * function shout(chunk: Uint8Array | string): Uint8Array {
 *   const bytes = typeof chunk === "string" ? new TextEncoder().encode(chunk) : chunk;
 *   // A copy: a streamed chunk belongs to its writer.
 *   return bytes.map((byte) => byte >= 0x61 && byte <= 0x7a ? byte - 0x20 : byte);
 * }
 * ```
 */
export class ResponseWrapper implements ResponseWriter {
  /** The writer this one hands its response to. */
  protected readonly inner: ResponseWriter;
  /** "open" until the head is committed; "committing" while onHead() runs. */
  #head: "open" | "committing" | "committed" = "open";

  /** Wraps `inner`, which must not have sent its head yet. */
  constructor(inner: ResponseWriter) {
    this.inner = inner;
  }

  /** The status code to send; change it before the head goes out. */
  get status(): number {
    return this.inner.status;
  }

  /** Sets the status code on the wrapped writer. */
  set status(status: number) {
    this.inner.status = status;
  }

  /** Body bytes the wrapped writer handed to the client (after any transformation). */
  get bytesWritten(): number {
    return this.inner.bytesWritten;
  }

  /** True once the head was committed: from then on the headers are fixed. */
  get headersSent(): boolean {
    return this.#head !== "open" || this.inner.headersSent;
  }

  /** True once the wrapped writer has ended. */
  get ended(): boolean {
    return this.inner.ended;
  }

  /** Replaces every field named `name` with one holding `value`. */
  setHeader(name: string, value: string | number): this {
    this.#assertNotCommitted();
    this.inner.setHeader(name, value);
    return this;
  }

  /** Adds a field, keeping others with the same name. */
  appendHeader(name: string, value: string | number): this {
    this.#assertNotCommitted();
    this.inner.appendHeader(name, value);
    return this;
  }

  /** The first value of the field named `name` (case-insensitive), if set. */
  getHeader(name: string): string | undefined {
    return this.inner.getHeader(name);
  }

  /** Removes every field named `name`. */
  removeHeader(name: string): this {
    this.#assertNotCommitted();
    this.inner.removeHeader(name);
    return this;
  }

  /** Forgets every header set so far. */
  discardHeaders(): void {
    this.#assertNotCommitted();
    this.inner.discardHeaders();
  }

  /** Asks for the connection to close after this response. */
  closeAfterResponse(): void {
    this.inner.closeAfterResponse();
  }

  /** Commits the head and sends it. */
  flushHeaders(): Promise<void> {
    this.commitHead();
    return this.inner.flushHeaders();
  }

  /** Commits the head and passes `chunk` on unchanged; override to transform it. */
  write(chunk: Uint8Array | string): Promise<void> {
    this.commitHead();
    return this.inner.write(chunk);
  }

  /** Commits the head and ends the wrapped writer with `body`; override to transform it. */
  end(body?: Uint8Array | string): void {
    this.commitHead();
    this.inner.end(body);
  }

  /**
   * Ends the response if the handler did not, and finishes what is pending; resolves (or
   * returns, when nothing was pending) once the wrapped writer has ended. Called by
   * wrapResponses() after the handler returned.
   */
  complete(): void | Promise<void> {
    if (!this.ended) this.end();
  }

  /**
   * The handler failed: release what the wrapper holds (a compressor, a buffer). Its
   * error is answered on the wrapped writer by the error boundary, or the connection
   * closes when the head was already sent.
   */
  abandon(): void {}

  /**
   * Runs once, just before the head is committed, while status and headers can still
   * change. Override to decide whether and how to transform the body.
   */
  protected onHead(): void {}

  /** Runs onHead() if it has not run yet. Call it before handing anything to `inner`. */
  protected commitHead(): void {
    if (this.#head !== "open") return;
    this.#head = "committing";
    try {
      this.onHead();
    } finally {
      this.#head = "committed";
    }
  }

  #assertNotCommitted(): void {
    // onHead() itself may still change the head; nothing after it may.
    if (this.#head === "committed" || this.inner.headersSent) {
      throw new Error("response headers were already sent");
    }
  }
}

/**
 * A middleware that wraps each response in the writer `wrap` makes for it (null leaves the
 * response unwrapped, at no cost), and completes the wrapper once the handler returned.
 *
 * @example Count the bytes of every response to a path under /api/
 * ```ts
 * import { compose, hello, ResponseWrapper, serve, wrapResponses } from "@zhttp/zhttp";
 *
 * let apiBytes = 0;
 * class Counting extends ResponseWrapper {
 *   override complete(): void {
 *     super.complete();
 *     apiBytes += this.bytesWritten;
 *   }
 * }
 * const counting = wrapResponses((req, res) =>
 *   req.path.startsWith("/api/") ? new Counting(res) : null
 * );
 * serve({ handler: compose(hello, counting) });
 * ```
 */
export function wrapResponses(
  wrap: (req: HttpRequest, res: ResponseWriter) => ResponseWrapper | null,
): Middleware {
  return (next) => (req, res) => {
    const wrapper = wrap(req, res);
    if (wrapper === null) return next(req, res);
    let result;
    try {
      result = next(req, wrapper);
    } catch (error) {
      wrapper.abandon();
      throw error;
    }
    if (result instanceof Promise) {
      return result.then(() => wrapper.complete(), (error) => {
        wrapper.abandon();
        throw error;
      });
    }
    return wrapper.complete();
  };
}
