/**
 * The worker of background_compressor.ts: encodes whole bodies at the "best" effort, off the
 * thread that serves requests. One message in, `{ id, coding, bytes }`; one out, the encoded
 * bytes (transferred, not copied) or the error's message.
 *
 * `deno compile` embeds only the modules that main.ts imports, so the compile task names
 * this file with `--include` (scripts/compile/build.ts).
 */
import { encodeWhole, type OnTheFlyCoding } from "./codecs.ts";

/** What the server sends. */
export interface CompressionJob {
  id: number;
  coding: OnTheFlyCoding;
  bytes: Uint8Array;
}

/** What the worker answers. */
export type CompressionResult =
  | { id: number; bytes: Uint8Array }
  | { id: number; error: string };

/** The worker's global scope, as far as it is used here. */
interface WorkerScope {
  onmessage: ((event: MessageEvent<CompressionJob>) => void) | null;
  postMessage(message: CompressionResult, transfer?: Transferable[]): void;
}

const scope = globalThis as unknown as WorkerScope;

scope.onmessage = ({ data: { id, coding, bytes } }) => {
  let encoded: Uint8Array;
  try {
    encoded = encodeWhole(coding, bytes, "best");
  } catch (error) {
    scope.postMessage({ id, error: String(error) });
    return;
  }
  // A Buffer may be a view into a shared pool; a copy of its own can be transferred.
  const own = encoded.byteOffset === 0 && encoded.byteLength === encoded.buffer.byteLength
    ? encoded
    : encoded.slice();
  scope.postMessage({ id, bytes: own }, [own.buffer as ArrayBuffer]);
};
