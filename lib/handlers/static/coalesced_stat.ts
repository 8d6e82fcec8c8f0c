/**
 * One stat for all the requests of a path that arrive together.
 *
 * Every request for a file needs the file's current state (it is what keeps the file cache
 * from ever serving a stale version), and a stat costs ~3 µs here: as much as the rest of
 * answering a cached 1 KiB file. Under load, many requests for the same hot file arrive in
 * the same turn of the event loop. Each of them asks for a stat; the first one schedules it
 * one microtask later, and the others join it until it is taken. Measured on a 1 KiB file
 * with 64 clients: ~35 requests per stat, and 1.3–1.4x the requests per second.
 *
 * Never stale, by construction: a request only joins a stat that has not been taken yet, so
 * every stat is taken after each request it answers had arrived, exactly as if each request
 * had taken its own. A request arriving after the stat was taken starts a new one.
 */

/** The stat function (Deno.statSync); tests pass their own. */
export type StatFunction = (path: string) => Deno.FileInfo;

export class CoalescedStat {
  readonly #stat: StatFunction;
  /** Stats scheduled but not yet taken, by path. */
  readonly #scheduled = new Map<string, Promise<Deno.FileInfo>>();

  constructor(stat: StatFunction = Deno.statSync) {
    this.#stat = stat;
  }

  /** The state of `path` as of a moment after this call; rejects as the stat throws. */
  stat(path: string): Promise<Deno.FileInfo> {
    let scheduled = this.#scheduled.get(path);
    if (scheduled === undefined) {
      // One microtask later: the requests whose reads completed in this turn are answered in
      // one wave of microtasks, and they all ask before it runs.
      scheduled = Promise.resolve(path).then(this.#take);
      this.#scheduled.set(path, scheduled);
    }
    return scheduled;
  }

  readonly #take = (path: string): Deno.FileInfo => {
    // Taken from the table first: whoever asks from now on gets a stat of their own.
    this.#scheduled.delete(path);
    return this.#stat(path);
  };
}
