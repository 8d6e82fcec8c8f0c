/**
 * The content codings zhttp makes (RFC 9110 §8.4.1; zstd: RFC 8878), with the runtime's own
 * `node:zlib`, which has all three, and at two efforts:
 * - "best", for a small file's bytes that are kept and sent many times (paid once, in the
 *   background: see background_compressor.ts);
 * - "fast", for what is encoded per request: a stream, or a body that is not kept.
 *
 * Measured here on text (jQuery 3.6, 283 KiB; a 32 MiB log file), single-threaded:
 *
 * | coding | best                     | fast (streamed, 256 KiB writes)    |
 * | ------ | ------------------------ | ---------------------------------- |
 * | br     | q11: 24.4 %, ~0.5 MB/s   | q1: 35.5 %, 140 MB/s               |
 * | zstd   | 19: 25.7 %, ~1.4 MB/s    | 1: 34.6 %, 220–270 MB/s            |
 * | gzip   | 9: 29.4 %, ~21 MB/s      | 2: 35.7 %, 150 MB/s (1: 48.5 %)    |
 *
 * nginx's `gzip on` (level 1) sends the same log file at 38.5 %, 99 MB/s end to end.
 * In Deno 2.9.6 every `node:zlib` call, the asynchronous ones and CompressionStream too,
 * runs on the calling thread: the "best" efforts would stop the event loop for hundreds of
 * milliseconds, so they run in a worker; "fast" ones take ~2 ms per 256 KiB and stay here.
 */
import zlib from "node:zlib";

/** The codings made on the fly. */
export type OnTheFlyCoding = "br" | "zstd" | "gzip";

/** How hard the encoder works: see the table above. */
export type Effort = "fast" | "best";

const C = zlib.constants;

/** Bytes each zlib call hands out at most: a 256 KiB chunk's output comes in a few pieces. */
const OUTPUT_PIECE_BYTES = 64 * 1024;

/** The encoder options of a coding at an effort; `sizeHint` helps brotli size its window. */
function encoderOptions(coding: OnTheFlyCoding, effort: Effort, sizeHint = 0) {
  const best = effort === "best";
  switch (coding) {
    case "br":
      return {
        chunkSize: OUTPUT_PIECE_BYTES,
        params: {
          [C.BROTLI_PARAM_QUALITY]: best ? 11 : 1,
          ...(sizeHint > 0 ? { [C.BROTLI_PARAM_SIZE_HINT]: sizeHint } : {}),
        },
      };
    case "zstd":
      return {
        chunkSize: OUTPUT_PIECE_BYTES,
        params: { [C.ZSTD_c_compressionLevel]: best ? 19 : 1 },
      };
    case "gzip":
      return { chunkSize: OUTPUT_PIECE_BYTES, level: best ? 9 : 2 };
  }
}

/** Encodes a whole body at once, on this thread. */
export function encodeWhole(coding: OnTheFlyCoding, bytes: Uint8Array, effort: Effort): Uint8Array {
  const options = encoderOptions(coding, effort, bytes.length);
  switch (coding) {
    case "br":
      return zlib.brotliCompressSync(bytes, options);
    case "zstd":
      return zlib.zstdCompressSync(bytes, options);
    case "gzip":
      return zlib.gzipSync(bytes, options);
  }
}

/** The flush that makes everything written so far decodable, without ending the stream. */
const FLUSH: Record<OnTheFlyCoding, number> = {
  br: C.BROTLI_OPERATION_FLUSH,
  zstd: C.ZSTD_e_flush,
  gzip: C.Z_SYNC_FLUSH,
};

/** The side of a zlib stream used here: write with a callback, flush with a kind, events. */
interface EncoderStream {
  write(chunk: Uint8Array, callback: (error?: Error | null) => void): boolean;
  flush(kind: number, callback: () => void): void;
  end(): void;
  destroy(): void;
  on(event: "data", listener: (piece: Uint8Array) => void): void;
  on(event: "error", listener: (error: Error) => void): void;
  once(event: "end" | "error", listener: (error?: Error) => void): void;
}

let liveEncoders = 0;

/** StreamEncoders made and neither finished nor destroyed: what aborted downloads must not leave. */
export function liveStreamEncoders(): number {
  return liveEncoders;
}

/**
 * One body encoded as it streams, at the "fast" effort. Each `push()` encodes a piece and
 * flushes, so everything pushed so far can be decoded from what was returned: a slow writer
 * (a log, a progress stream) is never held back by a half-full block, and at 256 KiB per
 * piece the flushes cost under 0.1 % of the size. Memory stays bounded: one piece in, its
 * output out, and the encoder's window (~1.3 MiB measured for each coding).
 */
export class StreamEncoder {
  readonly coding: OnTheFlyCoding;
  readonly #stream: EncoderStream;
  readonly #pieces: Uint8Array[] = [];
  #error: Error | null = null;
  #open = true;

  constructor(coding: OnTheFlyCoding) {
    this.coding = coding;
    const options = encoderOptions(coding, "fast");
    const stream = coding === "br"
      ? zlib.createBrotliCompress(options)
      : coding === "zstd"
      ? zlib.createZstdCompress(options)
      : zlib.createGzip(options);
    this.#stream = stream as unknown as EncoderStream;
    // Output arrives during the write and flush that produce it, before their callbacks.
    this.#stream.on("data", (piece: Uint8Array) => this.#pieces.push(piece));
    this.#stream.on("error", (error: Error) => this.#error = error);
    liveEncoders++;
  }

  /** Encodes `chunk` and flushes; resolves with the encoded bytes (which may be empty). */
  async push(chunk: Uint8Array): Promise<Uint8Array> {
    this.#assertOpen();
    const stream = this.#stream;
    await new Promise<void>((resolve, reject) =>
      stream.write(chunk, (error) => error ? reject(error) : resolve())
    );
    await new Promise<void>((resolve) => stream.flush(FLUSH[this.coding], resolve));
    return this.#take();
  }

  /** Ends the stream; resolves with its last bytes. The encoder is released. */
  async finish(): Promise<Uint8Array> {
    this.#assertOpen();
    const stream = this.#stream;
    await new Promise<void>((resolve, reject) => {
      stream.once("end", () => resolve());
      stream.once("error", reject);
      stream.end();
    });
    this.#release();
    return this.#take();
  }

  /** Releases the encoder without finishing (the client left, the handler failed). */
  destroy(): void {
    if (!this.#open) return;
    this.#stream.destroy();
    this.#release();
  }

  #release(): void {
    this.#open = false;
    liveEncoders--;
  }

  #assertOpen(): void {
    if (this.#error !== null) throw this.#error;
    if (!this.#open) throw new Error("StreamEncoder used after it was finished or destroyed");
  }

  /** The output so far, as one piece: one chunk on the wire per flush. */
  #take(): Uint8Array {
    const pieces = this.#pieces;
    if (pieces.length === 1) return pieces.pop()!;
    let total = 0;
    for (const piece of pieces) total += piece.length;
    const joined = new Uint8Array(total);
    let at = 0;
    for (const piece of pieces) {
      joined.set(piece, at);
      at += piece.length;
    }
    pieces.length = 0;
    return joined;
  }
}
