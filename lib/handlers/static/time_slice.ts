/**
 * Long jobs in slices: a listing of 100,000 entries is ~0.5 s of JavaScript (keys, sort, stats,
 * rendering), and run in one go it would hold every other client for that long. The job
 * checks `spent` as it goes and, once its slice is used up, awaits `nextTurn()`, which lets the
 * event loop serve everyone else (network reads and writes, timers) before it continues.
 */

/**
 * The longest stretch of work between two turns. Another client waits at most this long (plus
 * one item's worth) for a listing being built; the price is one turn of the event loop per
 * slice, ~1–2 ms when nothing else is waiting.
 */
export const SLICE_MS = 8;

/** One job's clock: how long it has run since it last let the event loop turn. */
export class TimeSlice {
  #deadline = performance.now() + SLICE_MS;

  /** Whether this slice is used up (reads the clock: ask every few dozen items, not each). */
  get spent(): boolean {
    return performance.now() >= this.#deadline;
  }

  /**
   * Resolves after the event loop has turned, with a fresh slice. A timer, not setImmediate
   * or a MessageChannel: in Deno 2.9.6 both of those run before network I/O is polled again,
   * so a loop yielding through them still starves other connections (measured: 2 echo round
   * trips in 300 ms of 2 ms slices, against 4,027 with a timer).
   */
  nextTurn(): Promise<void> {
    return new Promise((resolve) =>
      setTimeout(() => {
        this.#deadline = performance.now() + SLICE_MS;
        resolve();
      }, 0)
    );
  }

  /** Awaits the next turn when the slice is used up; resolves at once otherwise. */
  async pause(): Promise<void> {
    if (this.spent) await this.nextTurn();
  }
}

/** Items between two looks at the clock in loops over many small items. */
export const CLOCK_CHECK_EVERY = 64;

/** Sorted runs of this many items are made by the native sort, ~2 ms each at 100,000 names. */
const RUN_LENGTH = 2048;

/**
 * Sorts `items` in place, stably, as `Array.prototype.sort` would, but in slices: runs of
 * RUN_LENGTH items are sorted natively, then merged pairwise, pausing whenever the slice is
 * used up. 100,000 names sort in ~0.1 s this way, with no stretch longer than a slice.
 */
export async function sortInSlices<T>(
  items: T[],
  compare: (a: T, b: T) => number,
  slice: TimeSlice,
): Promise<T[]> {
  const length = items.length;
  if (length <= RUN_LENGTH) return items.sort(compare);
  let source = items;
  for (let start = 0; start < length; start += RUN_LENGTH) {
    const end = Math.min(start + RUN_LENGTH, length);
    const run = source.slice(start, end).sort(compare);
    for (let i = 0; i < run.length; i++) source[start + i] = run[i];
    await slice.pause();
  }
  let target: T[] = new Array(length);
  for (let width = RUN_LENGTH; width < length; width *= 2) {
    for (let left = 0; left < length; left += 2 * width) {
      const middle = Math.min(left + width, length);
      const right = Math.min(left + 2 * width, length);
      let i = left;
      let j = middle;
      let out = left;
      while (out < right) {
        // Ties take the left item: that is what keeps the sort stable.
        if (i < middle && (j >= right || compare(source[j], source[i]) >= 0)) {
          target[out++] = source[i++];
        } else {
          target[out++] = source[j++];
        }
        if ((out & (CLOCK_CHECK_EVERY * 16 - 1)) === 0) await slice.pause();
      }
    }
    [source, target] = [target, source];
  }
  if (source !== items) { for (let i = 0; i < length; i++) items[i] = source[i]; }
  return items;
}
