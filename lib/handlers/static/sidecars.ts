/**
 * Precompressed files ("sidecars"): `app.js.br`, `app.js.zst` or `app.js.gz` beside
 * `app.js` is sent, with app.js's Content-Type and its own Content-Encoding, to a client
 * that accepts that coding, as nginx's `gzip_static` does; and the order among all the
 * representations of a file, sidecars and encodings made on the fly.
 */
import type { OnTheFlyCoding } from "../../middleware/content_encoder.ts";

/** The codings a sidecar may have, by the name Content-Encoding gives them. */
export type SidecarCoding = "br" | "zstd" | "gzip";

/** The file name extension of each sidecar coding. */
export const SIDECAR_EXTENSIONS: Readonly<Record<SidecarCoding, string>> = {
  br: ".br",
  zstd: ".zst",
  gzip: ".gz",
};

/** Sidecars looked for, in our order among equals: the smallest first. */
export const SIDECAR_CODINGS: readonly SidecarCoding[] = ["br", "zstd", "gzip"];

/**
 * Whether a sidecar may stand for its file: a regular file (a folder named `app.js.br` is
 * not one) modified no earlier than the file. A sidecar older than its file was made from an
 * earlier version and must never be sent for this one; an unknown time counts as older.
 */
export function isFreshSidecar(
  file: { mtimeMs: number },
  sidecar: { isFile: boolean; mtime: Date | null },
): boolean {
  const sidecarMs = sidecar.mtime?.getTime() ?? NaN;
  return sidecar.isFile && Number.isFinite(file.mtimeMs) && sidecarMs >= file.mtimeMs;
}

/** One way to send a file: a sidecar, or an encoding made on the fly. */
export interface Candidate {
  coding: SidecarCoding | OnTheFlyCoding;
  sidecar: boolean;
}

/**
 * The candidates in our order of preference, for selectCoding() to break ties between
 * codings the client accepts equally:
 * - a file held in memory is encoded once and kept, so only the bytes count: coding by
 *   coding in `onTheFly`'s order, the sidecar before our own encoding of the same coding
 *   (the user made it on purpose, and it costs nothing);
 * - a streamed file would be encoded per request at a fast effort, so every sidecar
 *   (no work, an exact length, ranges) comes before any encoding on the fly.
 */
export function orderCandidates(
  sidecars: readonly SidecarCoding[],
  onTheFly: readonly OnTheFlyCoding[],
  held: boolean,
): Candidate[] {
  const fromSidecars = SIDECAR_CODINGS.filter((coding) => sidecars.includes(coding))
    .map((coding) => ({ coding, sidecar: true }));
  const made = onTheFly.map((coding) => ({ coding, sidecar: false }));
  if (!held) return [...fromSidecars, ...made];
  const order = [...onTheFly, ...SIDECAR_CODINGS.filter((coding) => !onTheFly.includes(coding))];
  return order.flatMap((coding) => [
    ...fromSidecars.filter((candidate) => candidate.coding === coding),
    ...made.filter((candidate) => candidate.coding === coding),
  ]);
}
