/**
 * A folder's entries as a listing needs them: read once, filtered to what may be served,
 * sorted by name, with sizes and dates stat'ed only when a page shows them or an order
 * needs them. Built without ever holding the event loop for long (time_slice.ts), and
 * shared: the requests for one folder that arrive together get one index, and a folder is
 * never indexed twice at once.
 *
 * Measured on 100,000 files (2 cores): reading the folder ~0.3 s (Deno hands the entries over
 * in batches, the loop is never held), sort keys and sort ~0.13 s, one stat ~3.7 µs
 * synchronously against ~10 µs through the thread pool even with 128 in flight. So stats are
 * synchronous, a slice at a time, and only a page's worth for the default order.
 */
import { join } from "node:path";
import { Semaphore } from "../../server/semaphore.ts";
import { compareNaturally, naturalKey } from "./natural_order.ts";
import { CLOCK_CHECK_EVERY, LISTING_WORK, sortInSlices, type TurnScheduler } from "./time_slice.ts";

/** What a listing shows of one entry. */
export interface ListingEntry {
  readonly name: string;
  readonly isDirectory: boolean;
  /** Bytes (meaningless for a folder). */
  size: number;
  /** Modification time, null when the OS gives none or it is not known yet. */
  mtimeMs: number | null;
}

/** An entry of an index: its facts, its place in name order and how far it is known. */
export interface IndexedEntry extends ListingEntry {
  /** The natural-order sort key of the name. */
  readonly key: string;
  /** Position in name order (folders first), the tie-break of every other order. */
  rank: number;
  /** "listed": size and date unknown yet; "stated": known; "gone": vanished since listed. */
  state: "listed" | "stated" | "gone";
}

/** The orders a listing offers. */
export type SortField = "name" | "size" | "date";
export type SortOrder = "asc" | "desc";

/**
 * Whether a name read from the folder may be listed: the names a request could fetch
 * (path rules, hidden files, links whose real path leaves the root). `isSymlink` says the
 * entry is a link, whose target must be checked.
 */
export type EntryFilter = (name: string, isSymlink: boolean) => boolean;

/** The filter for the folder at `dirPath`, made once per index of it. */
export type EntryFilterFor = (dirPath: string) => EntryFilter;

/**
 * Folders indexed at once, across all folders. Each index holds its entries (~150 bytes
 * each) while it is built; four is room for a few people browsing different large folders
 * while keeping memory bounded when many ask at once.
 */
export const MAX_CONCURRENT_INDEXES = 4;
/**
 * A synchronous stat slower than this is slow: from the page cache one takes ~4 µs.
 * SLOW_STATS_TO_SWITCH of them among STAT_SAMPLE consecutive stats mean a slow disk or a
 * network share (where every stat is slow), and from then on stats go through the thread
 * pool, STAT_CONCURRENCY at a time, so no client waits for the disk on behalf of a listing.
 * One slow stat alone is no sign: on a busy machine the thread is sometimes preempted, and a
 * switch on the first one made every later listing ~3x slower.
 */
export const SLOW_STAT_MS = 5;
export const SLOW_STATS_TO_SWITCH = 4;
export const STAT_SAMPLE = 32;
/** Stats in flight at once for one listing once stats have turned asynchronous. */
export const STAT_CONCURRENCY = 16;
/**
 * A folder whose last index had this many entries waits one turn of the event loop (~2 ms)
 * before it is read again, gathering the requests that arrive together. Smaller folders
 * take less than that to list, so they start at once.
 */
export const GATHER_ABOVE_ENTRIES = 1_000;
/** Large folders remembered for that, by path (a few dozen bytes each). */
const MAX_LARGE_FOLDERS = 256;

/** One folder's entries, read at one moment: shared by every request that asked for it. */
export class FolderIndex {
  /** Servable entries in name order: folders first, then natural order of names. */
  readonly entries: readonly IndexedEntry[];
  /**
   * Entries left out because their names are not valid UTF-8 (UTF-16 on Windows): Deno hands
   * them over with U+FFFD in place of the bad bytes and has no API that takes the raw bytes,
   * so such a file can be neither stat'ed nor opened, and a link to it could not work.
   */
  readonly unreadableNames: number;
  readonly #dirPath: string;
  readonly #stats: EntryStats;
  readonly #views = new Map<string, Promise<readonly IndexedEntry[]>>();
  #allStated: Promise<void> | null = null;

  constructor(
    dirPath: string,
    entries: readonly IndexedEntry[],
    unreadableNames: number,
    stats: EntryStats,
  ) {
    this.#dirPath = dirPath;
    this.entries = entries;
    this.unreadableNames = unreadableNames;
    this.#stats = stats;
  }

  /** Takes the stat of each of `entries` (of this index) whose size and date are unknown. */
  stat(entries: readonly IndexedEntry[]): Promise<void> {
    return this.#stats.statEach(this.#dirPath, entries);
  }

  /** Every entry stat'ed; requests sharing this index share the work. */
  statAll(): Promise<void> {
    this.#allStated ??= this.stat(this.entries);
    return this.#allStated;
  }

  /**
   * The entries in the order asked for, folders always first, ties in name order. Each order
   * is made once per index. Size and date orders need every stat first.
   */
  sorted(field: SortField, order: SortOrder): Promise<readonly IndexedEntry[]> {
    const name = `${field} ${order}`;
    let view = this.#views.get(name);
    if (view === undefined) {
      view = this.#sort(field, order);
      this.#views.set(name, view);
    }
    return view;
  }

  async #sort(field: SortField, order: SortOrder): Promise<readonly IndexedEntry[]> {
    if (field === "name" && order === "asc") return this.entries;
    if (field !== "name") await this.statAll();
    const direction = order === "asc" ? 1 : -1;
    const primary = field === "name"
      ? (a: IndexedEntry, b: IndexedEntry) => a.rank - b.rank
      : field === "size"
      ? (a: IndexedEntry, b: IndexedEntry) => (a.isDirectory ? 0 : a.size - b.size)
      : (a: IndexedEntry, b: IndexedEntry) => (a.mtimeMs ?? 0) - (b.mtimeMs ?? 0);
    return await sortInSlices(
      [...this.entries],
      (a, b) =>
        a.isDirectory !== b.isDirectory
          ? (a.isDirectory ? -1 : 1)
          : direction * primary(a, b) || a.rank - b.rank,
      this.#stats.scheduler,
    );
  }
}

/**
 * Builds folder indexes: at most one build of a folder runs at a time, and the requests that
 * arrive meanwhile share the next one. A request never gets an index read before it arrived,
 * so a listing is never staler than its request, and four people opening one large folder
 * together cost one build (two if one of them came while another build ran).
 */
export class FolderIndexer {
  readonly #filterFor: EntryFilterFor;
  readonly #slots = new Map<string, BuildSlot>();
  readonly #permits = new Semaphore(MAX_CONCURRENT_INDEXES);
  readonly #stats: EntryStats;
  /** Folders whose last index was large (GATHER_ABOVE_ENTRIES), oldest first. */
  readonly #large = new Set<string>();

  /** `scheduler` shares the event loop's time between listings (time_slice.ts). */
  constructor(filterFor: EntryFilterFor, scheduler: TurnScheduler = LISTING_WORK) {
    this.#filterFor = filterFor;
    this.#stats = new EntryStats(scheduler);
  }

  /** The index of the folder at `dirPath`, read after this call. */
  index(dirPath: string): Promise<FolderIndex> {
    let slot = this.#slots.get(dirPath);
    if (slot === undefined) {
      slot = { running: null, next: null };
      this.#slots.set(dirPath, slot);
    }
    if (slot.next !== null) return slot.next;
    const owner = slot;
    const previous = owner.running ?? Promise.resolve();
    const next: Promise<FolderIndex> = previous.then(ignore, ignore).then(async () => {
      // A large folder is read one turn of the event loop later: people who open it at
      // the same moment (four tabs, a page and its JSON) arrive within a turn or two, and
      // then share this build instead of waiting for the next one.
      if (this.#large.has(dirPath)) await new Promise((resolve) => setTimeout(resolve, 0));
      await this.#permits.acquire();
      // Reading starts now: whoever asks from here on waits for the build after this one.
      owner.next = null;
      owner.running = next;
      try {
        const index = await this.#build(dirPath);
        this.#large.delete(dirPath);
        if (index.entries.length >= GATHER_ABOVE_ENTRIES) {
          this.#large.add(dirPath);
          // The oldest goes first: a Set keeps insertion order.
          if (this.#large.size > MAX_LARGE_FOLDERS) {
            this.#large.delete(this.#large.values().next().value!);
          }
        }
        return index;
      } finally {
        this.#permits.release();
      }
    }).finally(() => {
      if (owner.running === next) owner.running = null;
      if (owner.running === null && owner.next === null) this.#slots.delete(dirPath);
    });
    owner.next = next;
    return next;
  }

  async #build(dirPath: string): Promise<FolderIndex> {
    // Read whole first: Deno hands the entries over in batches across turns of the event
    // loop, and the next batch is only asked for once this loop takes the last one, so any
    // work here would lengthen the read rather than overlap it. Only the name and the kind
    // are kept: a DirEntry costs ~450 bytes, 45 MB for 100,000 of them.
    const names: string[] = [];
    const kinds: number[] = [];
    for await (const dirent of Deno.readDir(dirPath)) {
      names.push(dirent.name);
      kinds.push(
        dirent.isSymlink ? LINK : dirent.isDirectory ? FOLDER : dirent.isFile ? FILE : OTHER,
      );
    }

    const scheduler = this.#stats.scheduler;
    const include = this.#filterFor(dirPath);
    const entries: IndexedEntry[] = [];
    let unreadableNames = 0;
    for (let i = 0; i < names.length; i++) {
      if (i % CLOCK_CHECK_EVERY === 0 && scheduler.spent) await scheduler.nextTurn();
      const name = names[i];
      const kind = kinds[i];
      // Sockets, pipes and devices are not files to download.
      if (kind === OTHER) continue;
      if (name.includes(REPLACEMENT_CHARACTER) && !nameExists(join(dirPath, name))) {
        unreadableNames++;
        continue;
      }
      if (!include(name, kind === LINK)) continue;
      const entry = kind === LINK ? linkEntry(dirPath, name) : listedEntry(name, kind === FOLDER);
      if (entry !== null) entries.push(entry);
    }
    await sortInSlices(entries, compareInNameOrder, scheduler);
    for (let rank = 0; rank < entries.length; rank++) entries[rank].rank = rank;
    return new FolderIndex(dirPath, entries, unreadableNames, this.#stats);
  }
}

/** A folder's build in progress and the one the requests arriving meanwhile wait for. */
interface BuildSlot {
  running: Promise<FolderIndex> | null;
  next: Promise<FolderIndex> | null;
}

/**
 * Takes entries' stats: synchronously, a slice at a time, until stats turn out slow (see
 * SLOW_STAT_MS); then through the thread pool for good (as static_handler.ts does with
 * chunk reads).
 */
class EntryStats {
  readonly scheduler: TurnScheduler;
  #synchronous = true;

  constructor(scheduler: TurnScheduler) {
    this.scheduler = scheduler;
  }

  async statEach(dirPath: string, entries: readonly IndexedEntry[]): Promise<void> {
    const scheduler = this.scheduler;
    let next = 0;
    let taken = 0;
    let slow = 0;
    while (next < entries.length && this.#synchronous) {
      const entry = entries[next++];
      if (entry.state === "listed") {
        const started = performance.now();
        applyStat(entry, lstatOrNull(join(dirPath, entry.name)));
        if (performance.now() - started > SLOW_STAT_MS && ++slow >= SLOW_STATS_TO_SWITCH) {
          this.#synchronous = false;
        }
        if (++taken % STAT_SAMPLE === 0) slow = 0;
      }
      if (next % CLOCK_CHECK_EVERY === 0 && scheduler.spent) await scheduler.nextTurn();
    }
    const worker = async () => {
      while (next < entries.length) {
        const entry = entries[next++];
        if (entry.state !== "listed") continue;
        const info = await Deno.lstat(join(dirPath, entry.name)).catch(() => null);
        applyStat(entry, info);
      }
    };
    const workers = Math.min(STAT_CONCURRENCY, entries.length - next);
    await Promise.all(Array.from({ length: workers }, worker));
  }
}

const REPLACEMENT_CHARACTER = "\uFFFD";
/** The kinds of directory entry, as read. */
const OTHER = 0;
const FILE = 1;
const FOLDER = 2;
const LINK = 3;

function ignore(): void {}

/**
 * Folders first, then by natural key, then by code unit. (A key with the kind in front, to
 * make this one comparison, sorted 1.8x slower: V8 must flatten each concatenated key.)
 */
function compareInNameOrder(a: IndexedEntry, b: IndexedEntry): number {
  if (a.isDirectory !== b.isDirectory) return a.isDirectory ? -1 : 1;
  return compareNaturally(a, b);
}

function listedEntry(name: string, isDirectory: boolean): IndexedEntry {
  return {
    name,
    isDirectory,
    size: 0,
    mtimeMs: null,
    key: naturalKey(name),
    rank: 0,
    state: "listed",
  };
}

/** A link, listed as what it points to (as nginx does); null when broken or not a file. */
function linkEntry(dirPath: string, name: string): IndexedEntry | null {
  let info: Deno.FileInfo;
  try {
    info = Deno.statSync(join(dirPath, name));
  } catch {
    return null;
  }
  if (!info.isFile && !info.isDirectory) return null;
  const entry = listedEntry(name, info.isDirectory);
  entry.size = info.size;
  entry.mtimeMs = info.mtime?.getTime() ?? null;
  entry.state = "stated";
  return entry;
}

/**
 * Records a stat. An entry deleted since it was listed, or replaced by something of another
 * kind (a link, a folder for a file), is "gone": this listing leaves it out, the next one
 * shows what is there.
 */
function applyStat(entry: IndexedEntry, info: Deno.FileInfo | null): void {
  const sameKind = entry.isDirectory ? info?.isDirectory : info?.isFile;
  if (info === null || !sameKind) {
    entry.state = "gone";
    return;
  }
  entry.size = info.size;
  entry.mtimeMs = info.mtime?.getTime() ?? null;
  entry.state = "stated";
}

function lstatOrNull(path: string): Deno.FileInfo | null {
  try {
    return Deno.lstatSync(path);
  } catch {
    return null;
  }
}

/** Whether a name read from a folder names a file: false when the read lost its bytes. */
function nameExists(path: string): boolean {
  return lstatOrNull(path) !== null;
}
