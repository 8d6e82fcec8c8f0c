/**
 * Slows password guessing down, per client address: a few failed logins are free (typos),
 * then the address is locked out for a time that doubles with each further failure. While
 * locked out, a login attempt is answered 429 with Retry-After (RFC 6585 §4) at once,
 * without running scrypt.
 *
 * 429 rather than a delay: a delayed answer holds a connection slot (and its memory) for
 * the whole delay, so a guesser with many connections would fill the server's connection
 * bound and lock everyone out; a 429 frees the slot at once and costs nothing.
 *
 * Attempts are counted when they start, so a guesser cannot open a hundred connections and
 * send a hundred guesses before the first failure is known: at most the remaining free
 * budget (one, once locked out) is being checked at a time.
 *
 * The table is bounded (MAX_TRACKED_CLIENTS, least recently seen dropped first). Dropping a
 * client's entry gives it back its free attempts, but an attacker able to make thousands of
 * entries controls thousands of addresses, each with its free attempts anyway; what bounds
 * a guesser with many addresses is scrypt itself (users.ts: two at a time, ~100 ms each).
 */
import { hostOf } from "../server/transport.ts";

/** How failures are punished. */
export interface ThrottlePolicy {
  /** Failed logins allowed before the first lockout. */
  readonly freeFailures: number;
  /** The first lockout; each further failure doubles it. */
  readonly firstLockoutMs: number;
  /** The longest lockout: then one guess per this long. */
  readonly maxLockoutMs: number;
  /** An address with no failure for this long starts over. */
  readonly forgetAfterMs: number;
  /** Addresses tracked at once. */
  readonly maxClients: number;
}

/**
 * Addresses tracked at once by default: an entry is a key and four numbers (~200 bytes),
 * so the table stays under ~2 MiB however many addresses guess.
 */
export const MAX_TRACKED_CLIENTS = 10_000;

/**
 * 5 free failures, then lockouts of 1 s, 2 s, 4 s, … up to 10 min; forgotten after an
 * hour without failures. However fast it sends, a guesser from one address gets 5 guesses at
 * once, 10 more over the next ~17 minutes (lockouts of 1 to 512 s), then one per 10 minutes:
 * 6 an hour, 144 a day.
 */
export const DEFAULT_THROTTLE: ThrottlePolicy = {
  freeFailures: 5,
  firstLockoutMs: 1000,
  maxLockoutMs: 10 * 60_000,
  forgetAfterMs: 60 * 60_000,
  maxClients: MAX_TRACKED_CLIENTS,
};

/** Whether a login attempt may be checked now. */
export type Admission = { allowed: true } | { allowed: false; retryAfterMs: number };

/** How a checked attempt ended. */
export type Outcome = "accepted" | "refused" | "abandoned";

/** A lockout that a failure just started, for the log. */
export interface Lockout {
  readonly failures: number;
  readonly lockoutMs: number;
}

/**
 * When an attempt is refused because others from the address are still being checked (not
 * locked out): they finish within one scrypt run, so a second is the honest Retry-After.
 */
const BUSY_RETRY_MS = 1000;

interface ClientEntry {
  failures: number;
  /** Attempts admitted and not yet settled. */
  inFlight: number;
  lockedUntil: number;
  lastFailureAt: number;
}

/** Failed logins per client key, and the lockouts they earn. */
export class LoginThrottle {
  readonly #policy: ThrottlePolicy;
  readonly #now: () => number;
  /** In order of last use: the first is the one to drop. */
  readonly #clients = new Map<string, ClientEntry>();

  /** `now` is the clock in milliseconds (a monotonic one by default). */
  constructor(
    policy: ThrottlePolicy = DEFAULT_THROTTLE,
    now: () => number = () => performance.now(),
  ) {
    this.#policy = policy;
    this.#now = now;
  }

  /** Addresses tracked now. */
  get size(): number {
    return this.#clients.size;
  }

  /**
   * Admits a login attempt from `client` (a `clientKey()`), counting it as in flight until
   * `settle()`, or says how long until one would be admitted.
   */
  admit(client: string): Admission {
    const now = this.#now();
    let entry = this.#clients.get(client);
    if (
      entry !== undefined && entry.inFlight === 0 && entry.failures > 0 &&
      now - entry.lastFailureAt >= this.#policy.forgetAfterMs
    ) {
      entry = undefined;
    }
    if (entry === undefined) {
      entry = { failures: 0, inFlight: 0, lockedUntil: 0, lastFailureAt: 0 };
    } else {
      if (now < entry.lockedUntil) return { allowed: false, retryAfterMs: entry.lockedUntil - now };
      const { freeFailures } = this.#policy;
      const budget = entry.failures < freeFailures ? freeFailures - entry.failures : 1;
      if (entry.inFlight >= budget) return { allowed: false, retryAfterMs: BUSY_RETRY_MS };
    }
    entry.inFlight++;
    this.#touch(client, entry);
    return { allowed: true };
  }

  /**
   * Settles an admitted attempt. A refusal counts as a failure and, past the free ones,
   * starts a lockout, which is returned so that it can be logged. A success does not wipe
   * the failures: else a user with one valid login could guess at other users' passwords
   * without end, a success between every few guesses.
   */
  settle(client: string, outcome: Outcome): Lockout | null {
    const entry = this.#clients.get(client);
    // Dropped meanwhile to make room: the attempt is forgotten with it.
    if (entry === undefined) return null;
    entry.inFlight--;
    if (outcome !== "refused") {
      if (entry.failures === 0 && entry.inFlight === 0) this.#clients.delete(client);
      return null;
    }
    const now = this.#now();
    entry.failures++;
    entry.lastFailureAt = now;
    const { freeFailures, firstLockoutMs, maxLockoutMs } = this.#policy;
    if (entry.failures < freeFailures) return null;
    const doublings = Math.min(entry.failures - freeFailures, 30);
    const lockoutMs = Math.min(maxLockoutMs, firstLockoutMs * 2 ** doublings);
    entry.lockedUntil = now + lockoutMs;
    return { failures: entry.failures, lockoutMs };
  }

  #touch(client: string, entry: ClientEntry): void {
    this.#clients.delete(client);
    if (this.#clients.size >= this.#policy.maxClients) {
      this.#clients.delete(this.#clients.keys().next().value!);
    }
    this.#clients.set(client, entry);
  }
}

/**
 * The throttle's key for a client address. IPv4: the address. IPv6: its /64 prefix, the
 * smallest block a network is given (RFC 6177), since one machine can pick any of its /64's
 * 2^64 addresses at will; an IPv4 address mapped into IPv6 (`::ffff:192.0.2.1`, how a
 * dual-stack socket shows IPv4 clients) is keyed as the IPv4 address it is. Other
 * transports: `hostOf()` (all clients of a Unix socket share one key).
 */
export function clientKey(addr: Deno.Addr): string {
  const host = hostOf(addr);
  if (addr.transport !== "tcp" && addr.transport !== "udp") return host;
  if (!host.includes(":")) return host;
  const groups = ipv6Groups(host.replace(/%.*$/, ""));
  if (groups === null) return host;
  const mapped = groups.slice(0, 5).every((group) => group === 0) && groups[5] === 0xffff;
  if (mapped) {
    return [groups[6] >> 8, groups[6] & 0xff, groups[7] >> 8, groups[7] & 0xff].join(".");
  }
  return `${groups.slice(0, 4).map((group) => group.toString(16)).join(":")}::/64`;
}

/** The eight 16-bit groups of an IPv6 address (RFC 4291 §2.2 text forms), or null. */
function ipv6Groups(text: string): number[] | null {
  let body = text;
  const tail: number[] = [];
  const dotted = /^(.*:)(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(body);
  if (dotted !== null) {
    const bytes = dotted.slice(2).map(Number);
    if (bytes.some((byte) => byte > 255)) return null;
    tail.push((bytes[0] << 8) | bytes[1], (bytes[2] << 8) | bytes[3]);
    body = dotted[1].endsWith("::") ? dotted[1] : dotted[1].slice(0, -1);
  }
  const halves = body.split("::");
  if (halves.length > 2) return null;
  const parse = (part: string) => part === "" ? [] : part.split(":").map(hexGroup);
  const head = parse(halves[0]);
  const rest = halves.length === 2 ? parse(halves[1]) : [];
  const known = head.length + rest.length + tail.length;
  if (head.includes(null) || rest.includes(null)) return null;
  if (halves.length === 1 ? known !== 8 : known > 7) return null;
  const zeros: number[] = new Array(8 - known).fill(0);
  return [...head, ...zeros, ...rest, ...tail] as number[];
}

function hexGroup(text: string): number | null {
  return /^[0-9a-fA-F]{1,4}$/.test(text) ? parseInt(text, 16) : null;
}
