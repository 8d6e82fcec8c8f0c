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

export class VerifiedCredentials {
  /** Header value → user name and expiry; in insertion order, which is expiry order. */
  readonly #entries = new Map<string, { user: string; expiresAt: number }>();
  readonly #now: () => number;

  /** `now` is the clock in milliseconds (a monotonic one by default). */
  constructor(now: () => number = () => performance.now()) {
    this.#now = now;
  }

  /** Values remembered now (some may have expired and not been looked up since). */
  get size(): number {
    return this.#entries.size;
  }

  /** The user whose verified `Authorization` value this is, if it is still fresh. */
  lookup(header: string): string | undefined {
    const entry = this.#entries.get(header);
    if (entry === undefined) return undefined;
    if (this.#now() < entry.expiresAt) return entry.user;
    this.#entries.delete(header);
    return undefined;
  }

  /** Remembers that `header` carried the right password for `user`. */
  remember(header: string, user: string): void {
    this.#entries.delete(header);
    if (this.#entries.size >= MAX_VERIFIED) {
      this.#entries.delete(this.#entries.keys().next().value!);
    }
    this.#entries.set(header, { user, expiresAt: this.#now() + VERIFIED_TTL_MS });
  }
}
