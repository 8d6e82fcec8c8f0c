/**
 * Stop signals: which ones each OS gets, and that the first asks for a graceful stop, every
 * later one for an immediate exit, except echoes of the first (the same Ctrl+C, passed on
 * by a parent process), and removal leaves no listener behind (or the process could not
 * end).
 */
import assert from "node:assert/strict";
import {
  onStopSignals,
  SAME_STOP_WINDOW_MS,
  type SignalHost,
  stopSignals,
} from "../../lib/cli/signals.ts";

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
  /** The clock, moved by the test. */
  time = 1000;

  constructor(readonly os: typeof Deno.build.os) {}

  now(): number {
    return this.time;
  }

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

/** A signal raised `after` milliseconds past the first one (0 when left out). */
type Raised = Deno.Signal | { signal: Deno.Signal; after: number };

/** Later signals in these cases come well after the first, unless they say otherwise. */
const LATER = SAME_STOP_WINDOW_MS + 1000;

const sequenceCases: {
  name?: string;
  os: typeof Deno.build.os;
  raised: Raised[];
  calls: string[];
}[] = [
  { os: "linux", raised: [], calls: [] },
  { os: "linux", raised: ["SIGINT"], calls: ["first SIGINT"] },
  { os: "linux", raised: ["SIGTERM"], calls: ["first SIGTERM"] },
  {
    os: "linux",
    raised: ["SIGINT", { signal: "SIGINT", after: LATER }],
    calls: ["first SIGINT", "again SIGINT"],
  },
  {
    os: "linux",
    raised: [
      "SIGTERM",
      { signal: "SIGINT", after: LATER },
      { signal: "SIGTERM", after: LATER + 1 },
    ],
    calls: ["first SIGTERM", "again SIGINT", "again SIGTERM"],
  },
  // Signals zhttp does not listen to change nothing.
  { os: "linux", raised: ["SIGHUP", "SIGINT"], calls: ["first SIGINT"] },
  {
    os: "windows",
    raised: ["SIGBREAK", { signal: "SIGINT", after: LATER }],
    calls: ["first SIGBREAK", "again SIGINT"],
  },
  { os: "windows", raised: ["SIGTERM", "SIGINT"], calls: ["first SIGINT"] },
  // One Ctrl+C under `deno task`: from the terminal, then passed on by the task runner and
  // the launcher, milliseconds apart.
  {
    name: "counts a Ctrl+C passed on by parents as one",
    os: "linux",
    raised: ["SIGINT", { signal: "SIGINT", after: 3 }, { signal: "SIGINT", after: 4 }],
    calls: ["first SIGINT"],
  },
  {
    name: "counts signals up to the end of the window as the first",
    os: "linux",
    raised: ["SIGTERM", { signal: "SIGINT", after: SAME_STOP_WINDOW_MS - 1 }],
    calls: ["first SIGTERM"],
  },
  {
    name: "counts a signal at the end of the window as a second stop",
    os: "linux",
    raised: ["SIGINT", { signal: "SIGINT", after: SAME_STOP_WINDOW_MS }],
    calls: ["first SIGINT", "again SIGINT"],
  },
  {
    name: "counts a second Ctrl+C passed on by parents as one second stop",
    os: "windows",
    raised: [
      "SIGINT",
      { signal: "SIGINT", after: 2 },
      { signal: "SIGINT", after: LATER },
      { signal: "SIGINT", after: LATER + 2 },
    ],
    calls: ["first SIGINT", "again SIGINT", "again SIGINT"],
  },
];

for (const { name, os, raised, calls } of sequenceCases) {
  const described = raised.map((r) => typeof r === "string" ? r : `${r.signal} at +${r.after} ms`);
  Deno.test(`onStopSignals() on ${os} ${name ?? `answers ${described.join(", ") || "nothing"}`}`, () => {
    const host = new FakeSignalHost(os);
    const start = host.time;
    const seen: string[] = [];
    const remove = onStopSignals(
      host,
      (signal) => seen.push(`first ${signal}`),
      (signal) => seen.push(`again ${signal}`),
    );
    for (const entry of raised) {
      const { signal, after } = typeof entry === "string" ? { signal: entry, after: 0 } : entry;
      host.time = start + after;
      host.raise(signal);
    }
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
