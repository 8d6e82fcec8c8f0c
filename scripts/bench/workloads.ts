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
  /** Header fields wrk adds to every request (the same for every peer). */
  headers?: Record<string, string>;
}

/** One large curl download, with the server's memory sampled. */
export interface DownloadWorkload {
  kind: "download";
  name: string;
  file: FixtureName;
  /** Over TLS (see LoadWorkload). */
  tls: boolean;
  peers: PeerName[];
  /** Request fields curl sends; with Accept-Encoding, the body on the wire is encoded. */
  headers?: Record<string, string>;
}

/** The head parser micro-benchmark (`deno bench`), printed as it comes. */
export interface ParserWorkload {
  kind: "parser";
  name: "parser";
}

/** Folder listings of 100,000 and 10,000 files against nginx's autoindex (listing.ts). */
export interface ListingWorkload {
  kind: "listing";
  name: "listing";
}

export type Workload = LoadWorkload | DownloadWorkload | ParserWorkload | ListingWorkload;

/** The depth DESIGN.md measured pipelining at (the ≥ 5x Deno.serve goal). */
export const PIPELINE_DEPTH = 16;

/**
 * The login of the zhttp-auth peer (servers.ts), sent by every request of the auth workload
 * to both peers: zhttp without --auth ignores the field, so both read the same bytes.
 */
export const BENCH_LOGIN = { user: "bench", password: "bench-password" };

const HELLO_PEERS: PeerName[] = ["zhttp", "deno-hello", "deno-hello-simple", "nginx-tuned"];
const FILE_PEERS: PeerName[] = ["zhttp", "deno-files", "nginx", "nginx-tuned", "lighttpd"];
/** The fetch adapter first: its ratios to the others are the point of the workload. */
const FETCH_PEERS: PeerName[] = ["zhttp-fetch", "zhttp-native", "deno-fetch"];
/** What a browser of today sends, less zstd (which nginx cannot make). */
const BROWSER_ENCODINGS = { "Accept-Encoding": "br, gzip" };
/** Over TLS: Deno.serve with the same certificate, and nginx with `ssl`, one worker. */
const TLS_HELLO_PEERS: PeerName[] = ["zhttp", "deno-hello", "nginx"];
const TLS_FILE_PEERS: PeerName[] = ["zhttp", "deno-files", "nginx"];

export const WORKLOADS: readonly Workload[] = [
  { kind: "parser", name: "parser" },
  load("hello", "/hello", 64, 1, "req/s", HELLO_PEERS),
  load("hello-pipelined", "/hello", 64, PIPELINE_DEPTH, "req/s", HELLO_PEERS),
  load("hello-fetch", "/hello", 64, 1, "req/s", FETCH_PEERS),
  load("file-1k", "/1k.bin", 64, 1, "req/s", FILE_PEERS),
  { ...load("file-1k-1000c", "/1k.bin", 1000, 1, "req/s", FILE_PEERS), spread: true },
  load("file-100k", "/100k.bin", 64, 1, "MB/s", FILE_PEERS),
  // What a logged-in browser costs: the remembered verification, not scrypt per request.
  {
    ...load("file-1k-auth", "/1k.bin", 64, 1, "req/s", ["zhttp", "zhttp-auth"]),
    headers: { Authorization: `Basic ${btoa(`${BENCH_LOGIN.user}:${BENCH_LOGIN.password}`)}` },
  },
  download("download-100m", "100m.bin", FILE_PEERS),
  download("download-1g", "1g.bin", FILE_PEERS),
  { kind: "listing", name: "listing" },
  // zhttp encodes with brotli (kept at quality 11 after the first request); nginx with gzip,
  // per request (gzip on) or from the .gz beside the file (gzip_static on).
  {
    ...load("js-100k-br", "/100k.js", 64, 1, "req/s", [
      "zhttp",
      "nginx-gzip",
      "nginx-gzip-static",
    ]),
    headers: BROWSER_ENCODINGS,
  },
  {
    ...download("download-100m-text-br", "100m.txt", ["zhttp", "nginx-gzip"]),
    headers: BROWSER_ENCODINGS,
  },
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
