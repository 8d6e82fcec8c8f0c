/**
 * What nginx's open_file_cache does, without ever serving a stale file: small files are kept
 * in memory with the identity of the version read (size, mtime, ctime, inode, device), and
 * every request checks that identity against a fresh stat of the path. One stat costs ~3 µs
 * synchronously; opening and reading the file costs several times that.
 *
 * A file modified within the same clock tick as our read could keep its mtime, so a version
 * is only cached once it is older than MTIME_SETTLE_MS when read (the "racy git" rule): any
 * later write is then bound to change the mtime. The mtime can also be set back on purpose
 * (`cp -p`, `touch -d`, tar, `rsync -t`), so a same-size rewrite may keep size, mtime and
 * inode; only the ctime, which no program can set, still differs, and the same rule is
 * applied to it.
 */

/** The version of a file, as a stat reports it: what must not change for a hit. */
export interface FileIdentity {
  readonly size: number;
  readonly mtimeMs: number;
  readonly ctimeMs: number;
  readonly ino: number | null;
  readonly dev: number;
}

/** A file's content and the headers derived from it, as cached. */
export interface CachedFile {
  readonly identity: FileIdentity;
  /** The whole content; never changed once cached. */
  readonly bytes: Uint8Array;
  readonly etag: string;
  readonly lastModified: string;
  readonly contentType: string;
}

/**
 * How much of the served files the static handler keeps in memory (always revalidated by a
 * stat, so never stale).
 *
 * @example Cache files up to 1 MiB, 256 MiB in all
 * ```ts
 * import type { FileCacheLimits } from "@zhttp/zhttp";
 *
 * const fileCache: FileCacheLimits = { maxFileBytes: 1024 ** 2, maxTotalBytes: 256 * 1024 ** 2 };
 * ```
 */
export interface FileCacheLimits {
  /** Larger files are streamed from disk, never cached. */
  maxFileBytes: number;
  /** The cache evicts its least recently used files beyond this total. */
  maxTotalBytes: number;
}

/**
 * The file cache's limits unless configured otherwise: files up to 256 KiB, 32 MiB in all.
 *
 * @example No cache at all
 * ```ts
 * import { createStaticHandler, DEFAULT_FILE_CACHE_LIMITS } from "@zhttp/zhttp";
 *
 * createStaticHandler({
 *   root: "public",
 *   listing: true,
 *   showDotfiles: false,
 *   followSymlinks: false,
 *   cacheControl: "no-cache",
 *   cors: false,
 *   fileCache: { ...DEFAULT_FILE_CACHE_LIMITS, maxTotalBytes: 0 },
 * });
 * ```
 */
export const DEFAULT_FILE_CACHE_LIMITS: Readonly<FileCacheLimits> = {
  maxFileBytes: 256 * 1024,
  maxTotalBytes: 32 * 1024 * 1024,
};

/**
 * The coarsest timestamp granularity among the file systems we may serve from (FAT: 2 s;
 * ext4 with 128-byte inodes: 1 s). A version whose mtime and ctime are at least this old
 * when read cannot be rewritten unnoticed.
 */
export const MTIME_SETTLE_MS = 2000;

/**
 * Whether the bytes of a version read at `readAtMs` are settled: its mtime is known and at
 * least MTIME_SETTLE_MS older, so any later write is bound to change the mtime. Only such a
 * version gets a strong ETag.
 */
export function mtimeSettled(identity: FileIdentity, readAtMs: number): boolean {
  return Number.isFinite(identity.mtimeMs) && identity.mtimeMs <= readAtMs - MTIME_SETTLE_MS;
}

/** Holds entries of type T: a CachedFile with whatever else its user derives from it. */
export class FileCache<T extends CachedFile = CachedFile> {
  readonly limits: FileCacheLimits;
  /** Insertion order is recency order: a hit moves its entry to the end. */
  readonly #entries = new Map<string, T>();
  #totalBytes = 0;

  constructor(limits: Partial<FileCacheLimits> = {}) {
    this.limits = { ...DEFAULT_FILE_CACHE_LIMITS, ...limits };
  }

  /** Bytes of content held. */
  get totalBytes(): number {
    return this.#totalBytes;
  }

  /** The cached version of `path` if `current` (a fresh stat) still describes it. */
  lookup(path: string, current: FileIdentity): T | undefined {
    const entry = this.#entries.get(path);
    if (entry === undefined) return undefined;
    if (!sameVersion(entry.identity, current)) {
      this.delete(path);
      return undefined;
    }
    this.#entries.delete(path);
    this.#entries.set(path, entry);
    return entry;
  }

  /**
   * Keeps `file` if it is small enough and settled (its mtime and ctime at least
   * MTIME_SETTLE_MS older than `readAtMs`, when it was read). Returns whether it was kept.
   */
  store(path: string, file: T, readAtMs: number): boolean {
    const size = file.bytes.length;
    if (size > this.limits.maxFileBytes || size > this.limits.maxTotalBytes) return false;
    // Without an mtime and an inode a version cannot be told from the next one.
    const { mtimeMs, ctimeMs, ino } = file.identity;
    if (!Number.isFinite(mtimeMs) || ino === null) return false;
    const settledBefore = readAtMs - MTIME_SETTLE_MS;
    if (mtimeMs > settledBefore || ctimeMs > settledBefore) return false;
    this.delete(path);
    this.#entries.set(path, file);
    this.#totalBytes += size;
    for (const [oldest, entry] of this.#entries) {
      if (this.#totalBytes <= this.limits.maxTotalBytes) break;
      this.#entries.delete(oldest);
      this.#totalBytes -= entry.bytes.length;
    }
    return true;
  }

  delete(path: string): void {
    const entry = this.#entries.get(path);
    if (entry === undefined) return;
    this.#entries.delete(path);
    this.#totalBytes -= entry.bytes.length;
  }
}

/** Identity as Deno reports it; a missing time counts as "unknown", never as a match. */
export function identityOf(info: Deno.FileInfo): FileIdentity {
  return {
    size: info.size,
    mtimeMs: info.mtime?.getTime() ?? NaN,
    ctimeMs: info.ctime?.getTime() ?? NaN,
    ino: info.ino,
    dev: info.dev,
  };
}

function sameVersion(a: FileIdentity, b: FileIdentity): boolean {
  return a.size === b.size && a.mtimeMs === b.mtimeMs && Object.is(a.ctimeMs, b.ctimeMs) &&
    a.ino === b.ino && a.dev === b.dev;
}
