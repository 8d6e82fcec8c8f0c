/**
 * The per-request JS path without sockets: parse a head, build the request and the writer,
 * run the app (router, error boundary, /hello or a small static file, with or without a
 * remembered login), encode the answer.
 * Run with `deno bench --allow-all scripts/request_path_bench.ts`. Unlike wrk runs, these numbers are
 * stable on a noisy machine, so they tell whether a change to the hot path helps.
 */
import { createApp } from "../lib/app.ts";
import { BodyReader } from "../lib/server/body.ts";
import type { Handler } from "../lib/server/handler.ts";
import { HeadParser } from "../lib/http/parser.ts";
import { serverAndDateLines } from "../lib/http/field_lines.ts";
import { OutputBuffer } from "../lib/http/output.ts";
import { Http1ResponseWriter } from "../lib/http/response.ts";
import { HttpRequest, type RequestOrigin } from "../lib/server/request.ts";
import { createStaticHandler } from "../lib/handlers/static/static_handler.ts";
import { fetchHandler } from "../lib/handlers/fetch_adapter.ts";
import { MTIME_SETTLE_MS } from "../lib/handlers/static/file_cache.ts";
import { hashPasswordSync } from "../lib/auth/password_hash.ts";
import { basicAuth } from "../lib/middleware/basic_auth.ts";
import zlib from "node:zlib";

const root = Deno.makeTempDirSync({ prefix: "zhttp-request-bench-" });
Deno.writeFileSync(`${root}/1k.bin`, new Uint8Array(1024).fill(120));
// JavaScript-like text, with a .gz beside it (as for nginx's gzip_static in the bench).
const script = new TextEncoder().encode(
  Array.from({ length: 2400 }, (_, i) => `const value${i} = compute(${i * 7919 % 10007});`)
    .join("\n"),
);
Deno.writeFileSync(`${root}/100k.js`, script);
Deno.writeFileSync(`${root}/100k.js.gz`, zlib.gzipSync(script, { level: 9 }));
// The cache takes a file only once its mtime and ctime are settled; the ctime cannot be set
// back, so wait it out, or the "cached file" bench would read the file every time.
await new Promise((resolve) => setTimeout(resolve, MTIME_SETTLE_MS + 100));

/** The app as the binary builds it, with or without the compression middleware. */
function app(compress: boolean): Handler {
  return createApp({
    compress,
    fallback: createStaticHandler({ root, compress }),
  });
}
const hello = createApp();
const files = app(false);
const compressing = app(true);

// The same files behind a login, asked with a header verified once before the runs.
const LOGIN = `Basic ${btoa("bench:bench-password")}`;
const behindLogin = createApp({
  fallback: createStaticHandler({ root }),
  auth: basicAuth({ users: [{ name: "bench", hash: hashPasswordSync("bench-password") }] }),
});
// The same answer as /hello, from a handler written for Deno.serve (scripts/bench/fetch_hello.ts).
const helloFetch = fetchHandler(() => new Response("Hello, World!\n"));

const ORIGIN: RequestOrigin = {
  remoteAddr: { transport: "tcp", hostname: "127.0.0.1", port: 1 },
  localAddr: { transport: "tcp", hostname: "127.0.0.1", port: 8080 },
  secure: false,
  signal: new AbortController().signal,
};
const output = new OutputBuffer();
const channel = {
  output,
  flush: () => Promise.resolve(),
  serverAndDateLines: () => serverAndDateLines(),
};

function batch(path: string, count: number, extraFields = ""): Uint8Array {
  const request =
    `GET ${path} HTTP/1.1\r\nHost: localhost:8080\r\nUser-Agent: wrk\r\n${extraFields}\r\n`;
  return new TextEncoder().encode(request.repeat(count));
}

/** Answers every request in `bytes` as the connection would, one after the other. */
async function answerAll(parser: HeadParser, app: Handler, bytes: Uint8Array): Promise<number> {
  let position = 0;
  while (position < bytes.length) {
    const head = parser.parse(bytes, position, bytes.length)!;
    position = head.end;
    const res = new Http1ResponseWriter(channel, {
      headRequest: false,
      versionMinor: head.versionMinor,
      keepAlive: head.keepAlive,
    });
    const result = app(new HttpRequest(head, BodyReader.NONE, ORIGIN), res);
    if (result instanceof Promise) await result;
    if (!res.ended) res.end();
  }
  const sent = output.take().reduce((sum, piece) => sum + piece.length, 0);
  output.release();
  return sent;
}

const helloBatch = batch("/hello", 16);
const fileBatch = batch("/1k.bin", 16);
const loggedInBatch = batch("/1k.bin", 16, `Authorization: ${LOGIN}\r\n`);
const BROWSER = "Accept-Encoding: br, gzip\r\n";
const helloEncodingBatch = batch("/hello", 16, BROWSER);
const scriptBatch = batch("/100k.js", 16, BROWSER);
const parser = new HeadParser();
// The first request pays scrypt once; the runs measure what every later one costs.
await answerAll(parser, behindLogin, batch("/1k.bin", 1, `Authorization: ${LOGIN}\r\n`));

// The first requests are answered with a fast encoding while the kept one is made in the
// background; wait for it, so that the bench measures what a hot file costs.
const first = await answerAll(parser, compressing, batch("/100k.js", 1, BROWSER));
for (let tries = 0; await answerAll(parser, compressing, batch("/100k.js", 1, BROWSER)) >= first;) {
  if (++tries > 100) throw new Error("the kept encoding of 100k.js was never made");
  await new Promise((resolve) => setTimeout(resolve, 50));
}

Deno.bench("16 pipelined GET /hello", { group: "path", baseline: true }, async () => {
  await answerAll(parser, hello, helloBatch);
});

// One after the other, so each request takes a stat of its own (none arrive together).
Deno.bench("16 pipelined GET /1k.bin (cached file)", { group: "path" }, async () => {
  await answerAll(parser, files, fileBatch);
});

Deno.bench("16 pipelined GET /1k.bin, no login", { group: "login", baseline: true }, async () => {
  await answerAll(parser, files, loggedInBatch);
});

Deno.bench("16 pipelined GET /1k.bin, logged in (remembered)", { group: "login" }, async () => {
  await answerAll(parser, behindLogin, loggedInBatch);
});

Deno.bench("16 pipelined GET /hello through fetchHandler()", { group: "path" }, async () => {
  await answerAll(parser, helloFetch, helloBatch);
});

// The compression middleware installed: requests without Accept-Encoding are not wrapped.
Deno.bench("16 pipelined GET /hello, compression on", { group: "path" }, async () => {
  await answerAll(parser, compressing, helloBatch);
});

Deno.bench(
  "16 pipelined GET /1k.bin (cached file), compression on",
  { group: "path" },
  async () => {
    await answerAll(parser, compressing, fileBatch);
  },
);

// Wrapped: the response writer is a CompressingWriter, which /hello leaves alone.
Deno.bench("16 pipelined GET /hello, Accept-Encoding: br, gzip", { group: "path" }, async () => {
  await answerAll(parser, compressing, helloEncodingBatch);
});

// The kept brotli encoding of a 100 KiB script, its .gz sidecar looked at too.
Deno.bench("16 pipelined GET /100k.js, Accept-Encoding: br, gzip (kept br)", {
  group: "path",
}, async () => {
  await answerAll(parser, compressing, scriptBatch);
});

globalThis.addEventListener("unload", () => Deno.removeSync(root, { recursive: true }));
