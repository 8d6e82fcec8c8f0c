/**
 * Compression: responses encoded with a content coding the client accepts (RFC 9110 §8.4,
 * §12.5.3), as a ResponseWrapper around the handler's writer.
 *
 * A response is wrapped only when the request has a readable Accept-Encoding; any other
 * request (curl, wrk, scripts) keeps the unwrapped fast path. The handler behind may choose
 * its representation itself through the ContentEncoder left under CONTENT_ENCODER (the
 * static handler does: it knows file versions, precompressed files and ranges). For any
 * other response, the wrapper decides when the head is committed: a 200 of a compressible
 * type (compressible.ts), without a Content-Encoding or Content-Range, of at least
 * MIN_COMPRESS_BYTES (or of unknown length) varies on Accept-Encoding, and is encoded with
 * the coding the client prefers, at the fast effort:
 * - a body given whole to end() is encoded at once, and keeps an exact Content-Length;
 * - a streamed body is encoded piece by piece, each `write()` resolving once the encoded
 *   piece was taken by the writer underneath (backpressure passes through), under chunked
 *   coding (or the end of the connection for HTTP/1.0). Each piece is flushed, so a slow
 *   stream is never held back; event streams are never encoded (compressible.ts).
 * An ETag the handler set becomes the weak tag of the encoding (RFC 9110 §8.8.3: the bytes
 * are made per request). When the client refuses the identity and accepts none of our
 * codings, the answer is 406.
 */
import {
  type AcceptEncoding,
  acceptEncodingOf,
  IDENTITY,
  NOT_ACCEPTABLE,
  selectCoding,
} from "../http/accept_encoding.ts";
import { isCompressible, MIN_COMPRESS_BYTES } from "../http/compressible.ts";
import { codingEtag } from "../http/etag.ts";
import { endWithStatus, type ResponseWriter } from "../http/response.ts";
import { addVary } from "../http/vary.ts";
import type { Middleware } from "../server/handler.ts";
import { ResponseWrapper, wrapResponses } from "../server/response_wrapper.ts";
import { BackgroundCompressor } from "./background_compressor.ts";
import { encodeWhole, type OnTheFlyCoding, StreamEncoder } from "./codecs.ts";
import {
  CONTENT_ENCODER,
  type ContentEncoder,
  type KeptFile,
  STREAMED_CODINGS,
  WHOLE_BODY_CODINGS,
} from "./content_encoder.ts";
import { DEFAULT_MAX_KEPT_BYTES, KeptEncodings } from "./kept_encodings.ts";

export interface CompressionOptions {
  /** Encoded bytes of small files kept (default DEFAULT_MAX_KEPT_BYTES). */
  maxKeptBytes?: number;
}

/** The compression middleware; each one has its own kept encodings and worker. */
export function compression(options: CompressionOptions = {}): Middleware {
  const kept = new KeptEncodings(
    new BackgroundCompressor(),
    options.maxKeptBytes ?? DEFAULT_MAX_KEPT_BYTES,
  );
  return wrapResponses((req, res) => {
    const value = req.headers.get("accept-encoding");
    if (value === null) return null;
    const accept = acceptEncodingOf(value);
    if (accept === null) return null;
    const writer = new CompressingWriter(res, accept, req.method === "HEAD", kept);
    req.set(CONTENT_ENCODER, writer);
    return writer;
  });
}

const ENCODER = new TextEncoder();
const EMPTY = new Uint8Array(0);

/** One response on its way out, encoded or not. */
class CompressingWriter extends ResponseWrapper implements ContentEncoder {
  readonly accept: AcceptEncoding;
  readonly #headRequest: boolean;
  readonly #kept: KeptEncodings;
  /** What the handler said: a coding, "leave", or null for nothing (the wrapper decides). */
  #choice: OnTheFlyCoding | "leave" | null = null;
  /** The coding applied, once the head was committed; null: the body passes as written. */
  #coding: OnTheFlyCoding | null = null;
  /** 406: the handler's body is dropped for ours. */
  #refused = false;
  /** The length of a body given whole to end(), while the head is committed for it. */
  #bodyLength: number | null = null;
  #encoder: StreamEncoder | null = null;
  /** The last streamed piece's way out: pieces leave in the order they were written. */
  #tail: Promise<void> | null = null;
  #finishing: Promise<void> | null = null;
  #ended = false;

  constructor(
    inner: ResponseWriter,
    accept: AcceptEncoding,
    headRequest: boolean,
    kept: KeptEncodings,
  ) {
    super(inner);
    this.accept = accept;
    this.#headRequest = headRequest;
    this.#kept = kept;
  }

  kept(coding: OnTheFlyCoding, file: KeptFile): Uint8Array | null {
    return this.#kept.lookup(coding, file);
  }

  encode(coding: OnTheFlyCoding): void {
    this.#choice = coding;
  }

  leave(): void {
    this.#choice = "leave";
  }

  /** True once end() was called (the encoder's last bytes may still be on their way). */
  override get ended(): boolean {
    return this.#ended;
  }

  override flushHeaders(): Promise<void> {
    this.commitHead();
    return this.#refused ? Promise.resolve() : this.inner.flushHeaders();
  }

  override write(chunk: Uint8Array | string): Promise<void> {
    if (this.#ended) throw new Error("ResponseWriter.write() after end()");
    this.commitHead();
    if (this.#refused) return Promise.resolve();
    if (this.#coding === null) return this.inner.write(chunk);
    // HEAD: the head as for GET, and no body to encode.
    if (this.#headRequest) return this.inner.flushHeaders();
    const bytes = typeof chunk === "string" ? ENCODER.encode(chunk) : chunk;
    const coding = this.#coding;
    const piece = async () => {
      if (bytes.length === 0) {
        if (!this.inner.headersSent) await this.inner.flushHeaders();
        return;
      }
      const encoder = this.#encoder ??= new StreamEncoder(coding);
      await encoder.push(bytes, this.#send);
    };
    this.#tail = this.#tail === null ? piece() : this.#tail.then(piece);
    return this.#tail;
  }

  override end(body?: Uint8Array | string): void {
    if (this.#ended) throw new Error("ResponseWriter.end() called twice");
    this.#ended = true;
    const bytes = typeof body === "string" ? ENCODER.encode(body) : body;
    if (!this.headersSent) {
      this.#bodyLength = bytes?.length ?? (this.#headRequest ? null : 0);
      this.commitHead();
    }
    const inner = this.inner;
    if (this.#refused) return endWithStatus(inner, 406, false);
    const coding = this.#coding;
    if (coding === null) return inner.end(bytes);
    if (this.#encoder !== null || (this.#bodyLength === null && !this.#headRequest)) {
      this.#finishing = this.#finishStream(coding, bytes);
    } else if (bytes === undefined && this.#headRequest) {
      // A HEAD whose GET would stream: its head says chunked, as the GET's would.
      this.#finishing = inner.flushHeaders().then(() => inner.end());
    } else {
      inner.end(encodeWhole(coding, bytes ?? EMPTY, "fast"));
    }
  }

  override complete(): void | Promise<void> {
    if (!this.#ended) this.end();
    return this.#finishing ?? undefined;
  }

  override abandon(): void {
    this.#encoder?.destroy();
  }

  protected override onHead(): void {
    const choice = this.#choice;
    if (choice === "leave") return;
    if (choice !== null) return this.#apply(choice);
    this.#decide();
  }

  /** The stream's last piece and the encoder's last bytes, then the end. */
  async #finishStream(coding: OnTheFlyCoding, last: Uint8Array | undefined): Promise<void> {
    try {
      await this.#tail;
      const encoder = this.#encoder ??= new StreamEncoder(coding);
      if (last !== undefined && last.length > 0) await encoder.push(last, this.#send);
      await encoder.finish(this.#send);
      this.inner.end();
    } catch (error) {
      this.#encoder?.destroy();
      throw error;
    }
  }

  /** Where the stream's encoded bytes go: resolves once the socket took them. */
  readonly #send = (encoded: Uint8Array): Promise<void> => this.inner.write(encoded);

  /** Encodes the body with `coding`: the head says so and keeps no length it will not have. */
  #apply(coding: OnTheFlyCoding): void {
    this.#coding = coding;
    this.inner.setHeader("Content-Encoding", coding);
    this.inner.removeHeader("Content-Length");
  }

  /** For a handler that said nothing: judged from the head, as the module comment says. */
  #decide(): void {
    const inner = this.inner;
    if (inner.status !== 200) return;
    if (inner.getHeader("content-encoding") !== undefined) return;
    if (inner.getHeader("content-range") !== undefined) return;
    const type = inner.getHeader("content-type");
    if (type === undefined || !isCompressible(type)) return;
    const length = this.#bodyLength ?? declaredLength(inner.getHeader("content-length"));
    if (length !== null && length < MIN_COMPRESS_BYTES) return;
    addVary(inner, "Accept-Encoding");
    const codings = this.#bodyLength === null ? STREAMED_CODINGS : WHOLE_BODY_CODINGS;
    const chosen = selectCoding(this.accept, codings);
    if (chosen === NOT_ACCEPTABLE) return this.#refuse();
    if (chosen === IDENTITY) return;
    const coding = codings[chosen];
    const etag = inner.getHeader("etag");
    if (etag !== undefined) {
      const coded = codingEtag(etag, coding, true);
      if (coded === null) inner.removeHeader("ETag");
      else inner.setHeader("ETag", coded);
    }
    // Ranges are of the identity's bytes; the encoding's are not offered (RFC 9110 §14.3).
    inner.removeHeader("Accept-Ranges");
    this.#apply(coding);
  }

  /** 406: only our short answer, which says what it varies on. */
  #refuse(): void {
    this.#refused = true;
    this.inner.discardHeaders();
    this.inner.setHeader("Vary", "Accept-Encoding");
  }
}

/** A Content-Length value as a number, or null when there is none (or it is not one). */
function declaredLength(value: string | undefined): number | null {
  if (value === undefined || !/^[0-9]{1,15}$/.test(value)) return null;
  return Number(value);
}
