/**
 * The signals that mean "stop": SIGINT (Ctrl+C) everywhere; SIGTERM where the OS has it;
 * SIGBREAK (Ctrl+Break) on Windows, which has no SIGTERM. The first asks for a graceful
 * shutdown, a second one for an immediate exit.
 */
export function stopSignals(os: typeof Deno.build.os): Deno.Signal[] {
  return os === "windows" ? ["SIGINT", "SIGBREAK"] : ["SIGINT", "SIGTERM"];
}

/** The bits of Deno that signal handling touches, so tests can stand in for an OS. */
export interface SignalHost {
  readonly os: typeof Deno.build.os;
  addSignalListener(signal: Deno.Signal, handler: () => void): void;
  removeSignalListener(signal: Deno.Signal, handler: () => void): void;
}

/**
 * Calls `first` on the first stop signal and `again` on any later one. Returns a function
 * that removes the listeners (so the process can end).
 */
export function onStopSignals(
  host: SignalHost,
  first: (signal: Deno.Signal) => void,
  again: (signal: Deno.Signal) => void,
): () => void {
  let received = 0;
  const listeners = stopSignals(host.os).map((signal) => {
    const listener = () => (received++ === 0 ? first : again)(signal);
    host.addSignalListener(signal, listener);
    return { signal, listener };
  });
  return () => {
    for (const { signal, listener } of listeners) host.removeSignalListener(signal, listener);
  };
}
