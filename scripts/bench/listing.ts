/**
 * The folder-listing benchmark (issue 18.2): zhttp and nginx (`autoindex on`) listing the
 * same 100,000- and 10,000-file folders in the same run, servers on core 0, clients on core 1.
 *
 *   deno run -A scripts/bench/listing.ts [--runs 3] [--duration 5]
 *   deno task bench --only listing
 *
 * It measures, per server: one listing's time to first and last byte, the server's CPU time
 * for it (steadier than wall time on a shared machine), its size and the server's peak
 * memory; the p99 of /hello (16 connections, wrk) while listings run back to
 * back, against /hello alone; and four listings at once. zhttp shows pages of
 * MAX_ENTRIES_PER_PAGE entries, nginx every entry on one page: the bytes per entry shown
 * compare the pages fairly.
 */
import { parseArgs } from "node:util";
import { MAX_ENTRIES_PER_PAGE } from "../../lib/handlers/static/listing_page.ts";
import { ensureListingFixtures, LISTING_FOLDERS, type ListingFolder } from "./listing_fixtures.ts";
import { sampleRssPeak, treeCpuSeconds, treeRssBytes } from "./process_stats.ts";
import { formatTable } from "./report.ts";
import { PEER_LABELS, type PeerName, type RunningServer, startServer } from "./servers.ts";
import { median } from "./stats.ts";
import { findTools, type Tools } from "./tools.ts";
import { CLIENT_CORE, runWrk } from "./wrk.ts";

export interface ListingBenchOptions {
  runs: number;
  /** Seconds of /hello load, alone and with listings. */
  durationSeconds: number;
  tools: Tools;
  signal: AbortSignal;
}

/** What one server answers and how it is asked. */
interface Variant {
  label: string;
  folder: ListingFolder;
  query: string;
  json: boolean;
}

const ZHTTP_VARIANTS: readonly Variant[] = [
  { label: "name order (default)", folder: "100k", query: "", json: false },
  { label: "?sort=size (every stat)", folder: "100k", query: "?sort=size", json: false },
  { label: "JSON, every entry", folder: "100k", query: "", json: true },
  { label: "name order (default)", folder: "10k", query: "", json: false },
];
const NGINX_VARIANTS: readonly Variant[] = [
  { label: "autoindex", folder: "100k", query: "", json: false },
  { label: "autoindex", folder: "10k", query: "", json: false },
];
/** Connections of the /hello load that stands for other clients. */
const HELLO_CONNECTIONS = 16;
/** Listings fetched at once in the concurrency measurement. */
const CONCURRENT_LISTINGS = 4;
/** How often the server's memory is read while it lists. */
const RSS_SAMPLE_MS = 10;
/** A listing slower than this has hung. */
const LISTING_TIMEOUT_SECONDS = 120;

const MiB = 1024 * 1024;

/** Runs the whole benchmark; returns the report (tables, then one JSON line). */
export async function runListingBench(options: ListingBenchOptions): Promise<string> {
  const root = await ensureListingFixtures();
  const launch = {
    root,
    taskset: options.tools.taskset,
    nginx: options.tools.nginx,
    lighttpd: options.tools.lighttpd,
  };
  const peers: [PeerName, readonly Variant[]][] = [["zhttp", ZHTTP_VARIANTS]];
  if (options.tools.nginx !== null) peers.push(["nginx", NGINX_VARIANTS]);

  const single: string[][] = [];
  const meanwhile: string[][] = [];
  const together: string[][] = [];
  const json: Record<string, unknown> = {};
  for (const [peer, variants] of peers) {
    await using server = await startServer(peer, launch);
    const idleRss = treeRssBytes(server.pid);
    const results: Record<string, unknown> = { idleRssMiB: round(idleRss / MiB) };
    for (const variant of variants) {
      console.log(`listing: ${peer} ${variant.folder} ${variant.label}…`);
      const runs = await repeat(options.runs + 1, () => fetchListing(server, variant, options));
      const measured = runs.slice(1); // The first warms caches up.
      const shown = shownEntries(peer, variant);
      const bytes = measured[0].bytes;
      const row = {
        ttfbMs: median(measured.map((run) => run.ttfbMs)),
        ttlbMs: median(measured.map((run) => run.ttlbMs)),
        cpuMs: median(measured.map((run) => run.cpuMs)),
        bytes,
        shown,
        peakRssMiB: Math.max(...measured.map((run) => run.peakRss)) / MiB,
      };
      results[`${variant.folder} ${variant.label}`] = round(row);
      single.push([
        PEER_LABELS[peer],
        `/${variant.folder}/${variant.query}${variant.json ? " (JSON)" : ""}`,
        variant.label,
        formatMs(row.ttfbMs),
        formatMs(row.ttlbMs),
        formatMs(row.cpuMs),
        `${(bytes / 1e6).toFixed(2)} MB`,
        shown.toLocaleString("en-US"),
        String(Math.round(bytes / shown)),
        `${row.peakRssMiB.toFixed(0)} MiB`,
      ]);
    }

    console.log(`listing: ${peer} /hello alone, then with listings of /100k/ back to back…`);
    const main = variants[0];
    const alone = await helloLoad(server, options);
    const loaded = await helloWhileListing(server, main, options);
    results.hello = { alone: round(alone), withListings: round(loaded) };
    meanwhile.push([
      PEER_LABELS[peer],
      String(loaded.listings),
      formatMs(loaded.listingMedianMs),
      Math.round(loaded.requestsPerSecond).toLocaleString("en-US"),
      formatMs(loaded.p50Ms),
      formatMs(loaded.p99Ms),
      formatMs(loaded.maxMs),
      `${formatMs(alone.p99Ms)} / ${formatMs(alone.maxMs)}`,
      `${(loaded.peakRss / MiB).toFixed(0)} MiB`,
    ]);

    console.log(`listing: ${peer} ${CONCURRENT_LISTINGS} listings of /100k/ at once…`);
    const bursts = await repeat(options.runs, () => listTogether(server, main, options));
    const burst = {
      allDoneMs: median(bursts.map((run) => run.allDoneMs)),
      fastestMs: median(bursts.map((run) => run.fastestMs)),
      peakRssMiB: Math.max(...bursts.map((run) => run.peakRss)) / MiB,
    };
    results.together = round(burst);
    together.push([
      PEER_LABELS[peer],
      formatMs(burst.fastestMs),
      formatMs(burst.allDoneMs),
      `${burst.peakRssMiB.toFixed(0)} MiB`,
      `${(idleRss / MiB).toFixed(0)} MiB`,
    ]);
    json[peer] = results;
  }

  const runs = `median of ${options.runs}`;
  return [
    `listing: one request at a time (${runs}; zhttp pages hold ${
      MAX_ENTRIES_PER_PAGE.toLocaleString("en-US")
    } entries)`,
    formatTable(
      [
        "server",
        "request",
        "",
        "TTFB",
        "TTLB",
        "server CPU",
        "size",
        "entries shown",
        "B/entry",
        "peak RSS",
      ],
      single,
    ),
    "",
    `listing: /hello from ${HELLO_CONNECTIONS} connections (wrk, ${options.durationSeconds} s) ` +
    `while /100k/ is listed back to back`,
    formatTable(
      [
        "server",
        "listings",
        "listing TTLB",
        "/hello req/s",
        "p50",
        "p99",
        "max",
        "alone p99 / max",
        "peak RSS",
      ],
      meanwhile,
    ),
    "",
    `listing: ${CONCURRENT_LISTINGS} listings of /100k/ at once (${runs})`,
    formatTable(["server", "first done", "all done", "peak RSS", "idle RSS"], together),
    "",
    JSON.stringify({ zhttpListingBench: json }),
  ].join("\n");
}

interface FetchResult {
  ttfbMs: number;
  ttlbMs: number;
  bytes: number;
  peakRss: number;
  /** CPU time the server spent on it: steadier than wall time on a shared machine. */
  cpuMs: number;
}

/** One curl on the client core, with the server's memory sampled meanwhile. */
async function fetchListing(
  server: RunningServer,
  variant: Variant,
  options: ListingBenchOptions,
): Promise<FetchResult> {
  const sampler = sampleRssPeak(server.pid, RSS_SAMPLE_MS);
  const cpuBefore = treeCpuSeconds(server.pid);
  try {
    const [result] = await curlAll(server, variant, 1, options);
    const cpuMs = (treeCpuSeconds(server.pid) - cpuBefore) * 1000;
    return { ...result, peakRss: sampler.stop(), cpuMs };
  } finally {
    sampler.stop();
  }
}

/** `count` curls started together; each one's times. */
async function curlAll(
  server: RunningServer,
  variant: Variant,
  count: number,
  options: ListingBenchOptions,
): Promise<Omit<FetchResult, "peakRss" | "cpuMs">[]> {
  const { tools } = options;
  const url = server.url(`/${variant.folder}/${variant.query}`);
  const args = [
    "-c",
    String(CLIENT_CORE),
    tools.curl,
    "-s",
    "--max-time",
    String(LISTING_TIMEOUT_SECONDS),
    ...(variant.json ? ["-H", "Accept: application/json"] : []),
    "-w",
    "%{time_starttransfer} %{time_total} %{size_download} %{http_code}\\n",
  ];
  for (let i = 0; i < count; i++) args.push("-o", "/dev/null", url);
  // One curl for all of them: --parallel starts every transfer at once.
  if (count > 1) args.splice(3, 0, "--parallel", "--parallel-immediate");
  const output = await new Deno.Command(tools.taskset, {
    args,
    stdin: "null",
    signal: options.signal,
  }).output();
  const lines = new TextDecoder().decode(output.stdout).trim().split("\n");
  if (output.code !== 0 || lines.length !== count) {
    throw new Error(`curl ${url} failed (exit ${output.code}): ${lines.join(" | ")}`);
  }
  return lines.map((line) => {
    const [ttfb, total, size, status] = line.split(" ").map(Number);
    if (status !== 200) throw new Error(`${url} answered ${status}`);
    return { ttfbMs: ttfb * 1000, ttlbMs: total * 1000, bytes: size };
  });
}

/** Four listings at once: when the first and the last finished, and the peak memory. */
async function listTogether(
  server: RunningServer,
  variant: Variant,
  options: ListingBenchOptions,
): Promise<{ fastestMs: number; allDoneMs: number; peakRss: number }> {
  const sampler = sampleRssPeak(server.pid, RSS_SAMPLE_MS);
  try {
    const results = await curlAll(server, variant, CONCURRENT_LISTINGS, options);
    const totals = results.map((result) => result.ttlbMs);
    return {
      fastestMs: Math.min(...totals),
      allDoneMs: Math.max(...totals),
      peakRss: sampler.stop(),
    };
  } finally {
    sampler.stop();
  }
}

interface HelloLatency {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

async function helloLoad(
  server: RunningServer,
  options: ListingBenchOptions,
): Promise<HelloLatency> {
  const { summary } = await runWrk({
    wrk: options.tools.wrk,
    taskset: options.tools.taskset,
    url: server.url("/hello"),
    connections: HELLO_CONNECTIONS,
    durationSeconds: options.durationSeconds,
    pipeline: 1,
    signal: options.signal,
  });
  if (summary.errors.status + summary.errors.timeout + summary.errors.connect > 0) {
    throw new Error(`/hello had errors: ${JSON.stringify(summary.errors)}`);
  }
  return {
    requestsPerSecond: summary.requests / (summary.durationUs / 1e6),
    p50Ms: summary.latencyUs.p50 / 1000,
    p99Ms: summary.latencyUs.p99 / 1000,
    maxMs: summary.latencyUs.max / 1000,
  };
}

/** /hello under wrk while listings of `variant` run one after another for as long. */
async function helloWhileListing(
  server: RunningServer,
  variant: Variant,
  options: ListingBenchOptions,
): Promise<HelloLatency & { listings: number; listingMedianMs: number; peakRss: number }> {
  const sampler = sampleRssPeak(server.pid, RSS_SAMPLE_MS);
  let stop = false;
  const totals: number[] = [];
  const listings = (async () => {
    while (!stop) {
      const [result] = await curlAll(server, variant, 1, options);
      totals.push(result.ttlbMs);
    }
  })();
  try {
    const hello = await helloLoad(server, options);
    return {
      ...hello,
      listings: totals.length,
      listingMedianMs: median(totals),
      peakRss: sampler.stop(),
    };
  } finally {
    stop = true;
    await listings;
    sampler.stop();
  }
}

/** What a page of `variant` shows: zhttp pages are capped, JSON and nginx are not. */
function shownEntries(peer: PeerName, variant: Variant): number {
  const entries = LISTING_FOLDERS[variant.folder];
  return peer === "zhttp" && !variant.json ? Math.min(entries, MAX_ENTRIES_PER_PAGE) : entries;
}

async function repeat<T>(times: number, run: () => Promise<T>): Promise<T[]> {
  const results: T[] = [];
  for (let i = 0; i < times; i++) results.push(await run());
  return results;
}

function formatMs(ms: number): string {
  return ms >= 100 ? `${Math.round(ms)} ms` : `${ms.toFixed(1)} ms`;
}

/** Numbers rounded to one decimal, for the JSON line. */
function round<T>(value: T): T {
  return JSON.parse(
    JSON.stringify(value, (_, v) => typeof v === "number" ? Math.round(v * 10) / 10 : v),
  );
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: { runs: { type: "string", default: "3" }, duration: { type: "string", default: "5" } },
  });
  const controller = new AbortController();
  Deno.addSignalListener("SIGINT", () => controller.abort());
  console.log(
    await runListingBench({
      runs: Number(values.runs),
      durationSeconds: Number(values.duration),
      tools: await findTools(),
      signal: controller.signal,
    }),
  );
  Deno.exit(0);
}
