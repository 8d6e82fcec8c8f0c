/**
 * For compression tests: text that compresses like real text (not one repeated phrase,
 * which any coder squeezes to nothing), and decoding what a server sent.
 */
import zlib from "node:zlib";

const WORDS = (
  "the of and to in is that for it as was with be by on not this are or from at which " +
  "but have an they you were there had been one all we their has would when if so no " +
  "what up out them who more about into only other time could some its than then now " +
  "like over also new two after first any way many these most where well should because"
).split(" ");

/** `size` bytes of pseudo-random words and numbers in lines (the same for the same seed). */
export function lorem(size: number, seed = 1): Uint8Array {
  let state = seed;
  const next = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 4294967296;
  };
  const parts: string[] = [];
  let length = 0;
  while (length < size) {
    const words = 5 + Math.floor(next() * 12);
    let line = `${Math.floor(next() * 1e6).toString(16)}`;
    for (let i = 0; i < words; i++) line += ` ${WORDS[Math.floor(next() * WORDS.length)]}`;
    line += "\n";
    parts.push(line);
    length += line.length;
  }
  return new TextEncoder().encode(parts.join("")).subarray(0, size);
}

/** Decodes a body sent with Content-Encoding `coding` (null or "identity": as it is). */
export function decodeBody(coding: string | null, body: Uint8Array): Uint8Array {
  switch (coding) {
    case null:
    case "identity":
      return body;
    case "br":
      return new Uint8Array(zlib.brotliDecompressSync(body));
    case "zstd":
      return new Uint8Array(zlib.zstdDecompressSync(body));
    case "gzip":
      return new Uint8Array(zlib.gunzipSync(body));
    default:
      throw new Error(`no decoder for ${coding}`);
  }
}
