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
 * CompressionStream has brotli too, but no level: its quality 11 ran at 8 MB/s.
 */
import zlib from "node:zlib";

/** The codings made on the fly. */
export type OnTheFlyCoding = "br" | "zstd" | "gzip";

/** How hard the encoder works: see the table above. */
export type Effort = "fast" | "best";

const C = zlib.constants;

/** The encoder options of a coding at an effort; `sizeHint` helps brotli size its window. */
function encoderOptions(coding: OnTheFlyCoding, effort: Effort, sizeHint = 0) {
  const best = effort === "best";
  switch (coding) {
    case "br":
      return {
        params: {
          [C.BROTLI_PARAM_QUALITY]: best ? 11 : 1,
          ...(sizeHint > 0 ? { [C.BROTLI_PARAM_SIZE_HINT]: sizeHint } : {}),
        },
      };
    case "zstd":
      return {
        params: { [C.ZSTD_c_compressionLevel]: best ? 19 : 1 },
      };
    case "gzip":
      return { level: best ? 9 : 2 };
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

/** The flush that ends the stream. */
const FINISH: Record<OnTheFlyCoding, number> = {
  br: C.BROTLI_OPERATION_FINISH,
  zstd: C.ZSTD_e_end,
  gzip: C.Z_FINISH,
};

/** Output buffer of each StreamEncoder: a 256 KiB piece of text encodes to ~90 KiB. */
export const STREAM_OUTPUT_BYTES = 128 * 1024;

/**
 * The native side of a node:zlib stream, as node:zlib's own *Sync functions drive it
 * (processChunkSync in Node's lib/zlib.js, which Deno's node:zlib keeps): one call encodes
 * from `input` into `output` and leaves what remains of each in the stream's `_writeState`
 * ([output bytes left, input bytes left]).
 */
interface NativeEncoder {
  writeSync(
    flush: number,
    input: Uint8Array,
    inputOffset: number,
    inputLength: number,
    output: Uint8Array,
    outputOffset: number,
    outputLength: number,
  ): void;
}

interface ZlibStreamInternals {
  _handle: NativeEncoder | null;
  _writeState: Uint32Array;
  close(): void;
}

/** Where encoded bytes go; `bytes` is a view of a reused buffer, valid until this resolves. */
export type EncodedSink = (bytes: Uint8Array) => Promise<void>;

let liveEncoders = 0;

/**
 * How many StreamEncoders were made and neither finished nor destroyed: what aborted
 * downloads must not leave behind (the tests' leak check).
 */
export function liveStreamEncoders(): number {
  return liveEncoders;
}

/**
 * One body encoded as it streams, at the "fast" effort. Each `push()` encodes a piece and
 * flushes, so everything pushed so far can be decoded from what was sent: a slow writer (a
 * log, a progress stream) is never held back by a half-full block, and at 256 KiB per
 * piece the flushes cost under 0.1 % of the size.
 *
 * The output goes into one buffer of STREAM_OUTPUT_BYTES, reused once the sink took it:
 * node:zlib's stream interface hands out a new buffer per output piece instead, which V8
 * collects only once 64 MiB of them have piled up (its external-memory threshold): +75 MiB
 * of RSS for one download, measured, against +1 MiB this way, at the same speed. So memory
 * per stream is the encoder's window (~1.3 MiB measured for each coding) and this buffer.
 * It drives the native encoder as node:zlib's synchronous functions do; codecs_test checks
 * every coding decodes back, so a runtime that changes these internals fails the tests.
 */
export class StreamEncoder {
  readonly coding: OnTheFlyCoding;
  readonly #stream: ZlibStreamInternals;
  readonly #native: NativeEncoder;
  readonly #output = new Uint8Array(STREAM_OUTPUT_BYTES);
  #open = true;

  constructor(coding: OnTheFlyCoding) {
    this.coding = coding;
    const options = encoderOptions(coding, "fast");
    const stream = coding === "br"
      ? zlib.createBrotliCompress(options)
      : coding === "zstd"
      ? zlib.createZstdCompress(options)
      : zlib.createGzip(options);
    this.#stream = stream as unknown as ZlibStreamInternals;
    const native = this.#stream._handle;
    if (native === null || typeof native.writeSync !== "function") {
      throw new Error("this runtime's node:zlib has no native encoder to drive");
    }
    this.#native = native;
    liveEncoders++;
  }

  /** Encodes `chunk` and flushes, handing the output to `sink` and waiting for it. */
  push(chunk: Uint8Array, sink: EncodedSink): Promise<void> {
    return this.#encode(chunk, FLUSH[this.coding], sink);
  }

  /** Ends the stream: its last bytes go to `sink`. The encoder is released. */
  async finish(sink: EncodedSink): Promise<void> {
    await this.#encode(EMPTY, FINISH[this.coding], sink);
    this.destroy();
  }

  /** Releases the encoder (finished, or the client left, or the handler failed). */
  destroy(): void {
    if (!this.#open) return;
    this.#open = false;
    liveEncoders--;
    this.#stream.close();
  }

  /** Runs the encoder until it has taken all of `input` and written all it owes. */
  async #encode(input: Uint8Array, flush: number, sink: EncodedSink): Promise<void> {
    const output = this.#output;
    const state = this.#stream._writeState;
    let offset = 0;
    let remaining = input.length;
    for (;;) {
      if (!this.#open) throw new Error("StreamEncoder used after it was finished or destroyed");
      this.#native.writeSync(flush, input, offset, remaining, output, 0, output.length);
      const outputLeft = state[0];
      offset += remaining - state[1];
      remaining = state[1];
      const produced = output.length - outputLeft;
      if (produced > 0) await sink(output.subarray(0, produced));
      // A full buffer means the encoder may owe more; room left means it is done.
      if (outputLeft > 0) return;
    }
  }
}

const EMPTY = new Uint8Array(0);
