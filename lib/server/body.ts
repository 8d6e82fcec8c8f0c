/**
 * Request bodies, read from the connection's own buffer: `read()` hands out views of the
 * bytes as they arrive (Content-Length or chunked, RFC 9112 §6), never the whole body at
 * once, so a body of any size costs one buffer.
 */
import { ChunkedDecoder } from "../http/chunked.ts";
import { HttpError } from "../http/errors.ts";
import type { BodyKind } from "../http/parser.ts";

/** The connection's read buffer, as the body reader sees it. */
export interface BufferedSource {
  readonly buffer: Uint8Array;
  /** Next unread byte. */
  position: number;
  /** End of the bytes read so far. */
  end: number;
  /**
   * Reads more bytes into `buffer` after `end`, first moving the unread bytes [position, end)
   * down to `floor` when the buffer is full. Resolves false at end of stream. Throws
   * HttpError(408) when the body read timeout passes.
   */
  fill(floor: number): Promise<boolean>;
  /** Called once, before the first byte of a body is waited for (100-continue). */
  beforeFirstWait(): Promise<void>;
}

export interface BodyLimits {
  /** Larger bodies get 413 (RFC 9110 §15.5.14). */
  maxBodyBytes: number;
}

/** What the request head said about its body. */
export interface BodyFraming {
  readonly kind: BodyKind;
  readonly contentLength: number;
  /** Where the body starts in the source buffer; bytes below it (the head) are kept. */
  readonly start: number;
}

/** The source of a body that is empty by definition: never read. */
const NO_SOURCE: BufferedSource = {
  buffer: new Uint8Array(0),
  position: 0,
  end: 0,
  fill: () => Promise.resolve(false),
  beforeFirstWait: () => Promise.resolve(),
};

/**
 * A request body as it arrives: `read()` hands out one piece at a time, a view of the
 * connection's buffer valid until the next read, and null at the end. A handler reaches it
 * as `req.body`; `req.bytes()` and `req.text()` read it whole.
 *
 * @example Count an upload's bytes without holding it
 * ```ts
 * import type { Handler } from "@zhttp/zhttp";
 *
 * const count: Handler = async (req, res) => {
 *   let total = 0;
 *   for (let piece = await req.body.read(); piece !== null; piece = await req.body.read()) {
 *     total += piece.length;
 *   }
 *   res.end(`${total} bytes\n`);
 * };
 * ```
 */
export class BodyReader {
  /** The body of every request without one (most of them): shared, as it has no state. */
  static readonly NONE: BodyReader = new BodyReader(NO_SOURCE, {
    kind: "none",
    contentLength: 0,
    start: 0,
  }, { maxBodyBytes: 0 });

  readonly #source: BufferedSource;
  readonly #floor: number;
  readonly #chunked: ChunkedDecoder | null;
  /** Bytes still to come for a Content-Length body. */
  #remaining: number;
  #done: boolean;
  #waited = false;
  #bytesRead = 0;

  /**
   * Reads the body `framing` describes from `source`. Throws HttpError(413) at once when a
   * Content-Length is over the limit.
   */
  constructor(source: BufferedSource, framing: BodyFraming, limits: BodyLimits) {
    this.#source = source;
    this.#floor = framing.start;
    this.#remaining = framing.kind === "length" ? framing.contentLength : 0;
    this.#done = framing.kind === "none" || (framing.kind === "length" && this.#remaining === 0);
    this.#chunked = framing.kind === "chunked"
      ? new ChunkedDecoder({ maxBodyBytes: limits.maxBodyBytes })
      : null;
    if (framing.kind === "length" && framing.contentLength > limits.maxBodyBytes) {
      throw new HttpError(413, "request body too large");
    }
  }

  /** True once the whole body has been read. */
  get done(): boolean {
    return this.#done;
  }

  /** Bytes still to come when the length is known (Content-Length), else 0. */
  get knownRemaining(): number {
    return this.#remaining;
  }

  /** Body bytes handed out so far. */
  get bytesRead(): number {
    return this.#bytesRead;
  }

  /**
   * The next piece of the body, or null at its end. The view is valid until the next call:
   * copy it (or finish writing it) before reading again.
   */
  async read(): Promise<Uint8Array | null> {
    if (this.#done) return null;
    return this.#chunked === null ? await this.#readFixed() : await this.#readChunked();
  }

  async #readFixed(): Promise<Uint8Array> {
    const source = this.#source;
    if (source.position === source.end) await this.#fill();
    const start = source.position;
    const length = Math.min(this.#remaining, source.end - start);
    source.position += length;
    this.#remaining -= length;
    this.#bytesRead += length;
    if (this.#remaining === 0) this.#done = true;
    return source.buffer.subarray(start, start + length);
  }

  async #readChunked(): Promise<Uint8Array | null> {
    const source = this.#source;
    const decoder = this.#chunked!;
    for (;;) {
      const step = decoder.decode(source.buffer, source.position, source.end);
      source.position += step.consumed;
      if (step.done) this.#done = true;
      if (step.dataEnd > step.dataStart) {
        this.#bytesRead += step.dataEnd - step.dataStart;
        return source.buffer.subarray(step.dataStart, step.dataEnd);
      }
      if (this.#done) return null;
      if (step.consumed === 0) await this.#fill();
    }
  }

  async #fill(): Promise<void> {
    if (!this.#waited) {
      this.#waited = true;
      await this.#source.beforeFirstWait();
    }
    if (!await this.#source.fill(this.#floor)) {
      throw new HttpError(400, "request body ended early");
    }
  }
}
