/**
 * What the static handler makes of a URL path, remembered: the refusal, or the segments and
 * the file-system path under the root.
 *
 * `resolveUrlPath` and `joinInsideRoot` are pure, so their answer for a path never changes;
 * together they measured ~13 % of answering a cached 1 KiB file, the same work for every
 * request of a popular page. A remembered answer costs one map lookup. What the path names
 * on disk is not remembered here: the stat and the real-path checks still run as before.
 */
import {
  joinInsideRoot,
  type PathFlavour,
  resolveUrlPath,
  type SafePath,
  type SafePathOptions,
} from "./safe_path.ts";

/** A URL path that may be served: its decoded segments and where it is under the root. */
export interface ServablePath {
  ok: true;
  segments: readonly string[];
  trailingSlash: boolean;
  fsPath: string;
}

/** A URL path's decision, with the file-system path when it may be served. */
export type ResolvedPath = ServablePath | Extract<SafePath, { ok: false }>;

/** Paths remembered before the table starts over: a site's hot set fits many times. */
export const MAX_REMEMBERED_PATHS = 2048;
/** Longer paths are resolved every time, so a client cannot fill memory with huge keys. */
export const MAX_REMEMBERED_PATH_LENGTH = 256;

export class ResolvedPaths {
  readonly #root: string;
  readonly #flavour: PathFlavour;
  readonly #options: SafePathOptions;
  readonly #entries = new Map<string, ResolvedPath>();

  /** `flavour` joins the segments and picks the naming rules (`options.flavour` is ignored). */
  constructor(root: string, flavour: PathFlavour, options: SafePathOptions) {
    this.#root = root;
    this.#flavour = flavour;
    this.#options = { ...options, flavour };
  }

  /** Paths remembered now. */
  get size(): number {
    return this.#entries.size;
  }

  /** The decision for the raw (still percent-encoded) path of a request-target. */
  resolve(rawPath: string): ResolvedPath {
    const remembered = this.#entries.get(rawPath);
    if (remembered !== undefined) return remembered;
    const decision = resolveUrlPath(rawPath, this.#options);
    const resolved: ResolvedPath = decision.ok
      ? { ...decision, fsPath: joinInsideRoot(this.#root, decision.segments, this.#flavour) }
      : decision;
    if (rawPath.length <= MAX_REMEMBERED_PATH_LENGTH) {
      if (this.#entries.size >= MAX_REMEMBERED_PATHS) this.#entries.clear();
      this.#entries.set(rawPath, resolved);
    }
    return resolved;
  }
}
