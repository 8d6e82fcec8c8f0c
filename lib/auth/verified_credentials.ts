/**
 * Credentials that passed the password check a moment ago, remembered so that a logged-in
 * browser, which sends the same `Authorization` value with every request, pays scrypt's
 * ~100 ms once per VERIFIED_TTL_MS instead of on every file.
 *
 * Keyed on the exact header value: only a client that sends precisely a value that was
 * verified gets the shortcut, so it tells a guesser nothing they did not already know.
 * Failures are never remembered; each one costs its scrypt run and counts against its
 * client (login_throttle.ts). The users cannot change while zhttp runs (they come from the
 * command line and zhttp.json, read once at startup; a change means a restart, which starts
 * this memory empty), so an entry never needs invalidating before it expires; the short
 * lifetime only bounds how long a password sits in memory in the clear.
 */

/** How long a verified value is trusted before the next request pays scrypt again. */
export const VERIFIED_TTL_MS = 60_000;
/** Values remembered at once; the oldest goes first. Each holds one header and one name. */
export const MAX_VERIFIED = 1024;

interface Verified {
  readonly header: string;
  readonly user: string;
  readonly verifiedAt: number;
}

/** Recently verified `Authorization` values and their users, bounded and short-lived. */
export class VerifiedCredentials {
  /** Header value → who and when; in insertion order, which is expiry order. */
  readonly #entries = new Map<string, Verified>();
  /**
   * The entry found last, compared before the map: a site's visitors mostly send one value
   * after another of the same few, and comparing a short string is cheaper than hashing it,
   * which the map must do for each request's fresh copy of the header.
   */
  #last: Verified | null = null;
  readonly #now: () => number;

  /**
   * `now` is the clock in milliseconds: the wall clock by default, which costs half of
   * `performance.now()` per request; a clock set back only ends entries early (see lookup).
   */
  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  /** Values remembered now (some may have expired and not been looked up since). */
  get size(): number {
    return this.#entries.size;
  }

  /** The user whose verified `Authorization` value this is, if it is still fresh. */
  lookup(header: string): string | undefined {
    const last = this.#last;
    const entry = last !== null && last.header === header ? last : this.#entries.get(header);
    if (entry === undefined) return undefined;
    const age = this.#now() - entry.verifiedAt;
    // A negative age is a wall clock set back: the entry's lifetime is not to be trusted.
    if (age >= 0 && age < VERIFIED_TTL_MS) {
      this.#last = entry;
      return entry.user;
    }
    this.#forget(entry);
    return undefined;
  }

  /** Remembers that `header` carried the right password for `user`. */
  remember(header: string, user: string): void {
    const earlier = this.#entries.get(header);
    if (earlier !== undefined) this.#forget(earlier);
    if (this.#entries.size >= MAX_VERIFIED) {
      this.#forget(this.#entries.values().next().value!);
    }
    this.#entries.set(header, { header, user, verifiedAt: this.#now() });
  }

  #forget(entry: Verified): void {
    this.#entries.delete(entry.header);
    if (this.#last === entry) this.#last = null;
  }
}
