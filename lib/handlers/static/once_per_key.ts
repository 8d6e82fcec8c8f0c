/**
 * Remembers which keys were seen, so that something is done once per key: a refused name
 * is logged the first time, not at every request for it. Bounded: past MAX_KEYS the memory
 * starts over, and a key may be seen a second time, so a client sending endless distinct
 * names costs a log line each, never memory.
 */
export const MAX_KEYS = 2048;

export class OncePerKey {
  readonly #seen = new Set<string>();

  /** True the first time `key` is passed (since the memory last started over). */
  first(key: string): boolean {
    if (this.#seen.has(key)) return false;
    if (this.#seen.size >= MAX_KEYS) this.#seen.clear();
    this.#seen.add(key);
    return true;
  }
}
