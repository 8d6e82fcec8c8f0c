/**
 * Results → what a person reads (one table per workload, ratios to the peers of the same
 * run) and what gets pasted into issue notes (one JSON line).
 */
import { PEER_LABELS, type PeerName } from "./servers.ts";
import type { Spread } from "./spread.ts";
import type { DownloadWorkload, LoadWorkload } from "./workloads.ts";
import type { WrkErrors } from "./wrk.ts";

/** Medians over the runs of one load workload for one server. */
export interface LoadRow {
  peer: PeerName;
  requestsPerSecond: number;
  megabytesPerSecond: number;
  /** Response bytes (head and body) per request: what the wire carried. */
  bytesPerResponse: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Server CPU seconds per second of load: 1 means its core was saturated. */
  cpuShare: number;
  /** The same for wrk: near 1 means the client, not the server, set the pace. */
  wrkCpuShare: number;
  /**
   * CPU seconds per second that other programs took on the server's core and on wrk's core:
   * the noise of a shared machine. High values make the row's numbers doubtful.
   */
  othersOnServerCore: number;
  othersOnClientCore: number;
  /** wrk errors (sockets, timeouts, statuses ≥ 400) summed over all runs. */
  errors: WrkErrors;
  spread: Spread | null;
}

export interface DownloadRow {
  peer: PeerName;
  /** Median over the runs: the file's bytes per second (encoded or not). */
  bytesPerSecond: number;
  /** Body bytes on the wire (the last run's), and their Content-Encoding ("" for none). */
  wireBytes: number;
  contentEncoding: string;
  /** Highest server RSS during any run, minus its RSS when idle before the first. */
  rssGrowthBytes: number;
}

export type WorkloadResult =
  | { kind: "load"; workload: LoadWorkload; rows: LoadRow[] }
  | { kind: "download"; workload: DownloadWorkload; rows: DownloadRow[] };

export interface RunFacts {
  commit: string;
  dirty: boolean;
  durationSeconds: number;
  runs: number;
}

const MiB = 1024 * 1024;

export function formatLoadTable(workload: LoadWorkload, rows: LoadRow[], facts: RunFacts): string {
  const zhttp = rows.find((row) => row.peer === ratioBase(workload));
  const baseLabel = PEER_LABELS[ratioBase(workload)];
  const lead = (row: LoadRow) =>
    workload.unit === "req/s" ? row.requestsPerSecond : row.megabytesPerSecond;
  const pipelined = workload.pipeline > 1 ? `, ${workload.pipeline} pipelined per write` : "";
  const title = `${workload.name}: GET ${workload.path}, ${workload.connections} connections` +
    `${pipelined} (median of ${facts.runs} × ${facts.durationSeconds} s)`;
  const table = formatTable(
    [
      "server",
      "req/s",
      "MB/s",
      "B/response",
      "p50",
      "p99",
      "max",
      "server cpu",
      "wrk cpu",
      "others on cores (server/wrk)",
      "errors",
      `${baseLabel} ${workload.unit} ÷`,
      `${baseLabel} p99 ÷`,
    ],
    rows.map((row) => [
      PEER_LABELS[row.peer],
      formatCount(row.requestsPerSecond),
      row.megabytesPerSecond.toFixed(1),
      formatCount(row.bytesPerResponse),
      formatMs(row.p50Ms),
      formatMs(row.p99Ms),
      formatMs(row.maxMs),
      formatPercent(row.cpuShare),
      formatPercent(row.wrkCpuShare),
      `${formatPercent(row.othersOnServerCore)} / ${formatPercent(row.othersOnClientCore)}`,
      formatErrors(row.errors),
      ratioCell(zhttp, row, lead),
      ratioCell(zhttp, row, (r) => r.p99Ms),
    ]),
  );
  const versus = strongestLine(rows, lead, workload.unit, ratioBase(workload));
  const spreadRows = rows.flatMap(({ peer, spread }) =>
    spread === null ? [] : [[
      PEER_LABELS[peer],
      String(spread.connections),
      `${spread.windowSeconds.toFixed(1)} s`,
      ...[spread.min, spread.p10, spread.p50, spread.p90, spread.max].map(formatCount),
    ]]
  );
  if (spreadRows.length === 0) return `${title}\n${table}${versus}`;
  const spreadTable = formatTable(
    ["server", "connections", "window", "min", "p10", "p50", "p90", "max"],
    spreadRows,
  );
  return `${title}\n${table}${versus}\n\nrequests served per connection during the window ` +
    `(server-side bytes received ÷ request size, from ss)\n${spreadTable}`;
}

export function formatDownloadTable(
  workload: DownloadWorkload,
  rows: DownloadRow[],
  facts: RunFacts,
): string {
  const zhttp = rows.find((row) => row.peer === "zhttp");
  const title = `${workload.name}: one curl download of /${workload.file} ` +
    `(median of ${facts.runs}; RSS growth = peak during the downloads − idle)`;
  const table = formatTable(
    ["server", "MB/s", "on the wire", "RSS growth", "zhttp MB/s ÷"],
    rows.map((row) => [
      PEER_LABELS[row.peer],
      formatCount(row.bytesPerSecond / 1e6),
      `${(row.wireBytes / MiB).toFixed(1)} MiB${
        row.contentEncoding ? ` ${row.contentEncoding}` : ""
      }`,
      `${(row.rssGrowthBytes / MiB).toFixed(1)} MiB`,
      ratioCell(zhttp, row, (r) => r.bytesPerSecond),
    ]),
  );
  return `${title}\n${table}${strongestLine(rows, (row) => row.bytesPerSecond / 1e9, "GB/s")}`;
}

/**
 * The peer a user would compare against: the fastest one in the row, which is what each
 * zhttp ratio is reported against.
 */
export function strongestPeer<Row extends { peer: PeerName }>(
  rows: readonly Row[],
  lead: (row: Row) => number,
  base: PeerName = "zhttp",
): Row | undefined {
  let strongest: Row | undefined;
  for (const row of rows) {
    if (row.peer === base) continue;
    if (strongest === undefined || lead(row) > lead(strongest)) strongest = row;
  }
  return strongest;
}

function strongestLine<Row extends { peer: PeerName }>(
  rows: readonly Row[],
  lead: (row: Row) => number,
  unit: string,
  base: PeerName = "zhttp",
): string {
  const zhttp = rows.find((row) => row.peer === base);
  const strongest = strongestPeer(rows, lead, base);
  if (zhttp === undefined || strongest === undefined) return "";
  return `\n${PEER_LABELS[base]} ÷ the strongest peer (${PEER_LABELS[strongest.peer]}): ` +
    `${(lead(zhttp) / lead(strongest)).toFixed(2)}x ${unit}`;
}

/** One line of JSON with the medians and ratios, for issue notes. */
export function summaryJson(results: WorkloadResult[], facts: RunFacts): string {
  const workloads: Record<string, unknown> = {};
  for (const result of results) {
    const entry: Record<string, unknown> = {};
    const ratios: Record<string, number | null> = {};
    if (result.kind === "load") {
      const lead = (row: LoadRow) =>
        result.workload.unit === "req/s" ? row.requestsPerSecond : row.megabytesPerSecond;
      const base = ratioBase(result.workload);
      const zhttp = result.rows.find((row) => row.peer === base);
      for (const row of result.rows) {
        entry[row.peer] = {
          rps: Math.round(row.requestsPerSecond),
          mbps: round(row.megabytesPerSecond, 1),
          bytesPerResponse: Math.round(row.bytesPerResponse),
          p99Ms: round(row.p99Ms, 2),
          cpu: round(row.cpuShare, 2),
          wrkCpu: round(row.wrkCpuShare, 2),
          othersCpu: [round(row.othersOnServerCore, 2), round(row.othersOnClientCore, 2)],
          errors: row.errors,
          ...(row.spread === null ? {} : { perConnection: row.spread }),
        };
        if (zhttp !== undefined && row !== zhttp) {
          ratios[`${base}/${row.peer}`] = ratio(lead(zhttp), lead(row));
          ratios[`${base}/${row.peer} p99`] = ratio(zhttp.p99Ms, row.p99Ms);
        }
      }
      const strongest = strongestPeer(result.rows, lead, base);
      if (zhttp !== undefined && strongest !== undefined) {
        ratios.strongest = ratio(lead(zhttp), lead(strongest));
        entry.strongest = strongest.peer;
      }
    } else {
      const zhttp = result.rows.find((row) => row.peer === "zhttp");
      for (const row of result.rows) {
        entry[row.peer] = {
          gbps: round(row.bytesPerSecond / 1e9, 3),
          wireMiB: round(row.wireBytes / MiB, 1),
          ...(row.contentEncoding === "" ? {} : { contentEncoding: row.contentEncoding }),
          rssGrowthMiB: round(row.rssGrowthBytes / MiB, 1),
        };
        if (zhttp !== undefined && row !== zhttp) {
          ratios[`zhttp/${row.peer}`] = ratio(zhttp.bytesPerSecond, row.bytesPerSecond);
        }
      }
      const strongest = strongestPeer(result.rows, (row) => row.bytesPerSecond);
      if (zhttp !== undefined && strongest !== undefined) {
        ratios.strongest = ratio(zhttp.bytesPerSecond, strongest.bytesPerSecond);
        entry.strongest = strongest.peer;
      }
    }
    workloads[result.workload.name] = { ...entry, ratios };
  }
  return JSON.stringify({ zhttpBench: { ...facts, workloads } });
}

/**
 * The server a load workload's ratios are taken to: its first peer, which is zhttp, or for
 * hello-fetch the fetch adapter (its overhead against the native handler and Deno.serve).
 */
function ratioBase(workload: LoadWorkload): PeerName {
  return workload.peers[0];
}

/** Columns padded to their widest cell; the first left-aligned, the rest right-aligned. */
export function formatTable(headers: string[], rows: string[][]): string {
  const widths = headers.map((header, column) =>
    Math.max(header.length, ...rows.map((row) => row[column].length))
  );
  const line = (cells: string[]) =>
    cells.map((cell, column) =>
      column === 0 ? cell.padEnd(widths[column]) : cell.padStart(widths[column])
    ).join("  ").trimEnd();
  return [line(headers), line(widths.map((width) => "-".repeat(width))), ...rows.map(line)]
    .join("\n");
}

function ratioCell<Row>(zhttp: Row | undefined, row: Row, value: (row: Row) => number): string {
  if (zhttp === undefined || row === zhttp) return "";
  const ratio = value(zhttp) / value(row);
  return Number.isFinite(ratio) ? `${ratio.toFixed(2)}x` : "n/a";
}

/** "0", or each kind that happened: "378 read, 2 timeout". */
function formatErrors(errors: WrkErrors): string {
  const kinds = Object.entries(errors).filter(([, count]) => count > 0);
  return kinds.length === 0 ? "0" : kinds.map(([kind, count]) => `${count} ${kind}`).join(", ");
}

function formatPercent(share: number): string {
  return `${Math.round(share * 100)}%`;
}

function formatCount(value: number): string {
  return Math.round(value).toLocaleString("en-US");
}

function formatMs(ms: number): string {
  if (ms >= 100) return `${Math.round(ms)} ms`;
  return `${ms.toFixed(ms >= 10 ? 1 : 2)} ms`;
}

/** A ratio for JSON: null instead of Infinity or NaN, which JSON cannot hold. */
function ratio(numerator: number, denominator: number): number | null {
  const value = numerator / denominator;
  return Number.isFinite(value) ? round(value, 2) : null;
}

function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}
