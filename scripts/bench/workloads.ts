/** What the bench measures: each workload, its load shape, and the peers it compares. */
import { type FixtureName, FIXTURES } from "./fixtures.ts";
import type { PeerName } from "./servers.ts";

/** A wrk load: many keep-alive connections hammering one path. */
export interface LoadWorkload {
  kind: "load";
  name: string;
  path: string;
  connections: number;
  /** Requests per write (1: no pipelining). */
  pipeline: number;
  /** The figure the table leads with. */
  unit: "req/s" | "MB/s";
  /** Also measure how evenly requests spread over connections (see spread.ts). */
  spread: boolean;
  /** Over TLS: every server serves the bench's one certificate (tls_files.ts). */
  tls: boolean;
  /** Each request on a new connection (`Connection: close`): connections per second. */
  closeEach: boolean;
  peers: PeerName[];
}

/** One large curl download, with the server's memory sampled. */
export interface DownloadWorkload {
  kind: "download";
  name: string;
  file: FixtureName;
  /** Over TLS (see LoadWorkload). */
  tls: boolean;
  peers: PeerName[];
}

/** The head parser micro-benchmark (`deno bench`), printed as it comes. */
export interface ParserWorkload {
  kind: "parser";
  name: "parser";
}

export type Workload = LoadWorkload | DownloadWorkload | ParserWorkload;

/** The depth DESIGN.md measured pipelining at (the ≥ 5x Deno.serve goal). */
export const PIPELINE_DEPTH = 16;

const HELLO_PEERS: PeerName[] = ["zhttp", "deno-hello", "deno-hello-simple", "nginx-tuned"];
const FILE_PEERS: PeerName[] = ["zhttp", "deno-files", "nginx", "nginx-tuned", "lighttpd"];
/** Over TLS: Deno.serve with the same certificate, and nginx with `ssl`, one worker. */
const TLS_HELLO_PEERS: PeerName[] = ["zhttp", "deno-hello", "nginx"];
const TLS_FILE_PEERS: PeerName[] = ["zhttp", "deno-files", "nginx"];

export const WORKLOADS: readonly Workload[] = [
  { kind: "parser", name: "parser" },
  load("hello", "/hello", 64, 1, "req/s", HELLO_PEERS),
  load("hello-pipelined", "/hello", 64, PIPELINE_DEPTH, "req/s", HELLO_PEERS),
  load("file-1k", "/1k.bin", 64, 1, "req/s", FILE_PEERS),
  { ...load("file-1k-1000c", "/1k.bin", 1000, 1, "req/s", FILE_PEERS), spread: true },
  load("file-100k", "/100k.bin", 64, 1, "MB/s", FILE_PEERS),
  download("download-100m", "100m.bin", FILE_PEERS),
  download("download-1g", "1g.bin", FILE_PEERS),
  { ...load("hello-tls", "/hello", 64, 1, "req/s", TLS_HELLO_PEERS), tls: true },
  { ...load("file-1k-tls", "/1k.bin", 64, 1, "req/s", TLS_FILE_PEERS), tls: true },
  // New connections per second: wrk resumes TLS sessions on reconnect, as browsers do.
  {
    ...load("connect-tls", "/hello", 64, 1, "req/s", TLS_HELLO_PEERS),
    tls: true,
    closeEach: true,
  },
  { ...download("download-1g-tls", "1g.bin", TLS_FILE_PEERS), tls: true },
];

export const WORKLOAD_NAMES: readonly string[] = WORKLOADS.map((workload) => workload.name);

/** Size of a download workload's file. */
export function downloadBytes(workload: DownloadWorkload): number {
  return FIXTURES[workload.file];
}

function load(
  name: string,
  path: string,
  connections: number,
  pipeline: number,
  unit: LoadWorkload["unit"],
  peers: PeerName[],
): LoadWorkload {
  return {
    kind: "load",
    name,
    path,
    connections,
    pipeline,
    unit,
    spread: false,
    tls: false,
    closeEach: false,
    peers,
  };
}

function download(name: string, file: FixtureName, peers: PeerName[]): DownloadWorkload {
  return { kind: "download", name, file, tls: false, peers };
}
