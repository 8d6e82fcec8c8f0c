/**
 * First come, first served reads when the server is saturated.
 *
 * Why this exists: Deno completes at most 128 socket operations per turn of its event loop
 * (tokio's cooperative budget), and when more reads than that are ready, the ones left over
 * are put behind reads whose data arrived in the meantime. At 1000 busy keep-alive clients a
 * few hundred connections are then served every turn while the rest wait seconds: we
 * measured p99 2–4 s and 9 to 1,113 requests per connection where nginx serves 491–493.
 *
 * The gate lets at most `capacity` connections have a head read in progress and makes the
 * others wait in arrival order. With few enough reads armed, every turn completes all of
 * them, so no read is overtaken. Below saturation the gate never makes anyone wait.
 *
 * A read in progress on an idle keep-alive connection may never complete. Its permit
 * expires after PERMIT_TURNS ticks of the gate's clock without data; the read itself stays
 * pending and is simply no longer counted.
 */

/**
 * Head reads in progress at once before the rest queue. Each request costs one read and one
 * write against the event loop's budget of 128 completions per turn, so 64 fills a turn
 * without spilling over; it is also the bench's 64-connection load, which is never gated.
 * Measured at 1000 connections (raw server): 32 → 60k req/s, 48 → 67k, 64 → 73k with
 * 589–595 requests per connection, 96 → 63k, 128 → unfair again.
 */
export const MAX_CONCURRENT_READS = 64;
/**
 * Ticks (see #startTurns: about 2 ms each, so ~25 ms) a granted read may go without data
 * before its permit counts as free. Under load a permit rarely goes stale; expiring it early
 * only lets more reads in than a turn completes. Measured at 1000 connections (1 KiB file,
 * medians of three 4-s runs): 3 ticks 35.7k req/s, p99 86–140 ms; 12 ticks 40.2k, p99
 * 61–73 ms; 1 tick p99 0.8–1.5 s. The cost: a server that becomes saturated while idle
 * keep-alive connections hold permits runs below capacity for those ~25 ms.
 */
export const PERMIT_TURNS = 12;

/**
 * One reader's standing at the gate. A connection keeps one for its whole life, so taking
 * and returning a permit allocates nothing: held permits are linked to each other, oldest
 * first, rather than kept in a Map (a set and a delete per request, measured at ~1% of a
 * /hello request).
 */
export class ReadPermit {
  /** Whether this reader holds a permit (its read is counted against the capacity). */
  held = false;
  /** Whether this reader is in the queue. */
  queued = false;
  /** The gate's tick when the permit was granted. */
  grantedAt = 0;
  /** Neighbours in the gate's list of holders. */
  older: ReadPermit | null = null;
  newer: ReadPermit | null = null;
}

interface Waiter {
  permit: ReadPermit;
  admit: () => void;
}

export class ReadGate {
  readonly #capacity: number;
  #free: number;
  /** Holders in the order they got their permits: the oldest is the first to expire. */
  #oldest: ReadPermit | null = null;
  #newest: ReadPermit | null = null;
  /** Readers waiting for a permit, in arrival order, from #first on. */
  #waiting: (Waiter | undefined)[] = [];
  #first = 0;
  /** Ticks of the gate's clock, counted only while someone waits (see #startTurns). */
  #turn = 0;
  #turnTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(capacity: number = MAX_CONCURRENT_READS) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`a read gate needs room for one read, got ${capacity}`);
    }
    this.#capacity = capacity;
    this.#free = capacity;
  }

  /** Readers waiting for their turn to read. */
  get waiting(): number {
    return this.#waiting.length - this.#first;
  }

  /**
   * Takes a permit to start a read: undefined when the reader may read now (the common
   * case, without a promise), else a promise that resolves when its turn comes.
   */
  enter(permit: ReadPermit): Promise<void> | undefined {
    if (this.#first === this.#waiting.length && this.#tryTake(permit)) return undefined;
    permit.queued = true;
    return new Promise((admit) => {
      this.#waiting.push({ permit, admit });
      this.#startTurns();
    });
  }

  /** The reader's read completed or failed: its permit goes to the longest waiter. */
  leave(permit: ReadPermit): void {
    if (!permit.held) return;
    this.#unlink(permit);
    this.#free++;
    if (this.#first < this.#waiting.length) this.#admitWaiters();
  }

  /**
   * The reader is closing: it gives up its permit, or its place in the queue (it is let go
   * at once, and its read will fail).
   */
  withdraw(permit: ReadPermit): void {
    this.leave(permit);
    if (!permit.queued) return;
    for (let index = this.#first; index < this.#waiting.length; index++) {
      const waiter = this.#waiting[index];
      if (waiter?.permit === permit) {
        this.#waiting.splice(index, 1);
        permit.queued = false;
        waiter.admit();
        return;
      }
    }
  }

  /** Stops the turn timer; waiters are released by leave() as their connections close. */
  close(): void {
    clearTimeout(this.#turnTimer);
    this.#turnTimer = undefined;
  }

  #tryTake(permit: ReadPermit): boolean {
    if (this.#free === 0) this.#expireStalePermits();
    if (this.#free === 0) return false;
    this.#free--;
    permit.held = true;
    permit.grantedAt = this.#turn;
    permit.older = this.#newest;
    permit.newer = null;
    if (this.#newest === null) this.#oldest = permit;
    else this.#newest.newer = permit;
    this.#newest = permit;
    return true;
  }

  #unlink(permit: ReadPermit): void {
    const { older, newer } = permit;
    if (older === null) this.#oldest = newer;
    else older.newer = newer;
    if (newer === null) this.#newest = older;
    else newer.older = older;
    permit.older = permit.newer = null;
    permit.held = false;
  }

  /** Permits older than PERMIT_TURNS belong to idle connections: count them free again. */
  #expireStalePermits(): void {
    let oldest = this.#oldest;
    while (oldest !== null && this.#turn - oldest.grantedAt >= PERMIT_TURNS) {
      this.#unlink(oldest);
      this.#free++;
      oldest = this.#oldest;
    }
  }

  #admitWaiters(): void {
    while (this.#first < this.#waiting.length) {
      const waiter = this.#waiting[this.#first]!;
      if (!this.#tryTake(waiter.permit)) break;
      this.#waiting[this.#first++] = undefined;
      waiter.permit.queued = false;
      waiter.admit();
    }
    if (this.#first === this.#waiting.length) {
      this.#waiting = [];
      this.#first = 0;
    } else if (this.#first > this.#capacity && this.#first * 2 > this.#waiting.length) {
      this.#waiting = this.#waiting.slice(this.#first);
      this.#first = 0;
    }
  }

  /**
   * The gate's clock: a zero-delay timer, re-armed from its own callback while someone
   * waits (an idle server has none). Deno clamps such nested timers as browsers do, so it
   * ticks about every 2 ms (200 ticks measured 451 ms), not once per turn of the event loop.
   * A truer per-turn tick (setImmediate) was tried: it keeps the loop polling without
   * blocking, and at 1000 connections p99 rose from 0.16–0.25 s to 1.3–1.5 s.
   */
  #startTurns(): void {
    if (this.#turnTimer !== undefined) return;
    this.#turnTimer = setTimeout(() => {
      this.#turnTimer = undefined;
      this.#turn++;
      this.#admitWaiters();
      if (this.waiting > 0) this.#startTurns();
    }, 0);
  }
}
