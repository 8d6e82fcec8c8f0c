/**
 * ResponseWriter: what a handler uses to answer, in the style of Go's http.ResponseWriter.
 * Set the status and headers, then either `end(body)` once, or stream with `await write()`
 * and finish with `end()`. It is an interface so that middleware can wrap it (see
 * ResponseWrapper in server/response_wrapper.ts), as Go's wrappers do.
 *
 * Http1ResponseWriter is the one that encodes HTTP/1.x: the head is encoded straight into
 * the connection's output buffer (no per-response string concatenation); a response that
 * ends without streaming leaves in the same write as its head, and with pipelining in the
 * same write as its neighbours.
 *
 * Framing (RFC 9112 §6): a body given to `end()` gets a Content-Length; a streamed body uses
 * the Content-Length the handler set, otherwise chunked coding on HTTP/1.1, otherwise (an
 * HTTP/1.0 client) the end of the connection marks the end of the body.
 */
import type { OutputBuffer } from "./output.ts";
import { contentLengthLine, fieldLine, statusLine } from "./field_lines.ts";
import { encodeLatin1 } from "./latin1.ts";
import { statusText } from "./status.ts";

/** The connection's side of a response: where bytes go and how they leave. */
export interface ResponseChannel {
  readonly output: OutputBuffer;
  /** Writes everything queued in `output` to the client; resolves once the OS took it. */
  flush(): Promise<void>;
  /** The `Server` and `Date` lines, as bytes (see field_lines.ts). */
  serverAndDateLines(): Uint8Array;
}

/** What the writer needs to know about the request it answers. */
export interface ResponseContext {
  /** HEAD: headers as for GET, never a body (RFC 9110 §9.3.2). */
  readonly headRequest: boolean;
  /** 0 for HTTP/1.0 (no chunked coding, keep-alive only when asked), 1 for HTTP/1.1. */
  readonly versionMinor: 0 | 1;
  /** Whether the connection may stay open after this response (RFC 9112 §9.3). */
  keepAlive: boolean;
}

/**
 * How a handler answers. Headers can change until the head is sent, which happens at the
 * first `write()`, at `flushHeaders()` or at `end()`. A body given to `end()` gets a
 * Content-Length; a streamed one the Content-Length the handler set, else chunked coding
 * (HTTP/1.1) or the end of the connection (HTTP/1.0).
 *
 * @example A download streamed with its length, with backpressure
 * ```ts
 * import type { Handler } from "@zhttp/zhttp";
 *
 * const download: Handler = async (_req, res) => {
 *   using file = await Deno.open("big.iso");
 *   res.setHeader("Content-Type", "application/octet-stream");
 *   res.setHeader("Content-Length", (await file.stat()).size);
 *   const chunk = new Uint8Array(256 * 1024);
 *   for (let read = await file.read(chunk); read !== null; read = await file.read(chunk)) {
 *     await res.write(chunk.subarray(0, read)); // The chunk is reused once this resolves.
 *   }
 *   res.end();
 * };
 * ```
 */
export interface ResponseWriter {
  /** The status code to send; change it before the head goes out. */
  status: number;
  /** Body bytes handed to the client so far (not counting framing), for access logs. */
  readonly bytesWritten: number;
  /** True once the status line and headers have been sent: they can no longer change. */
  readonly headersSent: boolean;
  /** True once `end()` was called. */
  readonly ended: boolean;
  /** Replaces every field named `name` (case-insensitive) with one holding `value`. */
  setHeader(name: string, value: string | number): this;
  /** Adds a field, keeping others with the same name (for fields that are lists). */
  appendHeader(name: string, value: string | number): this;
  /** The first value of the field named `name` (case-insensitive), if set. */
  getHeader(name: string): string | undefined;
  /** Removes every field named `name` (case-insensitive). */
  removeHeader(name: string): this;
  /** Forgets every header set so far (before the head is sent), for an error response. */
  discardHeaders(): void;
  /** Asks for the connection to close after this response (before the head is sent). */
  closeAfterResponse(): void;
  /** Sends the head now, before any body: a low time to first byte for a slow body. */
  flushHeaders(): Promise<void>;
  /**
   * Streams a piece of the body; resolves once the client's socket took it, which is the
   * backpressure. `chunk` must not change until the promise resolves.
   */
  write(chunk: Uint8Array | string): Promise<void>;
  /** Finishes the response, with `body` as all of it or as its last piece. */
  end(body?: Uint8Array | string): void;
}

type Framing = "length" | "chunked" | "close" | "none";

const ENCODER = new TextEncoder();
// Constant bytes of the framing, encoded once.
const CRLF = encodeLatin1("\r\n");
const LAST_CHUNK = encodeLatin1("0\r\n\r\n");
const CHUNKED = encodeLatin1("Transfer-Encoding: chunked\r\n");
const CLOSE_AND_END = encodeLatin1("Connection: close\r\n\r\n");
const KEEP_ALIVE_AND_END = encodeLatin1("Connection: keep-alive\r\n\r\n");

/** The ResponseWriter of an HTTP/1.0 or HTTP/1.1 connection (RFC 9112). */
export class Http1ResponseWriter implements ResponseWriter {
  /** The status code to send; change it before the head goes out. */
  status = 200;
  /** Body bytes handed to the client so far (not counting framing), for access logs. */
  bytesWritten = 0;

  readonly #channel: ResponseChannel;
  readonly #context: ResponseContext;
  readonly #names: string[] = [];
  readonly #values: string[] = [];
  #headersSent = false;
  #ended = false;
  #framing: Framing = "none";
  /** The Content-Length promised in the head, when framing is "length". */
  #declaredLength = -1;

  constructor(channel: ResponseChannel, context: ResponseContext) {
    this.#channel = channel;
    this.#context = context;
  }

  /** True once the status line and headers have been queued: they can no longer change. */
  get headersSent(): boolean {
    return this.#headersSent;
  }

  /** True once `end()` was called. */
  get ended(): boolean {
    return this.#ended;
  }

  /**
   * True when the body sent is shorter than the Content-Length promised: the client would
   * wait for the rest, so the connection must close.
   */
  get incomplete(): boolean {
    return this.#framing === "length" && !this.#context.headRequest &&
      this.bytesWritten < this.#declaredLength;
  }

  /** Whether the connection stays open after this response. */
  get keepAlive(): boolean {
    return this.#context.keepAlive;
  }

  /** Replaces every field named `name` with one holding `value`. */
  setHeader(name: string, value: string | number): this {
    this.#assertHeadersNotSent();
    this.removeHeader(name);
    return this.appendHeader(name, value);
  }

  /**
   * Adds a field, keeping others with the same name (for fields that are lists). Names and
   * values are checked when the head is encoded (a bad one throws from end(), write() or
   * flushHeaders(), before any byte of the head is queued).
   */
  appendHeader(name: string, value: string | number): this {
    this.#assertHeadersNotSent();
    this.#names.push(name);
    this.#values.push(typeof value === "string" ? value : String(value));
    return this;
  }

  /** The first value of the field named `name` (case-insensitive), if set. */
  getHeader(name: string): string | undefined {
    const index = this.#indexOf(name.toLowerCase());
    return index < 0 ? undefined : this.#values[index];
  }

  removeHeader(name: string): this {
    this.#assertHeadersNotSent();
    const names = this.#names;
    if (names.length === 0) return this;
    const lower = name.toLowerCase();
    for (let i = names.length - 1; i >= 0; i--) {
      if (isNamed(names[i], lower)) {
        names.splice(i, 1);
        this.#values.splice(i, 1);
      }
    }
    return this;
  }

  /** Forgets every header set so far (before the head is sent), for an error response. */
  discardHeaders(): void {
    this.#assertHeadersNotSent();
    this.#names.length = 0;
    this.#values.length = 0;
  }

  /**
   * Asks for the connection to close after this response (adds `Connection: close`).
   * Only possible before the head is sent.
   */
  closeAfterResponse(): void {
    if (!this.#headersSent) this.#context.keepAlive = false;
  }

  /**
   * Sends the head now, before any body: low time to first byte for a slow body.
   * The framing is chosen here from what was set.
   */
  async flushHeaders(): Promise<void> {
    if (!this.#headersSent) this.#writeHead(this.#streamFraming(), -1);
    await this.#channel.flush();
  }

  /**
   * Streams a piece of the body. Resolves once the client's socket took it, which is the
   * backpressure: a loop that awaits each write never holds more than one piece. A large
   * `chunk` is sent without copying, so it must not change until the promise resolves.
   */
  async write(chunk: Uint8Array | string): Promise<void> {
    if (this.#ended) throw new Error("ResponseWriter.write() after end()");
    if (!this.#headersSent) this.#writeHead(this.#streamFraming(), -1);
    const bytes = typeof chunk === "string" ? ENCODER.encode(chunk) : chunk;
    if (bytes.length === 0) return;
    this.#queueBody(bytes);
    await this.#channel.flush();
  }

  /**
   * Finishes the response, with `body` as all of it (when nothing was streamed) or as its
   * last piece. Queues the bytes and returns at once: the connection sends them with the
   * next write, together with other queued responses.
   */
  end(body?: Uint8Array | string): void {
    if (this.#ended) throw new Error("ResponseWriter.end() called twice");
    const bytes = body === undefined
      ? undefined
      : typeof body === "string"
      ? ENCODER.encode(body)
      : body;
    if (!this.#headersSent) {
      const length = bytes?.length ?? 0;
      this.#writeHead(this.#bodyAllowed() ? "length" : "none", length);
    }
    if (bytes !== undefined && bytes.length > 0) this.#queueBody(bytes);
    if (this.#framing === "chunked" && !this.#context.headRequest) {
      this.#channel.output.writeBytes(LAST_CHUNK);
    }
    this.#ended = true;
  }

  /** The framing for a streamed body, given what the handler declared. */
  #streamFraming(): Framing {
    if (!this.#bodyAllowed()) return "none";
    if (this.#indexOf("content-length") >= 0) return "length";
    if (this.#context.versionMinor === 1) return "chunked";
    // An HTTP/1.0 client understands neither chunked coding nor an open connection after a
    // body of unknown length: the close marks the end (RFC 9112 §6.3 item 8).
    return "close";
  }

  /** 1xx, 204 and 304 responses never have a body (RFC 9110 §6.4.1). */
  #bodyAllowed(): boolean {
    const status = this.status;
    return status >= 200 && status !== 204 && status !== 304;
  }

  #queueBody(bytes: Uint8Array): void {
    if (this.#framing === "none" || this.#context.headRequest) return;
    const output = this.#channel.output;
    if (this.#framing === "length" && this.bytesWritten + bytes.length > this.#declaredLength) {
      throw new Error(
        `response body exceeds its Content-Length (${this.#declaredLength} bytes)`,
      );
    }
    if (this.#framing === "chunked") {
      output.writeLatin1(bytes.length.toString(16));
      output.writeBytes(CRLF);
      output.writeBytes(bytes);
      output.writeBytes(CRLF);
    } else {
      output.writeBytes(bytes);
    }
    this.bytesWritten += bytes.length;
  }

  /**
   * Encodes the status line and fields into the output buffer. `bodyLength` is the exact
   * length for a body given to end(), or -1 when streaming.
   */
  #writeHead(framing: Framing, bodyLength: number): void {
    const output = this.#channel.output;
    const context = this.#context;
    const names = this.#names;
    const values = this.#values;

    // Every line is encoded (and checked) before any is queued: a bad field throws with the
    // output untouched.
    const lines = HEAD_LINES;
    lines.length = 0;
    let declaredLength = -1;
    for (let i = 0; i < names.length; i++) {
      const name = names[i];
      // Framing fields are ours to write: a handler-set Transfer-Encoding or Connection
      // could contradict how the body is actually delimited.
      if (isNamed(name, "transfer-encoding") || isNamed(name, "connection")) continue;
      if (isNamed(name, "content-length")) {
        // Written once, below, by us: two differing lines would let a client and a proxy
        // disagree on where this response ends (RFC 9112 §6.3).
        const length = parseDeclaredLength(values[i]);
        if (declaredLength >= 0 && length !== declaredLength) {
          throw new TypeError("conflicting Content-Length values");
        }
        declaredLength = length;
        continue;
      }
      lines.push(fieldLine(name, values[i]));
    }
    const status = statusLine(context.versionMinor, this.status);

    this.#headersSent = true;
    this.#framing = framing;
    output.writeBytes(status);
    output.writeBytes(this.#channel.serverAndDateLines());
    for (const line of lines) output.writeBytes(line);

    if (framing === "length") {
      if (bodyLength >= 0) {
        // end(body): the body is the whole truth, unless HEAD announced the GET length.
        const length = context.headRequest && declaredLength >= 0 ? declaredLength : bodyLength;
        output.writeBytes(contentLengthLine(length));
        this.#declaredLength = context.headRequest ? 0 : bodyLength;
      } else {
        output.writeBytes(contentLengthLine(declaredLength));
        this.#declaredLength = declaredLength;
      }
    } else if (framing === "chunked") {
      output.writeBytes(CHUNKED);
    } else if (framing === "none" && this.status === 304 && declaredLength >= 0) {
      // A 304 may repeat the Content-Length the 200 would have had (RFC 9110 §8.6).
      output.writeBytes(contentLengthLine(declaredLength));
    }

    // Decided once, here: whatever the head says is what the connection will do.
    const keepAlive = context.keepAlive && framing !== "close";
    if (!keepAlive) {
      context.keepAlive = false;
      output.writeBytes(CLOSE_AND_END);
    } else if (context.versionMinor === 0) {
      output.writeBytes(KEEP_ALIVE_AND_END);
    } else {
      output.writeBytes(CRLF);
    }
  }

  #indexOf(lowerName: string): number {
    const names = this.#names;
    for (let i = 0; i < names.length; i++) if (isNamed(names[i], lowerName)) return i;
    return -1;
  }

  #assertHeadersNotSent(): void {
    if (this.#headersSent) throw new Error("response headers were already sent");
  }
}

/**
 * Whether `name` is `lowerName` in any ASCII case (field names are tokens, RFC 9110 §5.1).
 * Compared in place: `toLowerCase()` made a string for every same-length pair, and a file
 * response sets three 13-letter fields (Last-Modified, Cache-Control, Accept-Ranges).
 */
function isNamed(name: string, lowerName: string): boolean {
  const length = lowerName.length;
  if (name.length !== length) return false;
  for (let i = 0; i < length; i++) {
    const code = name.charCodeAt(i);
    if ((code >= 0x41 && code <= 0x5a ? code | 0x20 : code) !== lowerName.charCodeAt(i)) {
      return false;
    }
  }
  return true;
}

/** Reused by #writeHead: the encoded field lines of the head being written. */
const HEAD_LINES: Uint8Array[] = [];

function parseDeclaredLength(value: string): number {
  if (!/^[0-9]{1,15}$/.test(value)) throw new TypeError(`invalid Content-Length: ${value}`);
  return Number(value);
}

/**
 * Ends `res` with a short plain-text body naming the status. Used for every error: only the
 * status and its reason phrase reach the client, never a message, stack or path.
 */
export function endWithStatus(res: ResponseWriter, status: number, close: boolean): void {
  if (close) res.closeAfterResponse();
  res.status = status;
  res.removeHeader("Content-Length");
  res.setHeader("Content-Type", "text/plain; charset=utf-8");
  res.end(`${status} ${statusText(status)}\n`);
}
