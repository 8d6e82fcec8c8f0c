/**
 * `deno task bench`: zhttp against its peers (Deno.serve, a Deno.serve file server, nginx),
 * each measured in the same run on the same machine, so the ratios mean something even on
 * a noisy 2-core box; and the fetch adapter (hello-fetch) against a native handler and
 * against Deno.serve running the same fetch handler. Servers run pinned to core 0, wrk and
 * curl to core 1.
 *
 *   deno task bench                                  every workload, 10 s × 3 runs
 *   deno task bench --only hello,hello-pipelined     a subset
 *   deno task bench --duration 5 --runs 1            quicker, noisier
 *   deno task bench --only hello --cpu-prof /tmp/p   also write zhttp's V8 CPU profile
 *   deno task bench --compare main,. --only hello    zhttp at main against the working
 *                                                    tree, alternating (see compare.ts)
 *
 * Prints a table per workload and, at the end, one JSON line for issue notes.
 */
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { checkout, compareRounds, formatCompare, parseCompareArg } from "./bench/compare.ts";
import { ensureFixtures } from "./bench/fixtures.ts";
import { runDownload } from "./bench/download.ts";
import { runListingBench } from "./bench/listing.ts";
import { coreBusySeconds, treeCpuSeconds, treeRssBytes } from "./bench/process_stats.ts";
import {
  type DownloadRow,
  formatDownloadTable,
  formatLoadTable,
  type LoadRow,
  type RunFacts,
  summaryJson,
  type WorkloadResult,
} from "./bench/report.ts";
import {
  type LaunchOptions,
  type PeerName,
  type RunningServer,
  SERVER_CORE,
  startServer,
} from "./bench/servers.ts";
import { sampleBytesReceived, type Spread, spreadBetween } from "./bench/spread.ts";
import { median } from "./bench/stats.ts";
import { makeTlsFiles, type TlsFiles } from "./bench/tls_files.ts";
import { findTools, MissingToolError, type Tools } from "./bench/tools.ts";
import {
  downloadBytes,
  type DownloadWorkload,
  type LoadWorkload,
  WORKLOAD_NAMES,
  WORKLOADS,
} from "./bench/workloads.ts";
import {
  addErrors,
  CLIENT_CORE,
  megabytesPerSecond,
  NO_ERRORS,
  requestsPerSecond,
  runWrk,
} from "./bench/wrk.ts";

/** Seconds each server is loaded, unmeasured, before its runs (JIT, caches, page cache). */
export const WARMUP_SECONDS = 2;
/** The parser micro-benchmark gets this long before it is stopped. */
const PARSER_BENCH_TIMEOUT_MS = 5 * 60_000;

export interface BenchOptions {
  durationSeconds: number;
  runs: number;
  /** Workload names to run; empty means all. */
  only: string[];
  cpuProfileDir?: string;
  /** Two revisions to run zhttp from, alternately, instead of the peers. */
  compare?: [string, string];
}

/** A wrong flag: the message says which and what is allowed. */
export class UsageError extends Error {}

const USAGE =
  `Usage: deno task bench [--duration <s>] [--runs <n>] [--only <names>] [--cpu-prof <dir>]
                       [--compare <A,B>]

  --duration <s>    Seconds per measured run (default 10)
  --runs <n>        Runs per server; tables show medians (default 3); with --compare,
                    the number of alternating rounds
  --compare <A,B>   zhttp at git revision A against B ("." is the working tree), in
                    alternating rounds, reporting the median of the per-round ratios B ÷ A;
                    load workloads only (default: hello and file-1k)
  --only <names>    Comma-separated workloads (repeatable): ${WORKLOAD_NAMES.join(", ")}
  --cpu-prof <dir>  Run zhttp with --cpu-prof; one .cpuprofile per workload lands in <dir>
                    (summarise with: deno run -R scripts/bench/profile_summary.ts <file>)`;

export function parseBenchArgs(args: string[]): BenchOptions | "help" {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: {
        duration: { type: "string", default: "10" },
        runs: { type: "string", default: "3" },
        only: { type: "string", multiple: true, default: [] },
        "cpu-prof": { type: "string" },
        compare: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values } = parsed;
  if (values.help) return "help";
  const only = values.only.flatMap((list) => list.split(",")).filter((name) => name !== "");
  const unknown = only.filter((name) => !WORKLOAD_NAMES.includes(name));
  if (unknown.length > 0) {
    throw new UsageError(
      `unknown workload ${unknown.join(", ")}; known: ${WORKLOAD_NAMES.join(", ")}`,
    );
  }
  let compare: [string, string] | undefined;
  try {
    compare = values.compare === undefined ? undefined : parseCompareArg(values.compare);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  return {
    durationSeconds: positiveInteger("--duration", values.duration),
    runs: positiveInteger("--runs", values.runs),
    only,
    cpuProfileDir: values["cpu-prof"],
    compare,
  };
}

export async function main(args: string[]): Promise<number> {
  let options;
  try {
    options = parseBenchArgs(args);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`bench: ${error.message}\n\n${USAGE}`);
    return 2;
  }
  if (options === "help") {
    console.log(USAGE);
    return 0;
  }
  let tools;
  try {
    tools = await findTools();
  } catch (error) {
    if (!(error instanceof MissingToolError)) throw error;
    console.error(`bench: ${error.message}`);
    return 1;
  }
  if (tools.nginx === null) {
    console.log("nginx is not installed (apt-get install -y nginx): its rows are skipped.");
  }
  if (tools.lighttpd === null) {
    console.log("lighttpd is not installed (apt-get install -y lighttpd): its rows are skipped.");
  }

  const interrupt = new AbortController();
  const onInterrupt = () => {
    // A second Ctrl+C quits at once; the first stops the current run and the servers.
    if (interrupt.signal.aborted) Deno.exit(130);
    console.log("\ninterrupted: stopping the servers…");
    interrupt.abort();
  };
  Deno.addSignalListener("SIGINT", onInterrupt);
  try {
    if (options.compare !== undefined) {
      return await runComparison(options, options.compare, tools, interrupt.signal);
    }
    return await runWorkloads(options, tools, interrupt.signal);
  } finally {
    Deno.removeSignalListener("SIGINT", onInterrupt);
  }
}

async function runWorkloads(
  options: BenchOptions,
  tools: Tools,
  signal: AbortSignal,
): Promise<number> {
  const selected = WORKLOADS.filter((workload) =>
    options.only.length === 0 || options.only.includes(workload.name)
  );
  const needsServers = selected.some((workload) =>
    workload.kind !== "parser" && workload.kind !== "listing"
  );
  const root = needsServers ? await ensureFixtures() : "";
  await using tls =
    selected.some((workload) =>
        (workload.kind === "load" || workload.kind === "download") && workload.tls
      )
      ? await makeTlsFiles()
      : null;
  if (options.cpuProfileDir !== undefined) {
    await Deno.mkdir(options.cpuProfileDir, { recursive: true });
  }
  const facts: RunFacts = {
    ...await gitFacts(),
    durationSeconds: options.durationSeconds,
    runs: options.runs,
  };
  const launch: LaunchOptions = {
    root,
    taskset: tools.taskset,
    nginx: tools.nginx,
    lighttpd: tools.lighttpd,
    cpuProfileDir: options.cpuProfileDir,
  };
  const context: Context = { options, tools, launch, signal, tls };

  const results: WorkloadResult[] = [];
  let failures = 0;
  for (const workload of selected) {
    if (signal.aborted) return 130;
    console.log();
    try {
      if (workload.kind === "parser") {
        await runParserBench(tools, signal);
      } else if (workload.kind === "listing") {
        console.log(await runListingBench({ ...options, tools, signal }));
      } else if (workload.kind === "load") {
        const rows = await measureLoad(workload, context);
        results.push({ kind: "load", workload, rows });
        console.log(formatLoadTable(workload, rows, facts));
      } else {
        const rows = await measureDownloads(workload, context);
        results.push({ kind: "download", workload, rows });
        console.log(formatDownloadTable(workload, rows, facts));
      }
    } catch (error) {
      if (signal.aborted) return 130;
      failures++;
      console.error(`${workload.name} failed: ${(error as Error).message}`);
    }
  }
  if (results.length > 0) console.log(`\n${summaryJson(results, facts)}`);
  return failures === 0 ? 0 : 1;
}

/** Workloads --compare runs when --only names none. */
const COMPARE_DEFAULT = ["hello", "file-1k"];

/** zhttp at two revisions, alternating rounds per workload (compare.ts). */
async function runComparison(
  options: BenchOptions,
  [nameA, nameB]: [string, string],
  tools: Tools,
  signal: AbortSignal,
): Promise<number> {
  const names = options.only.length === 0 ? COMPARE_DEFAULT : options.only;
  const selected = WORKLOADS.filter((workload): workload is LoadWorkload =>
    workload.kind === "load" && names.includes(workload.name)
  );
  if (selected.length === 0) {
    console.error("bench: --compare runs load workloads only");
    return 2;
  }
  const repo = fileURLToPath(new URL("../", import.meta.url));
  const root = await ensureFixtures();
  await using stack = new AsyncDisposableStack();
  const tls = selected.some((workload) => workload.tls) ? stack.use(await makeTlsFiles()) : null;
  const sides = [];
  for (const name of [nameA, nameB]) {
    const { revision, remove } = await checkout(repo, name);
    stack.defer(remove);
    sides.push(revision);
  }
  const [a, b] = sides;
  const base: LaunchOptions = {
    root,
    taskset: tools.taskset,
    nginx: tools.nginx,
    lighttpd: tools.lighttpd,
  };
  for (const workload of selected) {
    if (signal.aborted) return 130;
    const context = (dir: string): Context => ({
      options,
      tools,
      launch: { ...base, zhttpDir: dir, tls: workload.tls ? tls ?? undefined : undefined },
      signal,
      tls,
    });
    await using servers = new AsyncDisposableStack();
    const serverA = servers.use(await startServer("zhttp", context(a.dir).launch));
    const serverB = servers.use(await startServer("zhttp", context(b.dir).launch));
    const warmup = Math.min(WARMUP_SECONDS, options.durationSeconds);
    await loadOnce(workload, serverA, warmup, context(a.dir));
    await loadOnce(workload, serverB, warmup, context(b.dir));
    const result = await compareRounds(workload, options.runs, async (side, round) => {
      const [server, dir] = side === "a" ? [serverA, a.dir] : [serverB, b.dir];
      console.log(`${workload.name}: ${side === "a" ? a.name : b.name} round ${round}…`);
      const sample = await loadOnce(workload, server, options.durationSeconds, context(dir));
      return workload.unit === "req/s" ? sample.requestsPerSecond : sample.megabytesPerSecond;
    });
    console.log(`\n${formatCompare(result, a, b)}\n`);
  }
  return 0;
}

interface Context {
  options: BenchOptions;
  tools: Tools;
  launch: LaunchOptions;
  signal: AbortSignal;
  /** The certificate of the TLS workloads, when any runs. */
  tls: TlsFiles | null;
}

/** The launch options for a workload: over TLS when it says so. */
function launchFor(workload: { tls: boolean }, context: Context): LaunchOptions {
  if (!workload.tls) return context.launch;
  if (context.tls === null) throw new Error("a TLS workload without the bench certificate");
  return { ...context.launch, tls: context.tls };
}

/** Starts every peer of a workload; the stack stops them all, whatever happens. */
async function startPeers(
  workload: LoadWorkload | DownloadWorkload,
  context: Context,
  stack: AsyncDisposableStack,
): Promise<RunningServer[]> {
  const peers = workload.peers;
  const launch = launchFor(workload, context);
  const servers: RunningServer[] = [];
  for (const peer of peers) {
    if (
      peer === "lighttpd"
        ? context.tools.lighttpd === null
        : isNginx(peer) && context.tools.nginx === null
    ) continue;
    servers.push(stack.use(await startServer(peer, launch)));
  }
  return servers;
}

/** Runs alternate between servers (A B C, A B C, …) so slow drifts hit each alike. */
async function measureLoad(workload: LoadWorkload, context: Context): Promise<LoadRow[]> {
  await using stack = new AsyncDisposableStack();
  const servers = await startPeers(workload, context, stack);
  const { durationSeconds, runs } = context.options;
  for (const server of servers) {
    await loadOnce(workload, server, Math.min(WARMUP_SECONDS, durationSeconds), context);
  }
  const samples = new Map(servers.map((server) => [server, [] as LoadSample[]]));
  for (let run = 1; run <= runs; run++) {
    for (const server of servers) {
      console.log(`${workload.name}: ${server.name} run ${run}/${runs}…`);
      samples.get(server)!.push(await loadOnce(workload, server, durationSeconds, context));
    }
  }
  return servers.map((server) => medianRow(server.name, samples.get(server)!));
}

/** One run's numbers: a row of the report before medians are taken. */
type LoadSample = Omit<LoadRow, "peer">;

async function loadOnce(
  workload: LoadWorkload,
  server: RunningServer,
  durationSeconds: number,
  context: Context,
): Promise<LoadSample> {
  const cpuBefore = treeCpuSeconds(server.pid);
  const serverCoreBefore = coreBusySeconds(SERVER_CORE);
  const clientCoreBefore = coreBusySeconds(CLIENT_CORE);
  const sockets = workload.spread
    ? sampleSocketsDuring(server.port, durationSeconds, context)
    : null;
  // Awaited below; this only keeps a failure from going unhandled if wrk fails first.
  sockets?.catch(() => {});
  const { summary, cpuSeconds: wrkCpu } = await runWrk({
    wrk: context.tools.wrk,
    taskset: context.tools.taskset,
    url: server.url(workload.path),
    connections: workload.connections,
    durationSeconds,
    pipeline: workload.pipeline,
    headers: workload.headers,
    closeEach: workload.closeEach,
    signal: context.signal,
  });
  const seconds = summary.durationUs / 1e6;
  const serverCpu = treeCpuSeconds(server.pid) - cpuBefore;
  const serverCoreCpu = coreBusySeconds(SERVER_CORE) - serverCoreBefore;
  const clientCoreCpu = coreBusySeconds(CLIENT_CORE) - clientCoreBefore;
  const samples = sockets === null ? null : await sockets;
  return {
    requestsPerSecond: requestsPerSecond(summary),
    megabytesPerSecond: megabytesPerSecond(summary),
    bytesPerResponse: summary.requests === 0 ? 0 : summary.bytes / summary.requests,
    p50Ms: summary.latencyUs.p50 / 1000,
    p99Ms: summary.latencyUs.p99 / 1000,
    maxMs: summary.latencyUs.max / 1000,
    cpuShare: serverCpu / seconds,
    wrkCpuShare: wrkCpu / seconds,
    othersOnServerCore: Math.max(0, serverCoreCpu - serverCpu) / seconds,
    othersOnClientCore: Math.max(0, clientCoreCpu - wrkCpu) / seconds,
    errors: summary.errors,
    spread: samples === null
      ? null
      : spreadBetween(samples.early, samples.late, summary.requestBytes, samples.windowSeconds),
  };
}

/**
 * Two `ss` samples of the server's sockets, a little after the load starts (every
 * connection is open) and a little before it ends (none closed yet).
 */
async function sampleSocketsDuring(port: number, durationSeconds: number, context: Context) {
  const started = performance.now();
  const edgeMs = Math.min(1000, durationSeconds * 100);
  await sleep(edgeMs);
  const early = await sampleBytesReceived(context.tools.taskset, port);
  const earlyAt = performance.now();
  await sleep(durationSeconds * 1000 - edgeMs - (earlyAt - started));
  const late = await sampleBytesReceived(context.tools.taskset, port);
  return { early, late, windowSeconds: (performance.now() - earlyAt) / 1000 };
}

function medianRow(peer: PeerName, samples: LoadSample[]): LoadRow {
  const middle = (pick: (sample: LoadSample) => number) => median(samples.map(pick));
  const spreads = samples.flatMap((sample) => sample.spread === null ? [] : [sample.spread]);
  const middleSpread = (pick: (spread: Spread) => number) => median(spreads.map(pick));
  return {
    peer,
    requestsPerSecond: middle((sample) => sample.requestsPerSecond),
    megabytesPerSecond: middle((sample) => sample.megabytesPerSecond),
    bytesPerResponse: middle((sample) => sample.bytesPerResponse),
    p50Ms: middle((sample) => sample.p50Ms),
    p99Ms: middle((sample) => sample.p99Ms),
    maxMs: middle((sample) => sample.maxMs),
    cpuShare: middle((sample) => sample.cpuShare),
    wrkCpuShare: middle((sample) => sample.wrkCpuShare),
    othersOnServerCore: middle((sample) => sample.othersOnServerCore),
    othersOnClientCore: middle((sample) => sample.othersOnClientCore),
    errors: samples.reduce((sum, sample) => addErrors(sum, sample.errors), NO_ERRORS),
    spread: spreads.length === 0 ? null : {
      connections: middleSpread((spread) => spread.connections),
      windowSeconds: middleSpread((spread) => spread.windowSeconds),
      min: middleSpread((spread) => spread.min),
      p10: middleSpread((spread) => spread.p10),
      p50: middleSpread((spread) => spread.p50),
      p90: middleSpread((spread) => spread.p90),
      max: middleSpread((spread) => spread.max),
    },
  };
}

/** One warm-up download per server, then `runs` measured ones, alternating servers. */
async function measureDownloads(
  workload: DownloadWorkload,
  context: Context,
): Promise<DownloadRow[]> {
  await using stack = new AsyncDisposableStack();
  const servers = await startPeers(workload, context, stack);
  const idleRss = new Map(servers.map((server) => [server, treeRssBytes(server.pid)]));
  const peakRss = new Map(idleRss);
  const speeds = new Map(servers.map((server) => [server, [] as number[]]));
  const wire = new Map(servers.map((server) => [server, { bytes: 0, encoding: "" }]));
  for (let run = 0; run <= context.options.runs; run++) {
    for (const server of servers) {
      console.log(`${workload.name}: ${server.name} ${run === 0 ? "warm-up" : `run ${run}`}…`);
      const result = await runDownload({
        curl: context.tools.curl,
        taskset: context.tools.taskset,
        url: server.url(`/${workload.file}`),
        serverPid: server.pid,
        expectedBytes: downloadBytes(workload),
        headers: workload.headers,
        caFile: workload.tls ? context.tls?.caFile : undefined,
        signal: context.signal,
      });
      peakRss.set(server, Math.max(peakRss.get(server)!, result.peakRssBytes));
      wire.set(server, { bytes: result.wireBytes, encoding: result.contentEncoding });
      if (run > 0) speeds.get(server)!.push(result.bytesPerSecond);
    }
  }
  return servers.map((server) => ({
    peer: server.name,
    bytesPerSecond: median(speeds.get(server)!),
    wireBytes: wire.get(server)!.bytes,
    contentEncoding: wire.get(server)!.encoding,
    rssGrowthBytes: peakRss.get(server)! - idleRss.get(server)!,
  }));
}

/** `deno bench scripts/parser_bench.ts` on the server core, its output passed through. */
async function runParserBench(tools: Tools, signal: AbortSignal): Promise<void> {
  console.log("parser: deno bench scripts/parser_bench.ts");
  const { code } = await new Deno.Command(tools.taskset, {
    args: ["-c", String(SERVER_CORE), Deno.execPath(), "bench", "scripts/parser_bench.ts"],
    cwd: new URL("../", import.meta.url),
    stdin: "null",
    stdout: "inherit",
    stderr: "inherit",
    signal: AbortSignal.any([signal, AbortSignal.timeout(PARSER_BENCH_TIMEOUT_MS)]),
  }).output();
  if (code !== 0) throw new Error(`deno bench exited with ${code}`);
}

/** Which code was measured; read-only git calls. */
async function gitFacts(): Promise<{ commit: string; dirty: boolean }> {
  const git = async (...args: string[]) => {
    const { code, stdout } = await new Deno.Command("git", {
      args,
      cwd: new URL("../", import.meta.url),
      stdin: "null",
      stderr: "null",
    }).output();
    return code === 0 ? new TextDecoder().decode(stdout).trim() : null;
  };
  const commit = await git("rev-parse", "--short", "HEAD") ?? "unknown";
  const status = await git("status", "--porcelain", "--untracked-files=no");
  return { commit, dirty: status !== null && status !== "" };
}

function positiveInteger(flag: string, text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) {
    throw new UsageError(`${flag} takes a whole number of at least 1, not "${text}"`);
  }
  return value;
}

function isNginx(peer: PeerName): boolean {
  return peer === "nginx" || peer === "nginx-tuned";
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}

if (import.meta.main) Deno.exit(await main(Deno.args));
