/**
 * Encodings of small files, made once per file version at the best effort (in the
 * background compressor's worker) and kept in a bounded cache beside the file cache: a hot
 * `app.js` costs brotli's quality 11 once, not per request.
 *
 * An entry is found by path and belongs to one version, named by the file object the
 * static handler's cache holds (see KeptFile): a new version never gets an old encoding.
 */
import { getLogger } from "@logtape/logtape";
import type { BackgroundCompressor } from "./background_compressor.ts";
import type { OnTheFlyCoding } from "./codecs.ts";
import type { KeptFile } from "./content_encoder.ts";

/** Encoded bytes kept at most; the least recently used file's encodings go first. */
export const DEFAULT_MAX_KEPT_BYTES = 16 * 1024 * 1024;
/**
 * Encodings being made at most: beyond, a request is answered without waiting and a later
 * one asks again. A first visit to a site asks for a few dozen files at once.
 */
export const MAX_ENCODINGS_IN_PROGRESS = 64;

const logger = getLogger(["zhttp", "compression"]);

interface Entry {
  version: number;
  encoded: Partial<Record<OnTheFlyCoding, Uint8Array>>;
  bytes: number;
}

export class KeptEncodings {
  readonly maxBytes: number;
  readonly #compressor: BackgroundCompressor;
  /** Insertion order is recency order: a hit moves its entry to the end. */
  readonly #entries = new Map<string, Entry>();
  readonly #versions = new WeakMap<KeptFile, number>();
  readonly #inProgress = new Set<string>();
  #nextVersion = 1;
  #totalBytes = 0;

  constructor(compressor: BackgroundCompressor, maxBytes = DEFAULT_MAX_KEPT_BYTES) {
    this.#compressor = compressor;
    this.maxBytes = maxBytes;
  }

  /** Encoded bytes kept now. */
  get totalBytes(): number {
    return this.#totalBytes;
  }

  /** Encodings being made now. */
  get inProgress(): number {
    return this.#inProgress.size;
  }

  /** The kept encoding of this version of `file`, or null (and it is made meanwhile). */
  lookup(coding: OnTheFlyCoding, file: KeptFile): Uint8Array | null {
    const version = this.#versionOf(file);
    const entry = this.#entries.get(file.path);
    if (entry !== undefined && entry.version === version) {
      const bytes = entry.encoded[coding];
      if (bytes !== undefined) {
        this.#entries.delete(file.path);
        this.#entries.set(file.path, entry);
        return bytes;
      }
    }
    this.#make(coding, file, version);
    return null;
  }

  #versionOf(file: KeptFile): number {
    let version = this.#versions.get(file);
    if (version === undefined) {
      version = this.#nextVersion++;
      this.#versions.set(file, version);
    }
    return version;
  }

  #make(coding: OnTheFlyCoding, file: KeptFile, version: number): void {
    const job = `${coding}\n${version}`;
    if (this.#inProgress.has(job) || this.#inProgress.size >= MAX_ENCODINGS_IN_PROGRESS) return;
    if (!this.#compressor.available) return;
    this.#inProgress.add(job);
    const { path, bytes } = file;
    this.#compressor.compress(coding, bytes).then(
      (encoded) => this.#keep(path, version, coding, encoded),
      (error) => logger.warn("could not compress {path}: {error}", { path, error: String(error) }),
    ).finally(() => this.#inProgress.delete(job));
  }

  #keep(path: string, version: number, coding: OnTheFlyCoding, encoded: Uint8Array): void {
    let entry = this.#entries.get(path);
    // A newer version was asked for meanwhile: this one is of no use any more.
    if (entry !== undefined && entry.version > version) return;
    if (entry === undefined || entry.version < version) {
      if (entry !== undefined) this.#delete(path, entry);
      entry = { version, encoded: {}, bytes: 0 };
    } else {
      this.#entries.delete(path);
    }
    const replaced = entry.encoded[coding];
    if (replaced !== undefined) entry.bytes -= replaced.length;
    entry.encoded[coding] = encoded;
    entry.bytes += encoded.length;
    this.#entries.set(path, entry);
    this.#totalBytes += encoded.length - (replaced?.length ?? 0);
    for (const [oldest, old] of this.#entries) {
      if (this.#totalBytes <= this.maxBytes) break;
      this.#delete(oldest, old);
    }
  }

  #delete(path: string, entry: Entry): void {
    this.#entries.delete(path);
    this.#totalBytes -= entry.bytes;
  }
}
