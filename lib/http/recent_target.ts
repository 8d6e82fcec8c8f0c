/**
 * The request-target a connection sent last, as a string, reused while the next target has
 * the same bytes: keep-alive and pipelined clients ask for the same paths again and again.
 * A reused string also keeps its hash, so the router's and the caches' map lookups need not
 * hash it again. A miss costs one comparison that mostly stops at the length.
 */
import { decodeLatin1 } from "./latin1.ts";

/** Longer targets are decoded every time. */
const MAX_REMEMBERED_BYTES = 256;

export class RecentTarget {
  readonly #bytes = new Uint8Array(MAX_REMEMBERED_BYTES);
  #length = -1;
  #text = "";

  /** bytes[start, end) as latin1, the string of last time when the bytes are the same. */
  decode(bytes: Uint8Array, start: number, end: number): string {
    const length = end - start;
    const remembered = this.#bytes;
    if (length === this.#length) {
      let i = 0;
      while (i < length && remembered[i] === bytes[start + i]) i++;
      if (i === length) return this.#text;
    }
    const text = decodeLatin1(bytes, start, end);
    if (length <= MAX_REMEMBERED_BYTES) {
      for (let i = 0; i < length; i++) remembered[i] = bytes[start + i];
      this.#length = length;
      this.#text = text;
    }
    return text;
  }
}
