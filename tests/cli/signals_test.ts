/**
 * Stop signals: which ones each OS gets, and that the first asks for a graceful stop, every
 * later one for an immediate exit, and removal leaves no listener behind (or the process
 * could not end).
 */
import assert from "node:assert/strict";
import { onStopSignals, type SignalHost, stopSignals } from "../../lib/cli/signals.ts";

const signalCases: { os: typeof Deno.build.os; signals: Deno.Signal[] }[] = [
  { os: "linux", signals: ["SIGINT", "SIGTERM"] },
  { os: "darwin", signals: ["SIGINT", "SIGTERM"] },
  { os: "freebsd", signals: ["SIGINT", "SIGTERM"] },
  // Windows has no SIGTERM; Ctrl+Break arrives as SIGBREAK.
  { os: "windows", signals: ["SIGINT", "SIGBREAK"] },
];

for (const { os, signals } of signalCases) {
  Deno.test(`stopSignals() on ${os} is ${signals.join(" and ")}`, () => {
    assert.deepEqual(stopSignals(os), signals);
  });
}

/** A stand-in for Deno's signal API that records listeners and can raise a signal. */
class FakeSignalHost implements SignalHost {
  readonly listeners = new Map<Deno.Signal, Set<() => void>>();

  constructor(readonly os: typeof Deno.build.os) {}

  addSignalListener(signal: Deno.Signal, handler: () => void): void {
    if (!this.listeners.has(signal)) this.listeners.set(signal, new Set());
    this.listeners.get(signal)!.add(handler);
  }

  removeSignalListener(signal: Deno.Signal, handler: () => void): void {
    this.listeners.get(signal)?.delete(handler);
  }

  raise(signal: Deno.Signal): void {
    for (const handler of this.listeners.get(signal) ?? []) handler();
  }

  get count(): number {
    return [...this.listeners.values()].reduce((sum, handlers) => sum + handlers.size, 0);
  }
}

const sequenceCases: {
  os: typeof Deno.build.os;
  raised: Deno.Signal[];
  calls: string[];
}[] = [
  { os: "linux", raised: [], calls: [] },
  { os: "linux", raised: ["SIGINT"], calls: ["first SIGINT"] },
  { os: "linux", raised: ["SIGTERM"], calls: ["first SIGTERM"] },
  { os: "linux", raised: ["SIGINT", "SIGINT"], calls: ["first SIGINT", "again SIGINT"] },
  {
    os: "linux",
    raised: ["SIGTERM", "SIGINT", "SIGTERM"],
    calls: ["first SIGTERM", "again SIGINT", "again SIGTERM"],
  },
  // Signals zhttp does not listen to change nothing.
  { os: "linux", raised: ["SIGHUP", "SIGINT"], calls: ["first SIGINT"] },
  { os: "windows", raised: ["SIGBREAK", "SIGINT"], calls: ["first SIGBREAK", "again SIGINT"] },
  { os: "windows", raised: ["SIGTERM", "SIGINT"], calls: ["first SIGINT"] },
];

for (const { os, raised, calls } of sequenceCases) {
  Deno.test(`onStopSignals() on ${os} answers ${raised.join(", ") || "nothing"}`, () => {
    const host = new FakeSignalHost(os);
    const seen: string[] = [];
    const remove = onStopSignals(
      host,
      (signal) => seen.push(`first ${signal}`),
      (signal) => seen.push(`again ${signal}`),
    );
    for (const signal of raised) host.raise(signal);
    assert.deepEqual(seen, calls);
    remove();
  });
}

for (const os of ["linux", "windows"] as const) {
  Deno.test(`onStopSignals() on ${os} listens to each stop signal and removes every listener`, () => {
    const host = new FakeSignalHost(os);
    const seen: string[] = [];
    const remove = onStopSignals(host, () => seen.push("first"), () => seen.push("again"));
    assert.deepEqual([...host.listeners.keys()], stopSignals(os));
    assert.equal(host.count, stopSignals(os).length);
    remove();
    assert.equal(host.count, 0);
    for (const signal of stopSignals(os)) host.raise(signal);
    assert.deepEqual(seen, []);
  });
}
