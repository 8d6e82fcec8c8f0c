/**
 * Temporary folders for end-to-end tests of static serving: files written from a table, served
 * through `createApp` exactly as the binary serves them, and removed by `await using` when the
 * test ends, whichever way it ends.
 */
import path from "node:path";
import { type AppOptions, createApp } from "../../lib/app.ts";
import {
  createStaticHandler,
  type StaticOptions,
} from "../../lib/handlers/static/static_handler.ts";
import type { Handler } from "../../lib/server/handler.ts";
import {
  type RawConnection,
  type RawResponse,
  request,
  startServer,
  type TestServer,
} from "./raw_http.ts";
import { type Wire, WIRES } from "./wires.ts";

/** File contents by path below a folder; a path ending in "/" makes an empty folder. */
export type Files = Record<string, string | Uint8Array>;

/** A temporary folder that `await using` removes with everything in it. */
export interface TempFolder extends AsyncDisposable {
  readonly dir: string;
}

/** Makes a temporary folder holding `files`. */
export async function tempFolder(files: Files = {}): Promise<TempFolder> {
  const dir = await Deno.makeTempDir({ prefix: "zhttp_test_" });
  await writeFiles(dir, files);
  return { dir, [Symbol.asyncDispose]: () => Deno.remove(dir, { recursive: true }) };
}

/** Writes `files` below `base`, making the folders on the way. */
export async function writeFiles(base: string, files: Files): Promise<void> {
  for (const [name, content] of Object.entries(files)) {
    const target = path.join(base, name);
    if (name.endsWith("/")) {
      await Deno.mkdir(target, { recursive: true });
      continue;
    }
    await Deno.mkdir(path.dirname(target), { recursive: true });
    await Deno.writeFile(target, typeof content === "string" ? encoder.encode(content) : content);
  }
}

/** What else the app around the static handler has (auth, say); the fallback is the files. */
export type AppExtras = Omit<AppOptions, "fallback">;

/**
 * Serves `root` with the static handler behind `createApp` (with `app`'s other options, such
 * as auth). Options left out take the handler's defaults, which are zhttp's: listings on,
 * dotfiles hidden, no symlinks out of the root, DEFAULT_FILE_CACHE_CONTROL, no CORS,
 * sidecars honoured, no compression middleware.
 */
export function serveStatic(options: StaticOptions, app: AppExtras = {}): TestServer {
  return startServer({ handler: staticApp(options, app) });
}

/** The app serveStatic serves: the static handler, behind createApp. */
function staticApp(options: StaticOptions, app: AppExtras): Handler {
  const handler = createStaticHandler(options);
  // With `compress`, the app has the compression middleware in front, as the binary does.
  return createApp({ ...app, fallback: handler, compress: options.compress });
}

/**
 * A temporary folder `<dir>/root` served on 127.0.0.1 port 0 (see `serveStatic`), with room
 * beside the root for what must stay out of reach. `await using` closes the server and removes
 * the folder.
 */
export class StaticSite implements AsyncDisposable {
  /** The temporary folder; the root is its subfolder `root`. */
  readonly dir: string;
  readonly root: string;
  readonly server: TestServer;
  /** How clients reach it: TCP unless said. */
  readonly wire: Wire;
  readonly #folder: TempFolder;

  private constructor(folder: TempFolder, root: string, server: TestServer, wire: Wire) {
    this.dir = folder.dir;
    this.root = root;
    this.server = server;
    this.wire = wire;
    this.#folder = folder;
  }

  /**
   * Writes `files` below the root and starts serving it, over `wire` (TCP by default); `app`
   * builds the rest of the app (auth, say) once the root exists.
   */
  static async open(
    files: Files,
    options: Omit<StaticOptions, "root"> = {},
    { wire = WIRES[0], app = () => ({}) }: {
      wire?: Wire;
      app?: (root: string) => AppExtras;
    } = {},
  ): Promise<StaticSite> {
    const folder = await tempFolder();
    const root = path.join(folder.dir, "root");
    await Deno.mkdir(root);
    await writeFiles(root, files);
    const server = await wire.startServer({ handler: staticApp({ root, ...options }, app(root)) });
    return new StaticSite(folder, root, server, wire);
  }

  /** A client connection to the site, over its wire. */
  open(): Promise<RawConnection> {
    return this.wire.open(this.port);
  }

  get port(): number {
    return this.server.addr.port;
  }

  /** Sends one request on a fresh connection, over the site's wire (HEAD without a body). */
  async fetch(
    target: string,
    headers: Record<string, string> = {},
    method = "GET",
  ): Promise<RawResponse> {
    using connection = await this.open();
    await connection.send(rawRequest(method, target, headers));
    return await connection.response(method === "HEAD");
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.server.close();
    await this.#folder[Symbol.asyncDispose]();
  }
}

/**
 * Sends `method target` with `headers` to `port` on a fresh connection and reads the answer
 * (HEAD without a body).
 */
export function fetchRaw(
  port: number,
  target: string,
  headers: Record<string, string> = {},
  method = "GET",
): Promise<RawResponse> {
  return request(port, rawRequest(method, target, headers), method === "HEAD");
}

/** An HTTP/1.1 request head with `Host: a` and `headers`, as raw text. */
export function rawRequest(
  method: string,
  target: string,
  headers: Record<string, string> = {},
): string {
  const fields = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`).join("");
  return `${method} ${target} HTTP/1.1\r\nHost: a\r\n${fields}\r\n`;
}

const encoder = new TextEncoder();
