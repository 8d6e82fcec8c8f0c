/**
 * The users who may log in, and the one way to check a password against them. Every check
 * costs one scrypt run, whether the user exists or not: an unknown name is checked against
 * a dummy hash of the users' own cost, so how long a refusal takes does not tell a guesser
 * which names are real.
 */
import { Semaphore } from "../server/semaphore.ts";
import {
  dummyHash,
  type PasswordHash,
  type ScryptCost,
  scryptMemory,
  verifyPassword,
} from "./password_hash.ts";

/** A user name and the hash of their password. */
export interface User {
  readonly name: string;
  readonly hash: PasswordHash;
}

/** What a check came to; "abandoned" when the client left before its turn came. */
export type Verdict = "accepted" | "refused" | "abandoned";

/**
 * scrypt runs at once, at most. Each takes a core and 128·N·r bytes (32 MiB at the default
 * cost) for ~100 ms; a flood of logins from many addresses then waits its turn instead of
 * taking every core and a gigabyte, and file serving goes on beside it.
 */
export const MAX_CONCURRENT_VERIFICATIONS = 2;

/** The users, looked up by name; every check takes one scrypt run and waits its turn. */
export class UserTable {
  readonly #hashes = new Map<string, PasswordHash>();
  readonly #dummy: PasswordHash;
  readonly #turns = new Semaphore(MAX_CONCURRENT_VERIFICATIONS);

  /** Names are kept in Normalization Form C, as the credentials parser gives them. */
  constructor(users: readonly User[]) {
    if (users.length === 0) throw new RangeError("a user table needs at least one user");
    for (const { name, hash } of users) this.#hashes.set(name.normalize("NFC"), hash);
    this.#dummy = dummyHash(commonestCost(users.map((user) => user.hash)));
  }

  /** How many users there are. */
  get size(): number {
    return this.#hashes.size;
  }

  /** The cost unknown names are checked at: the one most users' hashes have. */
  get dummyCost(): ScryptCost {
    const { log2N, r, p } = this.#dummy;
    return { log2N, r, p };
  }

  /**
   * Checks `password` for `name` (both already NFC, as parseBasicCredentials gives them),
   * taking its turn among MAX_CONCURRENT_VERIFICATIONS. When `signal` has aborted by the
   * time the turn comes, no scrypt runs and the verdict is "abandoned".
   */
  async verify(name: string, password: string, signal?: AbortSignal): Promise<Verdict> {
    const known = this.#hashes.get(name);
    await this.#turns.acquire();
    try {
      if (signal?.aborted) return "abandoned";
      // The dummy runs the same scrypt, and its result is thrown away: same time, same "no".
      const matches = await verifyPassword(password, known ?? this.#dummy);
      return matches && known !== undefined ? "accepted" : "refused";
    } finally {
      this.#turns.release();
    }
  }
}

/** The cost most hashes share; on a tie, the one that takes more memory (more time). */
function commonestCost(hashes: readonly PasswordHash[]): ScryptCost {
  const counts = new Map<string, { cost: ScryptCost; count: number }>();
  for (const { log2N, r, p } of hashes) {
    const key = `${log2N},${r},${p}`;
    const entry = counts.get(key) ?? { cost: { log2N, r, p }, count: 0 };
    entry.count++;
    counts.set(key, entry);
  }
  let best: { cost: ScryptCost; count: number } | undefined;
  for (const entry of counts.values()) {
    const better = best === undefined || entry.count > best.count ||
      (entry.count === best.count &&
        scryptMemory(entry.cost) * entry.cost.p > scryptMemory(best.cost) * best.cost.p);
    if (better) best = entry;
  }
  return best!.cost;
}
