/**
 * Long jobs in slices: a listing of 100,000 entries is ~0.5 s of JavaScript (keys, sort, stats,
 * rendering), and run in one go it would hold every other client for that long. A job checks
 * `spent` as it goes and, once the slice is used up, awaits `nextTurn()`: the event loop then
 * serves everyone else (network reads and writes, timers) before the job continues.
 *
 * The slice is shared by every job of a scheduler, not given to each: four listings at once
 * still take at most one slice per turn of the event loop, so what other clients wait does
 * not grow with the number of listings. Waiting jobs resume one per turn, first come first
 * served, so none of them starves either.
 */

/**
 * The longest stretch of listing work in one turn of the event loop: what another request
 * waits at most (plus one item's worth). The price is a turn per slice, ~2 ms of timer delay
 * when nothing else is waiting (more on a busy machine, where the sleeping process waits to
 * be scheduled again): ~70 turns for a 100,000-entry listing. 16 ms slices made that ~8%
 * faster, but /hello's p99 meanwhile went from 39–63 ms to 64–388 ms.
 */
export const SLICE_MS = 8;

/** Items between two looks at the clock in loops over many small items. */
export const CLOCK_CHECK_EVERY = 64;

/** Hands out slices of the event loop's time to the jobs that share it. */
export class TurnScheduler {
  readonly sliceMs: number;
  #deadline = 0;
  readonly #waiting: (() => void)[] = [];
  #timerSet = false;

  constructor(sliceMs = SLICE_MS) {
    this.sliceMs = sliceMs;
  }

  /**
   * Whether this turn's slice is used up (reads the clock: ask every few dozen items). Work
   * that starts a whole slice after the last one ended gets a fresh one at once: the event
   * loop has turned in between (jobs look at the clock far more often than that), and a
   * small listing should not wait for a timer before it starts.
   */
  get spent(): boolean {
    const now = performance.now();
    if (now < this.#deadline) return false;
    if (now < this.#deadline + this.sliceMs || this.#waiting.length > 0) return true;
    this.#deadline = now + this.sliceMs;
    return false;
  }

  /**
   * Resolves in a later turn of the event loop, with a fresh slice. A timer, not setImmediate
   * or a MessageChannel: in Deno 2.9.6 both of those run before network I/O is polled again,
   * so a loop yielding through them still starves other connections (measured: 2 echo round
   * trips in 300 ms of 2 ms slices, against 4,027 with a timer).
   */
  nextTurn(): Promise<void> {
    return new Promise((resolve) => {
      this.#waiting.push(resolve);
      this.#setTimer();
    });
  }

  /** Awaits the next turn when the slice is used up; resolves at once otherwise. */
  async pause(): Promise<void> {
    if (this.spent) await this.nextTurn();
  }

  #setTimer(): void {
    if (this.#timerSet) return;
    this.#timerSet = true;
    setTimeout(this.#turn, 0);
  }

  readonly #turn = (): void => {
    this.#timerSet = false;
    this.#deadline = performance.now() + this.sliceMs;
    this.#waiting.shift()?.();
    if (this.#waiting.length > 0) this.#setTimer();
  };
}

/** The scheduler all listing work shares (folder indexes, sorts, pages). */
export const LISTING_WORK: TurnScheduler = new TurnScheduler();

/**
 * Sorted runs of this many items are made by the native sort (~3 ms each for names): longer
 * runs mean fewer merge passes, and with 4,096 the whole sort takes about what one native
 * sort of everything does (~0.1 s for 100,000 names).
 */
const RUN_LENGTH = 4096;
/** Merged items between two looks at the clock. */
const MERGE_CHECK_EVERY = 1024;

/**
 * Sorts `items` in place, stably, as `Array.prototype.sort` would, but in slices: runs of
 * RUN_LENGTH items are sorted natively, then merged pairwise, pausing whenever the slice is
 * used up.
 */
export async function sortInSlices<T>(
  items: T[],
  compare: (a: T, b: T) => number,
  scheduler: TurnScheduler,
): Promise<T[]> {
  const length = items.length;
  if (length <= RUN_LENGTH) return items.sort(compare);
  let source = items;
  for (let start = 0; start < length; start += RUN_LENGTH) {
    const end = Math.min(start + RUN_LENGTH, length);
    const run = source.slice(start, end).sort(compare);
    for (let i = 0; i < run.length; i++) source[start + i] = run[i];
    if (scheduler.spent) await scheduler.nextTurn();
  }
  let target: T[] = new Array(length);
  for (let width = RUN_LENGTH; width < length; width *= 2) {
    for (let left = 0; left < length; left += 2 * width) {
      const middle = Math.min(left + width, length);
      const right = Math.min(left + 2 * width, length);
      let i = left;
      let j = middle;
      let out = left;
      while (i < middle && j < right) {
        // Ties take the left item: that is what keeps the sort stable.
        target[out++] = compare(source[j], source[i]) >= 0 ? source[i++] : source[j++];
        if (out % MERGE_CHECK_EVERY === 0 && scheduler.spent) await scheduler.nextTurn();
      }
      while (i < middle) target[out++] = source[i++];
      while (j < right) target[out++] = source[j++];
    }
    [source, target] = [target, source];
  }
  if (source !== items) { for (let i = 0; i < length; i++) items[i] = source[i]; }
  return items;
}
