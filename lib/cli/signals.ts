/**
 * The signals that mean "stop": SIGINT (Ctrl+C) everywhere; SIGTERM where the OS has it;
 * SIGBREAK (Ctrl+Break) on Windows, which has no SIGTERM. The first asks for a graceful
 * shutdown, a second one for an immediate exit.
 */
export function stopSignals(os: typeof Deno.build.os): Deno.Signal[] {
  return os === "windows" ? ["SIGINT", "SIGBREAK"] : ["SIGINT", "SIGTERM"];
}

/**
 * Stop signals that arrive within this many milliseconds of the first are that same stop,
 * not a second one. One Ctrl+C can arrive several times: the terminal sends SIGINT to the
 * whole process group, and a parent in it (`deno task`, a launcher) passes its own on too,
 * a few milliseconds later (2.6 ms measured under `deno task`). Counting those as the second
 * Ctrl+C quit at once and cut downloads off. A person pressing Ctrl+C again on purpose does
 * it after reading the "stopping" line, well past this.
 */
export const SAME_STOP_WINDOW_MS = 500;

/** The bits of Deno that signal handling touches, so tests can stand in for an OS. */
export interface SignalHost {
  readonly os: typeof Deno.build.os;
  /** A monotonic clock in milliseconds (`performance.now`). */
  now(): number;
  addSignalListener(signal: Deno.Signal, handler: () => void): void;
  removeSignalListener(signal: Deno.Signal, handler: () => void): void;
}

/**
 * Calls `first` on the first stop signal and `again` on any later one, except those within
 * SAME_STOP_WINDOW_MS of the first, which are its echoes. Returns a function that removes
 * the listeners (so the process can end).
 */
export function onStopSignals(
  host: SignalHost,
  first: (signal: Deno.Signal) => void,
  again: (signal: Deno.Signal) => void,
): () => void {
  let firstAt: number | null = null;
  const listeners = stopSignals(host.os).map((signal) => {
    const listener = () => {
      const at = host.now();
      if (firstAt === null) {
        firstAt = at;
        first(signal);
      } else if (at - firstAt >= SAME_STOP_WINDOW_MS) {
        again(signal);
      }
    };
    host.addSignalListener(signal, listener);
    return { signal, listener };
  });
  return () => {
    for (const { signal, listener } of listeners) host.removeSignalListener(signal, listener);
  };
}
