/**
 * zhttp as a Windows user runs it: the real deno.exe under Wine, `deno run` with the
 * binary's permissions, serving `C:\site` with the root as its working folder, over HTTP
 * or, with `--https`, over TLS with the local CA zhttp makes in the Windows user's data
 * folder (%LOCALAPPDATA%\zhttp), which the Linux side then trusts. Requests come from
 * Linux over 127.0.0.1, byte for byte as written, each on its own connection and each with
 * a deadline, so a server that hangs on a request fails the test instead of stalling the
 * run.
 */
import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { serverPermissions } from "../../scripts/permissions.ts";
import { V8_FLAGS_ARG } from "../../scripts/v8_flags.ts";
import { startWindowsDeno, type WindowsDeno } from "../../scripts/windows/wine.ts";
import { RawConnection, type RawResponse } from "../support/raw_http.ts";
import { type FixtureSite, WINDOWS_ROOT } from "./fixture_site.ts";

/** main.ts as deno.exe sees it: the repository is mounted at C:\zhttp. */
export const WINDOWS_MAIN = "C:\\zhttp\\main.ts";

/**
 * How long one request may take before the server counts as hung. Generous: an answer
 * under Wine takes milliseconds; a device name that reached a file call never answers.
 */
export const ANSWER_DEADLINE_MS = 30_000;

/** How the Windows stage reaches zhttp: every test runs over both. */
export interface Scheme {
  /** "HTTP", or "HTTPS" for a zhttp started with --https. */
  readonly kind: "HTTP" | "HTTPS";
  /** A test's name over this scheme: as it is for HTTP, marked for HTTPS. */
  name(test: string): string;
}

export const SCHEMES: readonly Scheme[] = [
  { kind: "HTTP", name: (test) => test },
  { kind: "HTTPS", name: (test) => `${test} (over HTTPS)` },
];

export interface ZhttpOnWindows extends AsyncDisposable {
  /** The console, exit code and Ctrl+C of the deno.exe process. */
  readonly deno: WindowsDeno;
  readonly port: number;
  /** With HTTPS: where the CA is on Windows (as the banner names it) and its PEM. */
  readonly ca: { windowsPath: string; pem: string } | null;
  /** A new connection to zhttp (TLS, trusting its CA, with HTTPS). */
  connect(): Promise<Deno.Conn>;
  /** One request on a fresh connection: `GET path` unless `method` says otherwise. */
  request(path: string, options?: RequestOptions): Promise<RawResponse>;
}

export interface RequestOptions {
  method?: string;
  headers?: Record<string, string>;
}

/** The banner's "Local" line, which carries the port picked for `--port 0`. */
const BANNER_PORT = /Local\s+https?:\/\/localhost:(\d+)\//;
/** The banner's "Trust" line with HTTPS: the CA file, a Windows path. */
const BANNER_CA = /Trust\s+zhttp's local CA (C:\\\S+\\ca\.crt) /;

const encoder = new TextEncoder();

/**
 * Starts `deno.exe run <serverPermissions("windows")> <V8 flags> C:\zhttp\main.ts C:\site
 * --port 0 --quiet`, with `--https` for the HTTPS scheme.
 */
export async function startZhttpOnWindows(
  site: FixtureSite,
  scheme: Scheme,
  extraFlags: readonly string[] = [],
): Promise<ZhttpOnWindows> {
  const deno = await startWindowsDeno({
    args: [
      "run",
      ...serverPermissions("windows"),
      V8_FLAGS_ARG,
      WINDOWS_MAIN,
      WINDOWS_ROOT,
      "--port",
      "0",
      "--quiet",
      ...(scheme.kind === "HTTPS" ? ["--https"] : []),
      ...extraFlags,
    ],
    mounts: site.mounts,
    // As when a user runs zhttp from the folder itself: zhttp.json there is found, and so
    // it sits inside the root, where it must stay hidden.
    cwd: WINDOWS_ROOT,
  });
  let port: number;
  let ca: ZhttpOnWindows["ca"] = null;
  try {
    port = Number((await deno.waitForOutput(BANNER_PORT))[1]);
    if (scheme.kind === "HTTPS") {
      const windowsPath = (await deno.waitForOutput(BANNER_CA))[1];
      ca = { windowsPath, pem: await Deno.readTextFile(linuxPathOf(deno, windowsPath)) };
    }
  } catch (error) {
    await deno.close();
    throw error;
  }
  const caPem = ca?.pem ?? null;
  const connect = () => connectTo(port, caPem);
  return {
    deno,
    port,
    ca,
    connect,
    request: (path, options) => requestWithDeadline(connect, path, options),
    [Symbol.asyncDispose]: () => deno.close(),
  };
}

/**
 * Where a file deno.exe wrote on C:\ lies on Linux: in the run's copy-on-write layer of
 * the Wine prefix (enter.sh), beside the console log.
 */
function linuxPathOf(deno: WindowsDeno, windowsPath: string): string {
  const relative = windowsPath.replace(/^C:\\/i, "").split("\\");
  return join(dirname(deno.logPath), "prefix.upper", "drive_c", ...relative);
}

/** A connection to 127.0.0.1:port, over TLS trusting `caPem` when there is one. */
async function connectTo(port: number, caPem: string | null): Promise<Deno.Conn> {
  if (caPem === null) return await Deno.connect({ hostname: "127.0.0.1", port });
  const conn = await Deno.connectTls({ hostname: "127.0.0.1", port, caCerts: [caPem] });
  try {
    await conn.handshake();
  } catch (error) {
    conn.close();
    throw error;
  }
  return conn;
}

/**
 * Asserts that no secret reached the client: neither the secret token (in every file
 * outside the root, and in the root's dotfiles) nor any other of `forbidden`, in the
 * header values or the body.
 */
export function assertNothingLeaked(
  response: RawResponse,
  forbidden: readonly string[],
): void {
  const seen = response.headers.map(([, value]) => value).join("\n") + "\n" + response.text();
  for (const secret of forbidden) {
    assert.ok(!seen.includes(secret), `the response holds ${JSON.stringify(secret)}:\n${seen}`);
  }
}

/** Sends raw `METHOD path HTTP/1.1` (path bytes untouched) and reads one response. */
async function requestWithDeadline(
  connect: () => Promise<Deno.Conn>,
  path: string,
  { method = "GET", headers = {} }: RequestOptions = {},
): Promise<RawResponse> {
  const fields = Object.entries({ Host: "127.0.0.1", Connection: "close", ...headers })
    .map(([name, value]) => `${name}: ${value}\r\n`).join("");
  using connection = RawConnection.over(await connect());
  await connection.send(encoder.encode(`${method} ${path} HTTP/1.1\r\n${fields}\r\n`));
  let timer: ReturnType<typeof setTimeout> | undefined;
  const hung = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new Error(`${method} ${path}: no answer within ${ANSWER_DEADLINE_MS} ms`));
      connection.close();
    }, ANSWER_DEADLINE_MS);
  });
  try {
    return await Promise.race([connection.response(method === "HEAD"), hung]);
  } finally {
    clearTimeout(timer);
  }
}
