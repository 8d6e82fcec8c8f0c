/** Byte arrays put together: a body collected in pieces, a page with a snippet in it. */

/** The bytes of `pieces`, in order, in one new array. */
export function concat(pieces: readonly Uint8Array[]): Uint8Array {
  let total = 0;
  for (const piece of pieces) total += piece.length;
  const all = new Uint8Array(total);
  let at = 0;
  for (const piece of pieces) {
    all.set(piece, at);
    at += piece.length;
  }
  return all;
}
