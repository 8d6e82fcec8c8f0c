/**
 * One wrk run against one URL, pinned to the client core, bounded in time, summarised by
 * the done() hook in wrk.lua (wrk's own text output rounds and changes units).
 */
import { fileURLToPath } from "node:url";
import { treeCpuSeconds } from "./process_stats.ts";

/** wrk, curl and ss run on this core; the servers get the other one. */
export const CLIENT_CORE = 1;
/**
 * A response slower than this counts as a wrk timeout error. High, so the 1000-connection
 * tail (seconds, in our measurements) is measured instead of being cut off at wrk's 2 s.
 */
export const WRK_TIMEOUT_SECONDS = 30;
/** Grace beyond the run's duration before a hung wrk is killed. */
const WRK_GRACE_SECONDS = 20;
/** How often wrk's CPU time is read while it runs; the last interval is what gets lost. */
const CPU_POLL_INTERVAL_MS = 50;
const SUMMARY_MARKER = "ZHTTP_BENCH_WRK ";
const WRK_SCRIPT = fileURLToPath(new URL("./wrk.lua", import.meta.url));

export interface WrkRun {
  wrk: string;
  taskset: string;
  url: string;
  connections: number;
  durationSeconds: number;
  /** Requests sent per write; 1 means no pipelining. */
  pipeline: number;
  /** Header fields added to every request. */
  headers?: Record<string, string>;
  /** Ask for `Connection: close`: every request on a new connection. */
  closeEach?: boolean;
  /** Aborts the run (Ctrl+C). */
  signal: AbortSignal;
}

export interface WrkSummary {
  requests: number;
  durationUs: number;
  /** Response bytes read, heads included. */
  bytes: number;
  /** Size of one request as wrk sends it (to turn bytes received into requests). */
  requestBytes: number;
  errors: WrkErrors;
  latencyUs: { p50: number; p90: number; p99: number; max: number };
}

/** What wrk counts as errors; any of them makes a row suspect. */
export interface WrkErrors {
  connect: number;
  read: number;
  write: number;
  /** Responses with a status of 400 or more. */
  status: number;
  /** Responses slower than WRK_TIMEOUT_SECONDS. */
  timeout: number;
}

export const NO_ERRORS: Readonly<WrkErrors> = {
  connect: 0,
  read: 0,
  write: 0,
  status: 0,
  timeout: 0,
};

/** wrk's summary, and the CPU time wrk itself used (to tell its load from other programs'). */
export interface WrkResult {
  summary: WrkSummary;
  cpuSeconds: number;
}

export async function runWrk(run: WrkRun): Promise<WrkResult> {
  const child = new Deno.Command(run.taskset, {
    args: [
      "-c",
      String(CLIENT_CORE),
      run.wrk,
      "-t1",
      `-c${run.connections}`,
      `-d${run.durationSeconds}s`,
      `--timeout`,
      `${WRK_TIMEOUT_SECONDS}s`,
      ...Object.entries(run.headers ?? {}).flatMap(([name, value]) => ["-H", `${name}: ${value}`]),
      "-s",
      WRK_SCRIPT,
      run.url,
    ],
    env: {
      ZHTTP_BENCH_PIPELINE: String(run.pipeline),
      ZHTTP_BENCH_CLOSE: run.closeEach ? "1" : "0",
    },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.any([
      run.signal,
      AbortSignal.timeout((run.durationSeconds + WRK_GRACE_SECONDS) * 1000),
    ]),
  }).spawn();
  // A finished process's times vanish from /proc, so keep the latest reading while it runs.
  let cpuSeconds = 0;
  const poll = setInterval(() => {
    cpuSeconds = Math.max(cpuSeconds, treeCpuSeconds(child.pid));
  }, CPU_POLL_INTERVAL_MS);
  let output: Deno.CommandOutput;
  try {
    output = await child.output();
  } finally {
    clearInterval(poll);
  }
  const text = new TextDecoder().decode(output.stdout);
  if (output.code !== 0) {
    throw new Error(
      `wrk exited with ${output.code}: ${new TextDecoder().decode(output.stderr)}${text}`,
    );
  }
  return { summary: parseWrkSummary(text), cpuSeconds };
}

/** The summary line wrk.lua's done() prints, out of wrk's whole output. */
export function parseWrkSummary(output: string): WrkSummary {
  const line = output.split("\n").find((candidate) => candidate.startsWith(SUMMARY_MARKER));
  if (line === undefined) throw new Error(`wrk printed no summary:\n${output}`);
  return JSON.parse(line.slice(SUMMARY_MARKER.length)) as WrkSummary;
}

/** Requests per second over the run. */
export function requestsPerSecond(summary: WrkSummary): number {
  return summary.requests / (summary.durationUs / 1e6);
}

/** Response megabytes (10^6 bytes) per second over the run. */
export function megabytesPerSecond(summary: WrkSummary): number {
  return summary.bytes / 1e6 / (summary.durationUs / 1e6);
}

/** The errors of several runs, kind by kind. */
export function addErrors(a: Readonly<WrkErrors>, b: Readonly<WrkErrors>): WrkErrors {
  return {
    connect: a.connect + b.connect,
    read: a.read + b.read,
    write: a.write + b.write,
    status: a.status + b.status,
    timeout: a.timeout + b.timeout,
  };
}
