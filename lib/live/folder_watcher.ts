/**
 * FolderWatcher: watches a folder and everything below it (`Deno.watchFs`, recursive) and
 * reports changes in batches, once the file system has been quiet for DEBOUNCE_MS. Saving
 * in an editor is several events (an atomic save writes a temporary file and renames it
 * over the old one), and a `git checkout` hundreds: each becomes one batch.
 *
 * A batch names the paths that changed as they are when it is reported: a file made and
 * gone within the batch (the temporary file of an atomic save, Vim's `4913` probe) is left
 * out, since no page could have seen it. Paths the caller ignores (hidden files, the
 * program's own) never enter a batch, and a batch holds MAX_BATCH_PATHS paths at most: past
 * that it only says it overflowed, which means "everything may have changed".
 *
 * Reads of files (zhttp serving them) raise "access" events on some systems: those are not
 * changes, and reacting to them would reload pages for ever.
 */
import { getLogger } from "@logtape/logtape";
import path from "node:path";

/** Quiet time that ends a burst of events. */
export const DEBOUNCE_MS = 75;
/** A burst that never pauses (a build writing for seconds) is still reported this often. */
export const MAX_BATCH_DELAY_MS = 1000;
/** Paths remembered for one batch. */
export const MAX_BATCH_PATHS = 512;

/** One path of a batch: relative to the folder, with "/" between segments. */
export interface ChangedPath {
  path: string;
  /** What is there now: a file, a folder, or nothing (it was removed or renamed away). */
  now: "file" | "folder" | "gone";
}

export interface ChangeBatch {
  paths: ChangedPath[];
  /** More paths changed than a batch holds. */
  overflow: boolean;
}

export interface FolderWatcherOptions {
  /** Whether a path (relative, "/"-separated) is of no interest. */
  ignore(relative: string): boolean;
  /** Called with each batch. */
  onBatch(batch: ChangeBatch): void;
  debounceMs?: number;
}

/** Event kinds that mean something changed. */
const CHANGE_KINDS: ReadonlySet<Deno.FsEvent["kind"]> = new Set([
  "create",
  "modify",
  "remove",
  "rename",
  "any",
]);

const logger = getLogger(["zhttp", "live"]);

export class FolderWatcher {
  readonly #root: string;
  readonly #options: FolderWatcherOptions;
  readonly #debounceMs: number;
  readonly #watcher: Deno.FsWatcher;
  readonly #loop: Promise<void>;
  /** Paths of the batch being gathered, each with whether it was created within it. */
  readonly #pending = new Map<string, boolean>();
  #overflow = false;
  /**
   * Paths the last batch left out as made and gone. On a busy machine the removal can come
   * after the batch of its creation was reported: it is no news then either.
   */
  #vanished = new Set<string>();
  #firstEventAt = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;

  /** Starts watching `root` (throws what Deno.watchFs throws, a missing folder say). */
  constructor(root: string, options: FolderWatcherOptions) {
    this.#root = path.resolve(root);
    this.#options = options;
    this.#debounceMs = options.debounceMs ?? DEBOUNCE_MS;
    this.#watcher = Deno.watchFs(this.#root, { recursive: true });
    this.#loop = this.#watch();
  }

  /** Stops watching; resolves once the watch has ended (no batch is reported after). */
  async close(): Promise<void> {
    if (this.#closed) return await this.#loop;
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#watcher.close();
    await this.#loop;
  }

  async #watch(): Promise<void> {
    try {
      for await (const event of this.#watcher) {
        // Events already on their way when close() was called are dropped with the rest.
        if (!this.#closed && CHANGE_KINDS.has(event.kind)) this.#gather(event);
      }
    } catch (error) {
      if (!this.#closed) {
        logger.warn("stopped watching {root} for changes: {message}", {
          root: this.#root,
          message: (error as Error).message,
        });
      }
    }
  }

  #gather(event: Deno.FsEvent): void {
    let added = false;
    for (const changed of event.paths) {
      const relative = path.relative(this.#root, changed).split(path.sep).join("/");
      if (relative === "" || relative.startsWith("../") || relative === "..") continue;
      if (this.#options.ignore(relative)) continue;
      added = true;
      const created = event.kind === "create" || this.#pending.get(relative) === true;
      if (this.#pending.has(relative) || this.#pending.size < MAX_BATCH_PATHS) {
        this.#pending.set(relative, created);
      } else {
        this.#overflow = true;
      }
    }
    if (!added) return;
    const now = Date.now();
    if (this.#timer === undefined) this.#firstEventAt = now;
    clearTimeout(this.#timer);
    const wait = Math.min(this.#debounceMs, this.#firstEventAt + MAX_BATCH_DELAY_MS - now);
    this.#timer = setTimeout(() => this.#report(), Math.max(0, wait));
  }

  #report(): void {
    this.#timer = undefined;
    const paths: ChangedPath[] = [];
    const vanished = new Set<string>();
    for (const [relative, created] of this.#pending) {
      const now = whatIsAt(path.join(this.#root, relative));
      // Made and gone within the batch (or just before): a temporary file no page has seen.
      if (now === "gone" && (created || this.#vanished.has(relative))) {
        vanished.add(relative);
        continue;
      }
      paths.push({ path: relative, now });
    }
    this.#vanished = vanished;
    const overflow = this.#overflow;
    this.#pending.clear();
    this.#overflow = false;
    if (paths.length > 0 || overflow) this.#options.onBatch({ paths, overflow });
  }
}

function whatIsAt(file: string): ChangedPath["now"] {
  try {
    return Deno.statSync(file).isDirectory ? "folder" : "file";
  } catch {
    return "gone";
  }
}
