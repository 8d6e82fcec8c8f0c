/**
 * Precompressed files ("sidecars"): `app.js.br`, `app.js.zst` or `app.js.gz` beside
 * `app.js` is sent, with app.js's Content-Type and its own Content-Encoding, to a client
 * that accepts that coding, as nginx's `gzip_static` does; and the order among all the
 * representations of a file, sidecars and encodings made on the fly.
 */
import { type AcceptEncoding, codingQuality } from "../../http/accept_encoding.ts";
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

/** A candidate list, with its codings alone as selectCoding() takes them. */
export interface Candidates {
  readonly list: readonly Candidate[];
  readonly codings: readonly string[];
}

/**
 * The candidates in our order of preference, for selectCoding() to break ties between
 * codings the client accepts equally:
 * - a file held in memory is encoded once and kept, so only the bytes count: coding by
 *   coding in `onTheFly`'s order, the sidecar before our own encoding of the same coding
 *   (the user made it on purpose, and it costs nothing);
 * - a streamed file would be encoded per request at a fast effort, so every sidecar
 *   (no work, an exact length, ranges) comes before any encoding on the fly.
 * There are few combinations, and every request asks: each is made once.
 */
export function orderCandidates(
  sidecars: readonly SidecarCoding[],
  onTheFly: readonly OnTheFlyCoding[],
  held: boolean,
): Candidates {
  let mask = held ? 1 : 0;
  for (const coding of sidecars) mask |= 2 << SIDECAR_CODINGS.indexOf(coding);
  let byMask = made.get(onTheFly);
  if (byMask === undefined) made.set(onTheFly, byMask = new Map());
  let candidates = byMask.get(mask);
  if (candidates === undefined) {
    const list = candidateList(sidecars, onTheFly, held);
    candidates = { list, codings: list.map((candidate) => candidate.coding) };
    byMask.set(mask, candidates);
  }
  return candidates;
}

/** Candidate lists made so far, by on-the-fly list (a constant) and sidecars/held mask. */
const made = new Map<readonly OnTheFlyCoding[], Map<number, Candidates>>();

function candidateList(
  sidecars: readonly SidecarCoding[],
  onTheFly: readonly OnTheFlyCoding[],
  held: boolean,
): Candidate[] {
  const fromSidecars = SIDECAR_CODINGS.filter((coding) => sidecars.includes(coding))
    .map((coding) => ({ coding, sidecar: true }));
  const encoded = onTheFly.map((coding) => ({ coding, sidecar: false }));
  if (!held) return [...fromSidecars, ...encoded];
  const order = [...onTheFly, ...SIDECAR_CODINGS.filter((coding) => !onTheFly.includes(coding))];
  return order.flatMap((coding) => [
    ...fromSidecars.filter((candidate) => candidate.coding === coding),
    ...encoded.filter((candidate) => candidate.coding === coding),
  ]);
}

/**
 * The sidecars worth looking for: those the client accepts that could win against the best
 * encoding made on the fly (orderCandidates' order breaks ties), so a browser that prefers
 * brotli costs one look, for `.br`, not three. Every look is a stat on each request.
 */
export function sidecarsWorthLooking(
  accept: AcceptEncoding,
  onTheFly: readonly OnTheFlyCoding[],
  held: boolean,
): SidecarCoding[] {
  let best: OnTheFlyCoding | null = null;
  let bestQuality = 0;
  for (const coding of onTheFly) {
    const quality = codingQuality(accept, coding);
    if (quality > bestQuality) {
      best = coding;
      bestQuality = quality;
    }
  }
  return SIDECAR_CODINGS.filter((coding) => {
    const quality = codingQuality(accept, coding);
    if (quality === 0 || quality < bestQuality) return false;
    if (quality > bestQuality || best === null || !held) return true;
    // A tie, held in memory: the sidecar wins only coding by coding, up to the best's.
    return onTheFly.indexOf(coding as OnTheFlyCoding) <= onTheFly.indexOf(best);
  });
}

/**
 * How long a sidecar found missing is not looked for again. A failed stat throws, and an
 * exception costs more than the rest of answering a cached file; a sidecar made meanwhile is
 * sent within this long (until then the file goes out encoded on the fly, or as it is). A
 * sidecar that is there is looked at on every request, so a stale one is never sent.
 */
export const MISSING_SIDECAR_RECHECK_MS = 1000;
/** Missing sidecars remembered before the table starts over. */
export const MAX_REMEMBERED_MISSING = 4096;

/** Sidecar paths found missing, and when. */
export class MissingSidecars {
  readonly #since = new Map<string, number>();

  /** Whether `path` was found missing within MISSING_SIDECAR_RECHECK_MS of `nowMs`. */
  recentlyMissing(path: string, nowMs: number): boolean {
    const since = this.#since.get(path);
    if (since === undefined) return false;
    if (nowMs - since < MISSING_SIDECAR_RECHECK_MS) return true;
    this.#since.delete(path);
    return false;
  }

  /** Remembers that `path` was missing at `nowMs`. */
  missing(path: string, nowMs: number): void {
    if (this.#since.size >= MAX_REMEMBERED_MISSING) this.#since.clear();
    this.#since.set(path, nowMs);
  }
}
