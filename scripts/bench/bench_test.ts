/**
 * The bench's pure parts, from the raw text the tools print:
 *   deno test scripts/bench/bench_test.ts
 */
import assert from "node:assert/strict";
import { parseBenchArgs, UsageError } from "../bench.ts";
import { compareRounds, parseCompareArg } from "./compare.ts";
import { cpuTicks, rssBytes } from "./process_stats.ts";
import { type CpuProfile, selfTimes } from "./profile_summary.ts";
import {
  formatDownloadTable,
  formatLoadTable,
  formatTable,
  type LoadRow,
  summaryJson,
} from "./report.ts";
import { parseSsBytesReceived, spreadBetween } from "./spread.ts";
import { median, percentile } from "./stats.ts";
import { WORKLOADS } from "./workloads.ts";
import { NO_ERRORS, parseWrkSummary } from "./wrk.ts";

const WRK_OUTPUT = `Running 10s test @ http://127.0.0.1:8080/hello
  1 threads and 64 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     1.10ms    2.00ms  40.00ms   95.00%
  500000 requests in 10.00s, 70.00MB read
ZHTTP_BENCH_WRK {"requests":500000,"durationUs":10000000,"bytes":70000000,"requestBytes":46,"errors":{"connect":0,"read":0,"write":0,"status":2,"timeout":0},"latencyUs":{"p50":900,"p90":1500,"p99":22000,"max":40000}}
Requests/sec:  50000.00
Transfer/sec:      7.00MB
`;

Deno.test("parseWrkSummary() reads the done() line out of wrk's output", () => {
  const summary = parseWrkSummary(WRK_OUTPUT);
  assert.equal(summary.requests, 500000);
  assert.equal(summary.requestBytes, 46);
  assert.equal(summary.errors.status, 2);
  assert.deepEqual(summary.latencyUs, { p50: 900, p90: 1500, p99: 22000, max: 40000 });
});

Deno.test("parseWrkSummary() fails when wrk printed no summary", () => {
  assert.throws(() => parseWrkSummary("unable to connect to 127.0.0.1:1\n"), /no summary/);
});

const SS_OUTPUT = [
  "0      146    127.0.0.1:18080 127.0.0.1:45028",
  "\t bbr wscale:10,10 rto:204 bytes_sent:1786164 bytes_acked:1786018 bytes_received:562764 " +
  "segs_out:12235",
  "0      0      127.0.0.1:18080 127.0.0.1:45030",
  "\t bbr wscale:10,10 rto:204 minrtt:0.007 snd_wnd:65536",
  "0      0      127.0.0.1:18080 127.0.0.1:45032",
  "\t cubic bytes_received:46 segs_in:2",
  "",
].join("\n");

Deno.test("parseSsBytesReceived() keys each socket by peer, 0 when ss leaves the count out", () => {
  assert.deepEqual(
    parseSsBytesReceived(SS_OUTPUT),
    new Map([["127.0.0.1:45028", 562764], ["127.0.0.1:45030", 0], ["127.0.0.1:45032", 46]]),
  );
  assert.deepEqual(parseSsBytesReceived(""), new Map());
});

Deno.test("spreadBetween() counts requests per connection open at both samples", () => {
  const early = new Map([["a", 0], ["b", 460], ["c", 46]]);
  const late = new Map([["a", 4600], ["b", 920], ["c", 46], ["new", 9200]]);
  assert.deepEqual(spreadBetween(early, late, 46, 2), {
    connections: 3,
    windowSeconds: 2,
    min: 0,
    p10: 0,
    p50: 10,
    p90: 100,
    max: 100,
  });
});

Deno.test("spreadBetween() is null when no connection was in both samples", () => {
  assert.equal(spreadBetween(new Map([["a", 1]]), new Map([["b", 2]]), 46, 2), null);
});

Deno.test("median() and percentile() pick the expected values", () => {
  const cases: [number[], number][] = [[[3, 1, 2], 2], [[4, 1, 3, 2], 2.5], [[7], 7]];
  for (const [values, expected] of cases) assert.equal(median(values), expected, `${values}`);
  assert.ok(Number.isNaN(median([])));
  const sorted = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  const percentiles: [number, number][] = [[0, 1], [10, 1], [50, 5], [90, 9], [99, 10], [100, 10]];
  for (const [p, expected] of percentiles) assert.equal(percentile(sorted, p), expected, `p${p}`);
});

Deno.test("rssBytes() reads VmRSS from /proc/<pid>/status, 0 when the process is gone", () => {
  const status = "Name:\tdeno\nVmPeak:\t 9000 kB\nVmRSS:\t   48212 kB\nRssAnon:\t 30000 kB\n";
  assert.equal(rssBytes(status), 48212 * 1024);
  assert.equal(rssBytes(""), 0);
});

Deno.test("cpuTicks() adds utime and stime, even when the name holds spaces and parens", () => {
  const rest = "S 1 1 1 0 -1 4194304 100 0 0 0 250 50 0 0 20 0 6 0 224392 3133440 390";
  const cases: [string, number][] = [
    [`1234 (deno) ${rest}`, 300],
    [`1234 (tokio (runtime) 1) ${rest}`, 300],
    ["", 0],
  ];
  for (const [stat, expected] of cases) assert.equal(cpuTicks(stat), expected, stat);
});

Deno.test("parseBenchArgs() applies defaults and splits --only lists", () => {
  assert.deepEqual(parseBenchArgs([]), {
    durationSeconds: 10,
    runs: 3,
    only: [],
    cpuProfileDir: undefined,
    compare: undefined,
  });
  assert.deepEqual(
    parseBenchArgs(["--only", "hello,file-1k", "--only", "parser", "--duration", "5"]),
    {
      durationSeconds: 5,
      runs: 3,
      only: ["hello", "file-1k", "parser"],
      cpuProfileDir: undefined,
      compare: undefined,
    },
  );
  assert.equal(parseBenchArgs(["--help"]), "help");
  assert.deepEqual((parseBenchArgs(["--compare", "main,."]) as { compare: unknown }).compare, [
    "main",
    ".",
  ]);
});

Deno.test("parseBenchArgs() rejects unknown workloads and bad numbers with UsageError", () => {
  const cases: [string[], RegExp][] = [
    [["--only", "helo"], /unknown workload helo/],
    [["--duration", "0"], /--duration takes a whole number/],
    [["--runs", "2.5"], /--runs takes a whole number/],
    [["--frobnicate"], /frobnicate/],
  ];
  for (const [args, message] of cases) {
    assert.throws(() => parseBenchArgs(args), (error: unknown) => {
      assert.ok(error instanceof UsageError);
      assert.match(error.message, message);
      return true;
    }, args.join(" "));
  }
});

Deno.test("formatTable() pads columns: first left-aligned, the rest right-aligned", () => {
  assert.equal(
    formatTable(["server", "req/s"], [["zhttp", "100,000"], ["nginx", "9"]]),
    [
      "server    req/s",
      "------  -------",
      "zhttp   100,000",
      "nginx         9",
    ].join("\n"),
  );
});

/** A measured load row of `peer`: its rate, and unremarkable numbers for the rest. */
function loadRow(
  peer: LoadRow["peer"],
  requestsPerSecond: number,
  overrides: Partial<LoadRow> = {},
): LoadRow {
  return {
    peer,
    requestsPerSecond,
    megabytesPerSecond: 1,
    bytesPerResponse: 0,
    p50Ms: 1,
    p99Ms: 2,
    maxMs: 50,
    cpuShare: 1,
    wrkCpuShare: 0.5,
    othersOnServerCore: 0,
    othersOnClientCore: 0,
    errors: NO_ERRORS,
    spread: null,
    ...overrides,
  };
}

Deno.test("summaryJson() gives zhttp's ratio to each peer, null where a peer measured 0", () => {
  const hello = WORKLOADS.find((workload) => workload.name === "hello");
  assert.ok(hello?.kind === "load");
  const row = (peer: LoadRow["peer"], requestsPerSecond: number, p99Ms: number) =>
    loadRow(peer, requestsPerSecond, { p99Ms, bytesPerResponse: 130 });
  const json = JSON.parse(summaryJson(
    [{
      kind: "load",
      workload: hello,
      rows: [row("zhttp", 90_000, 4), row("deno-hello", 100_000, 0), row("nginx", 45_000, 2)],
    }],
    { commit: "abc1234", dirty: false, durationSeconds: 10, runs: 3 },
  ));
  assert.deepEqual(json.zhttpBench.workloads.hello.ratios, {
    "zhttp/deno-hello": 0.9,
    "zhttp/deno-hello p99": null,
    "zhttp/nginx": 2,
    "zhttp/nginx p99": 2,
    // Against the fastest peer of the row: what a user would quote.
    strongest: 0.9,
  });
  assert.equal(json.zhttpBench.workloads.hello.strongest, "deno-hello");
});

Deno.test("summaryJson() takes hello-fetch's ratios to the fetch adapter", () => {
  const helloFetch = WORKLOADS.find((workload) => workload.name === "hello-fetch");
  assert.ok(helloFetch?.kind === "load");
  const row = (peer: LoadRow["peer"], requestsPerSecond: number) =>
    loadRow(peer, requestsPerSecond);
  const json = JSON.parse(summaryJson(
    [{
      kind: "load",
      workload: helloFetch,
      rows: [row("zhttp-fetch", 40_000), row("zhttp-native", 80_000), row("deno-fetch", 50_000)],
    }],
    { commit: "abc1234", dirty: false, durationSeconds: 5, runs: 3 },
  ));
  assert.deepEqual(json.zhttpBench.workloads["hello-fetch"].ratios, {
    "zhttp-fetch/zhttp-native": 0.5,
    strongest: 0.5,
    "zhttp-fetch/zhttp-native p99": 1,
    "zhttp-fetch/deno-fetch": 0.8,
    "zhttp-fetch/deno-fetch p99": 1,
  });
});

Deno.test("selfTimes() sums sample time per function and per file, largest first", () => {
  const frame = (functionName: string, url: string, lineNumber: number) => ({
    functionName,
    url,
    lineNumber,
  });
  const profile: CpuProfile = {
    nodes: [
      { id: 1, callFrame: frame("(idle)", "", -1) },
      { id: 2, callFrame: frame("parse", "file:///repo/lib/http/parser.ts", 9) },
      { id: 3, callFrame: frame("", "file:///repo/lib/http/parser.ts", 99) },
    ],
    samples: [1, 2, 2, 3, 1],
    timeDeltas: [100, 300, 300, 50, 100],
  };
  const { functions, files } = selfTimes(profile, "file:///repo/");
  assert.deepEqual(functions, [
    { name: "parse lib/http/parser.ts:10", microseconds: 600 },
    { name: "(idle)", microseconds: 200 },
    { name: "(anonymous) lib/http/parser.ts:100", microseconds: 50 },
  ]);
  assert.deepEqual(files, [
    { name: "lib/http/parser.ts", microseconds: 650 },
    { name: "(idle)", microseconds: 200 },
  ]);
});

Deno.test("formatLoadTable() names each kind of wrk error and gives zhttp's ratios", () => {
  const file = WORKLOADS.find((workload) => workload.name === "file-1k");
  assert.ok(file?.kind === "load");
  const base = {
    megabytesPerSecond: 1,
    bytesPerResponse: 1164,
    p50Ms: 1,
    maxMs: 9,
    cpuShare: 1,
    wrkCpuShare: 0.5,
    othersOnServerCore: 0,
    othersOnClientCore: 0.25,
    spread: null,
  };
  const table = formatLoadTable(file, [
    {
      ...base,
      peer: "zhttp",
      requestsPerSecond: 50_000,
      p99Ms: 3,
      errors: { ...NO_ERRORS, read: 378, timeout: 2 },
    },
    { ...base, peer: "nginx", requestsPerSecond: 100_000, p99Ms: 1.5, errors: NO_ERRORS },
  ], { commit: "abc1234", dirty: false, durationSeconds: 10, runs: 3 });
  const [zhttpLine, nginxLine, versusLine] = table.split("\n").slice(3);
  assert.match(zhttpLine, /^zhttp .* 50,000 .* 0% \/ 25% +378 read, 2 timeout$/);
  assert.match(nginxLine, /^nginx \(sendfile\) .* 100,000 .* 0 +0\.50x +2\.00x$/);
  assert.equal(versusLine, "zhttp ÷ the strongest peer (nginx (sendfile)): 0.50x req/s");
});

Deno.test("parseCompareArg() takes exactly two revisions", () => {
  assert.deepEqual(parseCompareArg("main,HEAD"), ["main", "HEAD"]);
  assert.deepEqual(parseCompareArg(" main , . "), ["main", "."]);
  for (const bad of ["main", "a,b,c", ",HEAD", ""]) {
    assert.throws(() => parseCompareArg(bad), /two revisions/, bad);
  }
  assert.throws(() => parseBenchArgs(["--compare", "main"]), UsageError);
});

Deno.test("compareRounds() alternates the order and reports per-round ratios", async () => {
  const hello = WORKLOADS.find((workload) => workload.name === "hello");
  assert.ok(hello?.kind === "load");
  const order: string[] = [];
  // A drift that doubles everything from round 2 on: per-round ratios stay exact.
  const result = await compareRounds(hello, 4, (side, round) => {
    order.push(`${side}${round}`);
    const drift = round >= 2 ? 2 : 1;
    return Promise.resolve((side === "a" ? 100 : 110) * drift);
  });
  assert.deepEqual(order, ["a1", "b1", "b2", "a2", "a3", "b3", "b4", "a4"]);
  assert.deepEqual(result.a, [100, 200, 200, 200]);
  assert.deepEqual(result.ratios.map((ratio) => ratio.toFixed(2)), [
    "1.10",
    "1.10",
    "1.10",
    "1.10",
  ]);
});

Deno.test("formatDownloadTable() shows the bytes on the wire and their coding", () => {
  const download = WORKLOADS.find((workload) => workload.name === "download-100m-text-br");
  assert.ok(download?.kind === "download");
  assert.deepEqual(download.headers, { "Accept-Encoding": "br, gzip" });
  const table = formatDownloadTable(download, [
    {
      peer: "zhttp",
      bytesPerSecond: 120e6,
      wireBytes: 36 * 1024 * 1024,
      contentEncoding: "br",
      rssGrowthBytes: 70 * 1024 * 1024,
    },
    {
      peer: "nginx-gzip",
      bytesPerSecond: 100e6,
      wireBytes: 40 * 1024 * 1024,
      contentEncoding: "gzip",
      rssGrowthBytes: 0,
    },
  ], { commit: "abc1234", dirty: false, durationSeconds: 10, runs: 3 });
  const [zhttpLine, nginxLine] = table.split("\n").slice(3);
  assert.match(zhttpLine, /^zhttp +120 +36\.0 MiB br +70\.0 MiB$/);
  assert.match(nginxLine, /^nginx gzip on +100 +40\.0 MiB gzip +0\.0 MiB +1\.20x$/);
});
