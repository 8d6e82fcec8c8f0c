/** Strict base64 (RFC 4648 §4), for values where two spellings of one secret must not exist. */

/** The alphabet, then at most two "=": no whitespace, no base64url characters. */
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Decodes `text`, with or without its padding, or returns null. Refused beyond what `atob`
 * refuses: whitespace anywhere, padding of the wrong length, and leftover bits that are not
 * zero (RFC 4648 §3.5), which would give the same bytes a second spelling.
 */
export function decodeBase64Strict(text: string): Uint8Array | null {
  if (!BASE64.test(text)) return null;
  const padded = text.includes("=") ? text : text + "=".repeat((4 - text.length % 4) % 4);
  try {
    return Uint8Array.fromBase64(padded, { lastChunkHandling: "strict" });
  } catch {
    return null;
  }
}

/** Encodes `bytes` without padding (the PHC string format's "B64"). */
export function encodeBase64Unpadded(bytes: Uint8Array): string {
  return bytes.toBase64({ omitPadding: true });
}
