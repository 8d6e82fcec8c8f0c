/**
 * The clock timeouts are measured on: wall time minus the time the event loop was stalled.
 *
 * With every core busy (a thousand clients at once), Deno can take seconds to deliver a
 * read that the kernel already holds. Measured on the wall clock, a kept-alive connection
 * whose next request is sitting in its socket would then look idle and be closed, and the
 * client would see its request fail. Time during which the server itself was not running
 * on schedule is not the client's fault, so it does not count against the client.
 *
 * The stall is measured by a periodic tick: whatever a tick is later than its period (by
 * more than a period's worth of jitter) is stall.
 */
export class StallClock {
  readonly #periodMs: number;
  #lastTick: number;
  #stalledMs = 0;

  constructor(periodMs: number, now: number = Date.now()) {
    this.#periodMs = periodMs;
    this.#lastTick = now;
  }

  /** Total stall seen so far, in milliseconds. */
  get stalledMs(): number {
    return this.#stalledMs;
  }

  /** Called every period; returns the clock's time at `now`. */
  tick(now: number = Date.now()): number {
    const late = now - this.#lastTick - this.#periodMs;
    if (late > this.#periodMs) this.#stalledMs += late;
    this.#lastTick = now;
    return now - this.#stalledMs;
  }

  /** The clock's time: wall time minus the stalls seen up to the last tick. */
  now(wall: number = Date.now()): number {
    return wall - this.#stalledMs;
  }
}
