/**
 * The servers under test, each a fresh child process pinned to the server core, waited for
 * until it answers HTTP, and always stopped and awaited afterwards (`await using`).
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { serverPermissions } from "../permissions.ts";
import { V8_FLAGS_ARG } from "../v8_flags.ts";
import { commandName } from "./process_stats.ts";
import { BENCH_LOGIN } from "./workloads.ts";
import type { TlsFiles } from "./tls_files.ts";

/** Every server runs on this core; wrk and curl get the other one. */
export const SERVER_CORE = 0;
/** A server that does not answer within this long after spawning has failed to start. */
export const START_TIMEOUT_MS = 15_000;
/** After SIGTERM, how long a server may take to exit before it gets SIGKILL. */
export const STOP_TIMEOUT_MS = 5_000;
/** How long one readiness probe waits for the first response bytes. */
const PROBE_TIMEOUT_MS = 1_000;
const PROBE_INTERVAL_MS = 50;
/** How much of a server's stderr is kept to explain a failed start. */
const STDERR_TAIL_CHARS = 4_000;

export type PeerName =
  | "zhttp"
  | "zhttp-auth"
  | "deno-hello"
  | "deno-hello-simple"
  | "deno-files"
  | "nginx"
  | "nginx-tuned"
  | "lighttpd"
  | "zhttp-native"
  | "zhttp-fetch"
  | "deno-fetch"
  | "nginx-gzip"
  | "nginx-gzip-static";

/** Peers that are native programs, skipped (not failed) when not installed. */
export const NATIVE_PEERS = ["nginx", "nginx-tuned", "lighttpd"] as const;

/** How to launch one peer; `root` is the fixture folder every file server serves. */
export interface LaunchOptions {
  root: string;
  taskset: string;
  nginx: string | null;
  lighttpd: string | null;
  /** When set, zhttp runs with `--cpu-prof` and writes its profile here on exit. */
  cpuProfileDir?: string;
  /** The checkout zhttp runs from (its main.ts); the repository itself by default. */
  zhttpDir?: string;
  /** Serve HTTPS with this certificate instead of HTTP. */
  tls?: Omit<TlsFiles, typeof Symbol.asyncDispose>;
}

/** What the tables call each peer. */
export const PEER_LABELS: Record<PeerName, string> = {
  zhttp: "zhttp",
  "zhttp-auth": "zhttp --auth",
  "deno-hello": "Deno.serve hello",
  "deno-hello-simple": "Deno.serve simplest",
  "deno-files": "Deno.serve files",
  nginx: "nginx (sendfile)",
  "nginx-tuned": "nginx tuned",
  lighttpd: "lighttpd",
  "zhttp-native": "zhttp native handler",
  "zhttp-fetch": "zhttp fetchHandler()",
  "deno-fetch": "Deno.serve, same handler",
  "nginx-gzip": "nginx gzip on",
  "nginx-gzip-static": "nginx gzip_static on",
};

/**
 * nginx's compression as a site would set it up: `gzip on` for the types we compress (at
 * its default level, 1), or the precompressed .gz beside the file; Vary either way.
 */
const NGINX_COMPRESSION: Record<"nginx-gzip" | "nginx-gzip-static", string> = {
  "nginx-gzip": "gzip on; gzip_vary on; gzip_types application/javascript text/plain;",
  "nginx-gzip-static": "gzip_static on; gzip_vary on;",
};

const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
const BENCH_DIR = fileURLToPath(new URL("./", import.meta.url));

/** A started server; `await using` stops it whatever happens in between. */
export class RunningServer implements AsyncDisposable {
  readonly #child: Deno.ChildProcess;
  readonly #cleanup: () => Promise<void>;
  #stopped: Promise<void> | null = null;

  constructor(
    readonly name: PeerName,
    readonly port: number,
    child: Deno.ChildProcess,
    cleanup: () => Promise<void>,
    readonly secure = false,
  ) {
    this.#child = child;
    this.#cleanup = cleanup;
  }

  /** The server process itself (taskset execs it, so it keeps the spawned pid). */
  get pid(): number {
    return this.#child.pid;
  }

  url(urlPath: string): string {
    return `${this.secure ? "https" : "http"}://127.0.0.1:${this.port}${urlPath}`;
  }

  stop(): Promise<void> {
    this.#stopped ??= this.#stop();
    return this.#stopped;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }

  async #stop(): Promise<void> {
    try {
      if (!(await exitsWithin(this.#child, "SIGTERM", STOP_TIMEOUT_MS))) {
        await exitsWithin(this.#child, "SIGKILL", STOP_TIMEOUT_MS);
      }
    } finally {
      await this.#cleanup();
    }
  }
}

/** Starts a peer on a free loopback port and returns once it answers HTTP. */
export async function startServer(name: PeerName, options: LaunchOptions): Promise<RunningServer> {
  const port = freePort();
  const launch = await launchCommand(name, port, options);
  const child = new Deno.Command(options.taskset, {
    args: ["-c", String(SERVER_CORE), launch.program, ...launch.args],
    cwd: launch.cwd ?? REPO_ROOT,
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const stderr = collectTail(child.stderr);
  const server = new RunningServer(name, port, child, launch.cleanup, options.tls !== undefined);
  try {
    const ca = options.tls === undefined ? null : await Deno.readTextFile(options.tls.caFile);
    await waitUntilAnswering(child, port, launch.probePath, stderr, ca);
    // RSS and CPU are read from this pid, so it must be the server, not a wrapper.
    const running = commandName(child.pid);
    if (running !== launch.expectedCommand) {
      throw new Error(`${name}: pid ${child.pid} runs ${running}, not ${launch.expectedCommand}`);
    }
    return server;
  } catch (error) {
    await server.stop();
    throw error;
  }
}

interface Launch {
  program: string;
  args: string[];
  /** What /proc/<pid>/comm must say once it runs. */
  expectedCommand: string;
  /** A path that answers once the server is ready. */
  probePath: string;
  /** Where it runs; the repository by default. */
  cwd?: string;
  cleanup: () => Promise<void>;
}

async function launchCommand(name: PeerName, port: number, options: LaunchOptions) {
  const deno = Deno.execPath();
  const nothing = () => Promise.resolve();
  const zhttpLaunch = (extraArgs: string[]): Launch => ({
    program: deno,
    args: [
      "run",
      ...serverPermissions(Deno.build.os),
      V8_FLAGS_ARG,
      ...(options.cpuProfileDir === undefined
        ? []
        : ["--cpu-prof", `--cpu-prof-dir=${options.cpuProfileDir}`]),
      "main.ts",
      options.root,
      "--host",
      "127.0.0.1",
      "--port",
      String(port),
      "--quiet",
      ...(options.tls === undefined
        ? []
        : ["--tls-cert", options.tls.certFile, "--tls-key", options.tls.keyFile]),
      ...extraArgs,
    ],
    expectedCommand: "deno",
    // Answers 401 without the login, which is an answer all the same.
    probePath: "/hello",
    cwd: options.zhttpDir,
    cleanup: nothing,
  });
  const launches: Record<PeerName, () => Promise<Launch> | Launch> = {
    zhttp: () => zhttpLaunch([]),
    "zhttp-auth": () => zhttpLaunch(["--auth", `${BENCH_LOGIN.user}:${BENCH_LOGIN.password}`]),
    "deno-hello-simple": () => ({
      program: deno,
      args: [
        "run",
        "--allow-net",
        path.join(BENCH_DIR, "deno_hello.ts"),
        "--port",
        String(port),
        "--simplest",
      ],
      expectedCommand: "deno",
      probePath: "/hello",
      cleanup: nothing,
    }),
    "deno-hello": () => ({
      program: deno,
      args: [
        "run",
        "--allow-net",
        ...denoTlsArgs(options),
        path.join(BENCH_DIR, "deno_hello.ts"),
        "--port",
        String(port),
        ...denoTlsFiles(options),
      ],
      expectedCommand: "deno",
      probePath: "/hello",
      cleanup: nothing,
    }),
    "deno-files": () => ({
      program: deno,
      args: [
        "run",
        "--allow-net",
        `--allow-read=${[options.root, ...(options.tls ? [options.tls.dir] : [])].join(",")}`,
        path.join(BENCH_DIR, "deno_files.ts"),
        "--port",
        String(port),
        "--root",
        options.root,
        ...denoTlsFiles(options),
      ],
      expectedCommand: "deno",
      probePath: "/1k.bin",
      cleanup: nothing,
    }),
    nginx: () => nginxLaunch(port, options, NGINX_SENDFILE),
    "nginx-tuned": () => nginxLaunch(port, options, NGINX_TUNED),
    "nginx-gzip": () => nginxLaunch(port, options, NGINX_TUNED, NGINX_COMPRESSION["nginx-gzip"]),
    "nginx-gzip-static": () =>
      nginxLaunch(port, options, NGINX_TUNED, NGINX_COMPRESSION["nginx-gzip-static"]),
    lighttpd: () => lighttpdLaunch(port, options),
    // The adapter's overhead: the three run with the same V8 flags, so that they differ in
    // the server only.
    "zhttp-native": () => zhttpHelloLaunch("native", port),
    "zhttp-fetch": () => zhttpHelloLaunch("fetch", port),
    "deno-fetch": () => ({
      program: deno,
      args: [
        "run",
        "--allow-net",
        V8_FLAGS_ARG,
        path.join(BENCH_DIR, "deno_fetch.ts"),
        "--port",
        String(port),
      ],
      expectedCommand: "deno",
      probePath: "/hello",
      cleanup: nothing,
    }),
  };
  return await launches[name]();
}

function zhttpHelloLaunch(handler: "native" | "fetch", port: number): Launch {
  return {
    program: Deno.execPath(),
    args: [
      "run",
      "--allow-net",
      V8_FLAGS_ARG,
      path.join(BENCH_DIR, "zhttp_hello.ts"),
      "--handler",
      handler,
      "--port",
      String(port),
    ],
    expectedCommand: "deno",
    probePath: "/hello",
    cleanup: () => Promise.resolve(),
  };
}

/** What the Deno.serve peers may read for TLS: the certificate's folder. */
function denoTlsArgs(options: LaunchOptions): string[] {
  return options.tls === undefined ? [] : [`--allow-read=${options.tls.dir}`];
}

/** The Deno.serve peers' --cert and --key. */
function denoTlsFiles(options: LaunchOptions): string[] {
  return options.tls === undefined
    ? []
    : ["--cert", options.tls.certFile, "--key", options.tls.keyFile];
}

/** nginx as most people run it for files: sendfile on, no open-file cache. */
const NGINX_SENDFILE = "sendfile on;\n  tcp_nopush on;";
/**
 * nginx tuned for small files on loopback: descriptors and stats cached, and reads into
 * its buffers instead of sendfile (which measured 131k against 185k req/s on 1 KiB files).
 */
const NGINX_TUNED = "sendfile off;\n  open_file_cache max=1000;\n  open_file_cache_valid 60s;";

async function nginxLaunch(
  port: number,
  options: LaunchOptions,
  tuning: string,
  compression = "",
): Promise<Launch> {
  if (options.nginx === null) throw new Error("nginx is not installed");
  const dir = await Deno.makeTempDir({ prefix: "zhttp-bench-nginx-" });
  const template = await Deno.readTextFile(path.join(BENCH_DIR, "nginx.conf"));
  const config = template
    .replaceAll("{{DIR}}", dir)
    .replaceAll("{{PORT}}", String(port))
    .replaceAll("{{ROOT}}", options.root)
    .replaceAll("{{FILE_TUNING}}", tuning)
    .replaceAll("{{COMPRESSION}}", compression)
    .replaceAll("{{SSL}}", options.tls === undefined ? "" : " ssl")
    .replaceAll("{{TLS}}", options.tls === undefined ? "" : nginxTls(options.tls));
  const configFile = path.join(dir, "nginx.conf");
  await Deno.writeTextFile(configFile, config);
  return {
    program: options.nginx,
    args: ["-g", "daemon off;", "-p", dir, "-c", configFile, "-e", path.join(dir, "error.log")],
    expectedCommand: "nginx",
    probePath: "/hello",
    cleanup: () => Deno.remove(dir, { recursive: true }),
  };
}

/**
 * nginx's TLS: the bench's certificate, TLS 1.2 and 1.3 as zhttp, session resumption as
 * nginx does it by default (tickets; a shared cache would be more than zhttp has).
 */
function nginxTls(tls: NonNullable<LaunchOptions["tls"]>): string {
  return `ssl_certificate ${tls.certFile};
    ssl_certificate_key ${tls.keyFile};
` +
    "    ssl_protocols TLSv1.2 TLSv1.3;";
}

/** lighttpd, one process, its defaults but for keep-alive requests (see lighttpd.conf). */
async function lighttpdLaunch(port: number, options: LaunchOptions): Promise<Launch> {
  if (options.lighttpd === null) throw new Error("lighttpd is not installed");
  const dir = await Deno.makeTempDir({ prefix: "zhttp-bench-lighttpd-" });
  const template = await Deno.readTextFile(path.join(BENCH_DIR, "lighttpd.conf"));
  const config = template
    .replaceAll("{{DIR}}", dir)
    .replaceAll("{{PORT}}", String(port))
    .replaceAll("{{ROOT}}", options.root);
  const configFile = path.join(dir, "lighttpd.conf");
  await Deno.writeTextFile(configFile, config);
  return {
    program: options.lighttpd,
    args: ["-D", "-f", configFile],
    expectedCommand: "lighttpd",
    probePath: "/1k.bin",
    cleanup: () => Deno.remove(dir, { recursive: true }),
  };
}

/** A loopback port nobody listens on right now. */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr;
  listener.close();
  return port;
}

async function waitUntilAnswering(
  child: Deno.ChildProcess,
  port: number,
  probePath: string,
  stderr: () => string,
  ca: string | null,
): Promise<void> {
  // An object, because the callback's assignment is invisible to the compiler's narrowing.
  const seen: { exit: Deno.CommandStatus | null } = { exit: null };
  child.status.then((status) => seen.exit = status);
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (seen.exit !== null) {
      throw new Error(`exited with code ${seen.exit.code} before answering:\n${stderr()}`);
    }
    if (await answersHttp(port, probePath, ca)) return;
    await new Promise((resolve) => setTimeout(resolve, PROBE_INTERVAL_MS));
  }
  throw new Error(`no answer on port ${port} within ${START_TIMEOUT_MS} ms:\n${stderr()}`);
}

/**
 * One raw request (over TLS trusting `ca` when given): true once any HTTP status line comes
 * back. No fetch, so no pooled socket.
 */
async function answersHttp(port: number, probePath: string, ca: string | null): Promise<boolean> {
  let conn: Deno.Conn;
  try {
    conn = ca === null
      ? await Deno.connect({ hostname: "127.0.0.1", port })
      : await Deno.connectTls({ hostname: "127.0.0.1", port, caCerts: [ca] });
  } catch (error) {
    if (error instanceof Deno.errors.ConnectionRefused) return false;
    throw error;
  }
  let closed = false;
  const close = () => {
    if (!closed) conn.close();
    closed = true;
  };
  const timer = setTimeout(close, PROBE_TIMEOUT_MS);
  try {
    const request = `GET ${probePath} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`;
    await conn.write(new TextEncoder().encode(request));
    const head = new Uint8Array(16);
    const read = await conn.read(head);
    return read !== null && new TextDecoder().decode(head.subarray(0, read)).startsWith("HTTP/1.");
  } catch {
    // Reset, or closed by the probe timeout: not ready yet.
    return false;
  } finally {
    clearTimeout(timer);
    close();
  }
}

async function exitsWithin(
  child: Deno.ChildProcess,
  signal: Deno.Signal,
  timeoutMs: number,
): Promise<boolean> {
  try {
    child.kill(signal);
  } catch (error) {
    // Already exited (and reaped): nothing to signal.
    if (!(error instanceof TypeError)) throw error;
  }
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<false>((resolve) => timer = setTimeout(resolve, timeoutMs, false));
  try {
    return await Promise.race([child.status.then(() => true), timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

/** Drains a stream in the background (a full pipe would block the child), keeping the tail. */
function collectTail(stream: ReadableStream<Uint8Array>): () => string {
  let tail = "";
  (async () => {
    for await (const text of stream.pipeThrough(new TextDecoderStream())) {
      tail = (tail + text).slice(-STDERR_TAIL_CHARS);
    }
  })().catch((error) => tail += `\n(stderr unreadable: ${error})`);
  return () => tail;
}
