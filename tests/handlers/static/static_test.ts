/**
 * The static file handler end to end over real sockets (issue 4): folders, listings, 404
 * pages, media types, conditional requests (RFC 9110 §13), ranges (§14), HEAD, methods,
 * CORS, never-stale caching, dotfiles, hidden files and symlinks. Every test serves its own
 * temporary folder through `createApp`, exactly as the binary does.
 */
import assert from "node:assert/strict";
import path from "node:path";
import { DEFAULT_CACHE_CONTROL } from "../../../lib/cli/config.ts";
import {
  DEFAULT_FILE_CACHE_LIMITS,
  MTIME_SETTLE_MS,
} from "../../../lib/handlers/static/file_cache.ts";
import { STREAM_CHUNK_BYTES } from "../../../lib/handlers/static/static_handler.ts";
import { delay, RawConnection, type RawResponse } from "../../support/raw_http.ts";
import {
  fetchRaw,
  type Files,
  rawRequest,
  serveStatic,
  StaticSite,
  tempFolder,
  writeFiles,
} from "../../support/static_site.ts";
import { WIRES } from "../../support/wires.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A fixed modification time in the past, so that validators and dates are known. */
const OLD_MTIME = new Date("2020-01-02T03:04:05.678Z");
const OLD_LAST_MODIFIED = "Thu, 02 Jan 2020 03:04:05 GMT";
const BEFORE_OLD_MTIME = "Thu, 02 Jan 2020 03:04:04 GMT";
const AFTER_OLD_MTIME = "Fri, 03 Jan 2020 00:00:00 GMT";

/** Below the cache's per-file limit: read whole and answered from memory. */
const SMALL_SIZE = 1000;
/** Above the cache's limit and over two stream chunks: streamed from disk. */
const LARGE_SIZE = 2 * STREAM_CHUNK_BYTES + 4321;

/** Reproducible pseudo-random bytes (xorshift32): a chunk sent twice or out of place shows. */
function patternBytes(size: number, seed = 0): Uint8Array {
  const bytes = new Uint8Array(size);
  let state = 0x9e3779b9 ^ (seed + 1);
  for (let i = 0; i < size; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    bytes[i] = state & 0xff;
  }
  return bytes;
}

/**
 * After a response that must have had no body (304, HEAD), the next response on the same
 * connection parses only if no stray body bytes came first.
 */
async function assertNoStrayBytes(connection: RawConnection): Promise<void> {
  await connection.send(rawRequest("GET", "/hello", {}));
  const next = await connection.response();
  assert.equal(next.text(), "Hello, World!\n");
}

// ── Folders, listings, 404 pages ─────────────────────────────────────────────────────────

Deno.test("createStaticHandler() serves index.html for a folder", async () => {
  await using site = await StaticSite.open({
    "index.html": "<h1>home</h1>",
    "docs/index.html": "<h1>docs</h1>",
    "docs/deep/er/index.html": "<h1>deeper</h1>",
  });
  const rows = [
    { target: "/", body: "<h1>home</h1>" },
    { target: "/docs/", body: "<h1>docs</h1>" },
    { target: "/docs/deep/er/", body: "<h1>deeper</h1>" },
    { target: "/docs/?q=1", body: "<h1>docs</h1>" },
    { target: "//docs//", body: "<h1>docs</h1>" },
  ];
  for (const { target, body } of rows) {
    const response = await site.fetch(target);
    assert.equal(response.status, 200, target);
    assert.equal(response.text(), body, target);
    assert.equal(response.header("content-type"), "text/html; charset=utf-8", target);
  }
});

Deno.test("createStaticHandler() redirects a folder without its trailing slash with 301, keeping the query", async () => {
  await using site = await StaticSite.open({
    "docs/index.html": "docs",
    "docs/sub/": "",
    "a b/": "",
    "evil.example/": "",
  });
  const rows = [
    { target: "/docs", location: "/docs/" },
    { target: "/docs?x=1&y=%20", location: "/docs/?x=1&y=%20" },
    { target: "/docs/sub", location: "/docs/sub/" },
    { target: "/a%20b", location: "/a%20b/" },
    { target: "http://a/docs?x", location: "/docs/?x" },
    // Rebuilt from the checked segments: never a protocol-relative "//evil.example/".
    { target: "//evil.example", location: "/evil.example/" },
  ];
  for (const { target, location } of rows) {
    const response = await site.fetch(target);
    assert.equal(response.status, 301, target);
    assert.equal(response.header("location"), location, target);
  }
});

Deno.test("createStaticHandler() lists a folder without index.html, names escaped, folders first", async () => {
  await using site = await StaticSite.open({
    "<img src=x onerror=alert(1)>.txt": "xss",
    "a&b.txt": "ab",
    "x' onmouseover='alert(1).txt": "quote",
    "&lt;b&gt;.txt": "entity",
    "zeta/": "",
    "Alpha/": "",
    "R&D/": "",
    "big.bin": new Uint8Array(1536),
  });
  await Deno.utime(path.join(site.root, "big.bin"), OLD_MTIME, OLD_MTIME);

  const response = await site.fetch("/");
  assert.equal(response.status, 200);
  assert.equal(response.header("content-type"), "text/html; charset=utf-8");
  const html = response.text();
  assert.ok(html.includes("<title>Index of /</title>"));
  assert.ok(!html.includes('href="../"'), "the root has no parent link");
  // A name is never markup. "<" and ">" are ordinary in Linux and macOS names, so there the
  // file is listed, escaped, and served; Windows forbids them, and its rules leave it out.
  assert.ok(!html.includes("<img"), "a name became markup");
  if (Deno.build.os !== "windows") {
    assert.ok(html.includes("&lt;img src=x onerror=alert(1)&gt;.txt"), "the name is listed");
    const xss = await site.fetch("/%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E.txt");
    assert.equal(xss.text(), "xss");
  }

  const rows = [
    { shown: "Alpha/", href: "Alpha/" },
    { shown: "R&amp;D/", href: "R%26D/" },
    { shown: "zeta/", href: "zeta/" },
    { shown: "&amp;lt;b&amp;gt;.txt", href: "%26lt%3Bb%26gt%3B.txt" },
    { shown: "a&amp;b.txt", href: "a%26b.txt" },
    { shown: "big.bin", href: "big.bin" },
    {
      shown: "x&#39; onmouseover=&#39;alert(1).txt",
      href: "x&#39;%20onmouseover%3D&#39;alert(1).txt",
    },
  ];
  const positions = rows.map(({ shown, href }) => html.indexOf(`<a href="${href}">${shown}</a>`));
  assert.ok(positions.every((at) => at > 0), `every entry is listed: ${positions}`);
  assert.deepEqual([...positions].sort((a, b) => a - b), positions, "folders first, then by name");

  const bigRow = html.split("\n").find((line) => line.includes(">big.bin<"))!;
  assert.match(bigRow, /1\.5 KiB/);
  assert.match(bigRow, /2020-01-02 03:04/);

  // Every listed link, unescaped as a browser would, fetches its entry.
  const bodies = {
    "%26lt%3Bb%26gt%3B.txt": "entity",
    "a%26b.txt": "ab",
    "x'%20onmouseover%3D'alert(1).txt": "quote",
  };
  for (const [href, body] of Object.entries(bodies)) {
    assert.equal((await site.fetch(`/${href}`)).text(), body, href);
  }

  const folder = await site.fetch("/R%26D/");
  assert.equal(folder.status, 200);
  assert.ok(folder.text().includes("<title>Index of /R&amp;D/</title>"));
  assert.ok(folder.text().includes('<a href="../">../</a>'), "a subfolder links to its parent");
});

Deno.test("createStaticHandler() answers 404 for a folder without index when listing is off", async () => {
  await using site = await StaticSite.open({ "a.txt": "a", "sub/b.txt": "b" }, { listing: false });
  for (const target of ["/", "/sub/"]) {
    const response = await site.fetch(target);
    assert.equal(response.status, 404, target);
    assert.ok(!response.text().includes("a.txt"), target);
  }
  assert.equal((await site.fetch("/sub/b.txt")).status, 200);
});

Deno.test("createStaticHandler() sends the root 404.html as the body of every 404", async () => {
  await using site = await StaticSite.open(
    { "404.html": "<h1>lost</h1>", "sub/": "", ".env": "SECRET" },
    { listing: false },
  );
  for (const target of ["/missing.txt", "/sub/missing/deeper", "/sub/", "/.env", "/a.txt/"]) {
    const response = await site.fetch(target);
    assert.equal(response.status, 404, target);
    assert.equal(response.text(), "<h1>lost</h1>", target);
    assert.equal(response.header("content-type"), "text/html; charset=utf-8", target);
  }
});

Deno.test("createStaticHandler() answers a plain 404 without a 404.html", async () => {
  await using site = await StaticSite.open({ "a.txt": "a" });
  const response = await site.fetch("/missing.txt");
  assert.equal(response.status, 404);
  assert.equal(response.text(), "404 Not Found\n");
});

// ── Media types ──────────────────────────────────────────────────────────────────────────

Deno.test("createStaticHandler() sends Content-Type from the mime database, charset on text", async () => {
  const rows = [
    { name: "page.html", type: "text/html; charset=utf-8" },
    { name: "style.css", type: "text/css; charset=utf-8" },
    { name: "app.js", type: "text/javascript; charset=utf-8" },
    { name: "module.mjs", type: "text/javascript; charset=utf-8" },
    { name: "data.json", type: "application/json; charset=utf-8" },
    { name: "logo.svg", type: "image/svg+xml; charset=utf-8" },
    { name: "notes.txt", type: "text/plain; charset=utf-8" },
    { name: "UPPER.HTML", type: "text/html; charset=utf-8" },
    { name: "photo.png", type: "image/png" },
    { name: "code.wasm", type: "application/wasm" },
    { name: "archive.tar.gz", type: "application/gzip" },
    { name: "file.unknownext", type: "application/octet-stream" },
    { name: "Makefile", type: "application/octet-stream" },
    { name: "json", type: "application/octet-stream" },
  ];
  await using site = await StaticSite.open(
    Object.fromEntries(rows.map(({ name }) => [name, name])),
  );
  for (const { name, type } of rows) {
    const response = await site.fetch(`/${name}`);
    assert.equal(response.status, 200, name);
    assert.equal(response.header("content-type"), type, name);
    assert.equal(response.header("x-content-type-options"), "nosniff", name);
  }
});

// ── Conditional requests (RFC 9110 §13) ──────────────────────────────────────────────────

interface ConditionalRow {
  name: string;
  headers: (etag: string) => Record<string, string>;
  status: 200 | 304 | 412;
}

const CONDITIONAL_ROWS: readonly ConditionalRow[] = [
  {
    name: "If-None-Match with the ETag",
    headers: (etag) => ({ "If-None-Match": etag }),
    status: 304,
  },
  {
    name: "If-None-Match listing the ETag among others",
    headers: (etag) => ({ "If-None-Match": `"other", ${etag}, W/"more"` }),
    status: 304,
  },
  { name: "If-None-Match: *", headers: () => ({ "If-None-Match": "*" }), status: 304 },
  {
    name: "If-None-Match with the ETag's weak form (weak comparison, §13.1.2)",
    headers: (etag) => ({ "If-None-Match": `W/${etag}` }),
    status: 304,
  },
  {
    name: "If-None-Match with another ETag",
    headers: () => ({ "If-None-Match": '"x"' }),
    status: 200,
  },
  {
    name: "If-Modified-Since equal to Last-Modified",
    headers: () => ({ "If-Modified-Since": OLD_LAST_MODIFIED }),
    status: 304,
  },
  {
    name: "If-Modified-Since after Last-Modified",
    headers: () => ({ "If-Modified-Since": AFTER_OLD_MTIME }),
    status: 304,
  },
  {
    name: "If-Modified-Since a second before Last-Modified",
    headers: () => ({ "If-Modified-Since": BEFORE_OLD_MTIME }),
    status: 200,
  },
  {
    name: "If-Modified-Since that is not a date (ignored, §13.1.3)",
    headers: () => ({ "If-Modified-Since": "yesterday" }),
    status: 200,
  },
  { name: "If-Match with another ETag", headers: () => ({ "If-Match": '"x"' }), status: 412 },
  { name: "If-Match with the ETag", headers: (etag) => ({ "If-Match": etag }), status: 200 },
  {
    name: "If-Match with the ETag's weak form (strong comparison never matches, §13.1.1)",
    headers: (etag) => ({ "If-Match": `W/${etag}` }),
    status: 412,
  },
  { name: "If-Match: *", headers: () => ({ "If-Match": "*" }), status: 200 },
  {
    name: "If-Unmodified-Since before Last-Modified",
    headers: () => ({ "If-Unmodified-Since": BEFORE_OLD_MTIME }),
    status: 412,
  },
  {
    name: "If-Unmodified-Since equal to Last-Modified",
    headers: () => ({ "If-Unmodified-Since": OLD_LAST_MODIFIED }),
    status: 200,
  },
  {
    name: "a non-matching If-None-Match over a matching If-Modified-Since (§13.2.2)",
    headers: () => ({ "If-None-Match": '"x"', "If-Modified-Since": AFTER_OLD_MTIME }),
    status: 200,
  },
  {
    name: "a matching If-None-Match over a stale If-Modified-Since (§13.2.2)",
    headers: (etag) => ({ "If-None-Match": etag, "If-Modified-Since": BEFORE_OLD_MTIME }),
    status: 304,
  },
  {
    name: "a failing If-Match before a matching If-None-Match (§13.2.2)",
    headers: (etag) => ({ "If-Match": '"x"', "If-None-Match": etag }),
    status: 412,
  },
];

/** The two ways a file's bytes are sent: from memory (read whole, maybe cached) or streamed. */
const FILE_KINDS = [
  { label: "a small (in-memory) file", size: SMALL_SIZE },
  { label: "a large (streamed) file", size: LARGE_SIZE },
];

for (const { label, size } of FILE_KINDS) {
  Deno.test(`createStaticHandler() evaluates preconditions for ${label}`, async () => {
    const content = patternBytes(size);
    await using site = await StaticSite.open({ "file.bin": content });
    await Deno.utime(path.join(site.root, "file.bin"), OLD_MTIME, OLD_MTIME);
    await assertPreconditions(site, content);
  });
}

/** Sends every CONDITIONAL_ROWS row, with GET and HEAD, for `/file.bin` holding `content`. */
async function assertPreconditions(site: StaticSite, content: Uint8Array): Promise<void> {
  const plain = await site.fetch("/file.bin");
  const etag = plain.header("etag")!;
  // Strong: the file's mtime has settled (see MTIME_SETTLE_MS).
  assert.match(etag, /^"[^"]+"$/, "a strong ETag");
  assert.equal(plain.header("last-modified"), OLD_LAST_MODIFIED);

  using connection = await RawConnection.open(site.port);
  for (const row of CONDITIONAL_ROWS) {
    for (const method of ["GET", "HEAD"]) {
      const what = `${method} ${row.name}`;
      await connection.send(rawRequest(method, "/file.bin", row.headers(etag)));
      const response = await connection.response(method === "HEAD");
      assert.equal(response.status, row.status, what);
      if (row.status === 200) {
        assert.equal(response.header("content-length"), String(content.length), what);
        if (method === "GET") assert.deepEqual(response.body, content, what);
      } else if (row.status === 304) {
        // RFC 9110 §15.4.5: a 304 carries the validators and Cache-Control a 200 would.
        assert.equal(response.header("etag"), etag, what);
        assert.equal(response.header("cache-control"), "no-cache", what);
        await assertNoStrayBytes(connection);
      } else {
        assert.equal(response.text(), method === "GET" ? "412 Precondition Failed\n" : "");
      }
    }
  }
}

// ── Ranges (RFC 9110 §14) ────────────────────────────────────────────────────────────────

interface RangeRow {
  range: string;
  headers?: Record<string, string>;
  /** The parts expected in a 206, "full" for a 200, or 416. */
  expect: [number, number][] | "full" | 416;
}

/** Rows for a file of `size` bytes, written against the file's own length. */
function rangeRows(size: number, etag: string): RangeRow[] {
  const half = Math.floor(size / 2);
  const rows: RangeRow[] = [
    { range: "bytes=0-9", expect: [[0, 9]] },
    { range: "bytes=0-0", expect: [[0, 0]] },
    { range: "bytes=10-", expect: [[10, size - 1]] },
    { range: "bytes=-20", expect: [[size - 20, size - 1]] },
    { range: `bytes=${size - 1}-`, expect: [[size - 1, size - 1]] },
    { range: "bytes=100-99999999", expect: [[100, size - 1]] },
    { range: "bytes=-99999999", expect: [[0, size - 1]] },
    { range: "BYTES=1-2", expect: [[1, 2]] },
    { range: `bytes=${size}-`, expect: 416 },
    { range: `bytes=${size}-${size + 10}`, expect: 416 },
    { range: "bytes=-0", expect: 416 },
    { range: "bytes=5-2", expect: "full" },
    { range: "bytes=abc", expect: "full" },
    { range: "bytes=", expect: "full" },
    { range: "bytes=1-2-3", expect: "full" },
    { range: "items=0-1", expect: "full" },
    { range: "bytes=0-9,20-29,-5", expect: [[0, 9], [20, 29], [size - 5, size - 1]] },
    { range: "bytes=-5,0-1", expect: [[size - 5, size - 1], [0, 1]] },
    { range: "bytes=0-10,5-20", expect: [[0, 20]] },
    {
      range: `bytes=${half - 5}-${half + 5}, ${size}-, 1-1`,
      expect: [[half - 5, half + 5], [1, 1]],
    },
    { range: "bytes=0-9", headers: { "If-Range": OLD_LAST_MODIFIED }, expect: [[0, 9]] },
    { range: "bytes=0-9", headers: { "If-Range": BEFORE_OLD_MTIME }, expect: "full" },
    { range: "bytes=0-9", headers: { "If-Range": AFTER_OLD_MTIME }, expect: "full" },
    // §13.1.5: If-Range compares entity-tags strongly: the file's strong ETag, as a browser
    // resuming or seeking sends it back, lets the range through; its weak form never does.
    { range: "bytes=0-9", headers: { "If-Range": etag }, expect: [[0, 9]] },
    { range: `bytes=${half}-`, headers: { "If-Range": etag }, expect: [[half, size - 1]] },
    { range: "bytes=0-9", headers: { "If-Range": `W/${etag}` }, expect: "full" },
    { range: "bytes=0-9", headers: { "If-Range": '"other"' }, expect: "full" },
    { range: "bytes=0-9", headers: { "If-Range": "not a validator" }, expect: "full" },
  ];
  if (size > 2 * STREAM_CHUNK_BYTES) {
    const chunk = STREAM_CHUNK_BYTES;
    rows.push(
      { range: `bytes=${chunk - 3}-${chunk + 2}`, expect: [[chunk - 3, chunk + 2]] },
      { range: `bytes=${chunk - 1}-${2 * chunk}`, expect: [[chunk - 1, 2 * chunk]] },
      {
        range: `bytes=${chunk - 2}-${chunk + 1},${2 * chunk - 1}-${2 * chunk},-3`,
        expect: [[chunk - 2, chunk + 1], [2 * chunk - 1, 2 * chunk], [size - 3, size - 1]],
      },
    );
  }
  return rows;
}

for (const wire of WIRES) {
  for (const { label, size } of FILE_KINDS) {
    Deno.test(wire.name(`createStaticHandler() answers Range requests for ${label}`), async () => {
      const content = patternBytes(size, 3);
      await using site = await StaticSite.open({ "file.bin": content }, {}, { wire });
      await Deno.utime(path.join(site.root, "file.bin"), OLD_MTIME, OLD_MTIME);
      await assertRanges(site, content);
    });
  }
}

for (const { label, size } of FILE_KINDS) {
  Deno.test(`createStaticHandler() gives ${label} written just now a weak ETag, which If-Range never satisfies`, async () => {
    const content = patternBytes(size, 7);
    await using site = await StaticSite.open({ "file.bin": content });
    // Within MTIME_SETTLE_MS of its mtime a file can be rewritten without the mtime
    // changing: its ETag must not claim the bytes are the same.
    const first = await site.fetch("/file.bin");
    const etag = first.header("etag")!;
    assert.match(etag, /^W\/"[^"]+"$/);
    const ranged = await site.fetch("/file.bin", { Range: "bytes=0-9", "If-Range": etag });
    assert.equal(ranged.status, 200);
    assert.deepEqual(ranged.body, content);
    // Its weak form still validates a cached copy (weak comparison, §13.1.2).
    assert.equal((await site.fetch("/file.bin", { "If-None-Match": etag })).status, 304);
  });
}

Deno.test("createStaticHandler() answers conditional and Range requests from its cache alike", async () => {
  const content = patternBytes(SMALL_SIZE, 5);
  await using site = await StaticSite.open({ "file.bin": content });
  await Deno.utime(path.join(site.root, "file.bin"), OLD_MTIME, OLD_MTIME);
  // Only versions older than MTIME_SETTLE_MS are cached: after this, every answer but the
  // first comes from the cache.
  await delay(MTIME_SETTLE_MS + 100);
  await assertPreconditions(site, content);
  await assertRanges(site, content);
});

/** Sends every rangeRows() row for `/file.bin` holding `content` and checks each part. */
async function assertRanges(site: StaticSite, content: Uint8Array): Promise<void> {
  const size = content.length;
  const etag = (await site.fetch("/file.bin")).header("etag")!;
  using connection = await site.open();
  for (const row of rangeRows(size, etag)) {
    const what = `${row.range} ${JSON.stringify(row.headers ?? {})}`;
    await connection.send(rawRequest("GET", "/file.bin", { Range: row.range, ...row.headers }));
    const response = await connection.response();
    if (row.expect === "full") {
      assert.equal(response.status, 200, what);
      assert.equal(response.header("accept-ranges"), "bytes", what);
      assert.deepEqual(response.body, content, what);
    } else if (row.expect === 416) {
      assert.equal(response.status, 416, what);
      assert.equal(response.header("content-range"), `bytes */${size}`, what);
    } else {
      assert.equal(response.status, 206, what);
      assert.equal(response.header("accept-ranges"), "bytes", what);
      assert.deepEqual(
        partsOf(response, size),
        row.expect.map(([start, end]) => ({
          contentType: "application/octet-stream",
          contentRange: `bytes ${start}-${end}/${size}`,
          bytes: content.subarray(start, end + 1),
        })),
        what,
      );
    }
  }
  await assertNoStrayBytes(connection);
}

Deno.test("createStaticHandler() serves an empty file, and refuses ranges inside it with 416", async () => {
  await using site = await StaticSite.open({ "empty.txt": "" });
  const rows: { headers: Record<string, string>; status: number; contentRange: string | null }[] = [
    { headers: {}, status: 200, contentRange: null },
    { headers: { Range: "bytes=0-" }, status: 416, contentRange: "bytes */0" },
    { headers: { Range: "bytes=0-0" }, status: 416, contentRange: "bytes */0" },
    // RFC 9110 §14.1.1 calls a suffix satisfiable here, but no Content-Range can say "none".
    { headers: { Range: "bytes=-5" }, status: 200, contentRange: null },
  ];
  for (const { headers, status, contentRange } of rows) {
    const response = await site.fetch("/empty.txt", headers);
    const what = JSON.stringify(headers);
    assert.equal(response.status, status, what);
    assert.equal(response.header("content-range"), contentRange, what);
    if (status === 200) assert.equal(response.header("content-length"), "0", what);
  }
});

Deno.test("createStaticHandler() ignores Range on HEAD and announces the full length", async () => {
  await using site = await StaticSite.open({ "file.bin": patternBytes(SMALL_SIZE) });
  using connection = await RawConnection.open(site.port);
  await connection.send(rawRequest("HEAD", "/file.bin", { Range: "bytes=0-9" }));
  const response = await connection.response(true);
  assert.equal(response.status, 200);
  assert.equal(response.header("content-length"), String(SMALL_SIZE));
  await assertNoStrayBytes(connection);
});

interface Part {
  contentType: string | null;
  contentRange: string | null;
  bytes: Uint8Array;
}

/**
 * The parts of a 206: one from Content-Range, or several parsed out of a multipart/byteranges
 * body (RFC 9110 §14.6) strictly, byte for byte, with nothing before, between or after.
 */
function partsOf(response: RawResponse, size: number): Part[] {
  const type = response.header("content-type") ?? "";
  const boundary = /^multipart\/byteranges; boundary=([0-9A-Za-z'+_.-]{1,70})$/.exec(type)?.[1];
  if (boundary === undefined) {
    assert.equal(response.header("content-length"), String(response.body.length));
    return [{
      contentType: type,
      contentRange: response.header("content-range"),
      bytes: response.body,
    }];
  }
  assert.equal(response.header("content-range"), null, "a multipart 206 has no Content-Range");
  const body = response.body;
  const parts: Part[] = [];
  let at = 0;
  const expectText = (text: string) => {
    assert.equal(decoder.decode(body.subarray(at, at + text.length)), text);
    at += text.length;
  };
  for (;;) {
    expectText(`\r\n--${boundary}`);
    if (decoder.decode(body.subarray(at, at + 2)) === "--") {
      expectText("--\r\n");
      assert.equal(at, body.length, "nothing after the close delimiter");
      return parts;
    }
    expectText("\r\n");
    const headEnd = indexOfText(body, "\r\n\r\n", at);
    assert.ok(headEnd >= 0, "a part head ends with an empty line");
    const fields = new Map(
      decoder.decode(body.subarray(at, headEnd)).split("\r\n").map((line) => {
        const colon = line.indexOf(":");
        return [line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim()] as const;
      }),
    );
    at = headEnd + 4;
    const contentRange = fields.get("content-range") ?? null;
    const match = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(contentRange ?? "");
    assert.ok(match !== null, `part Content-Range: ${contentRange}`);
    assert.equal(Number(match[3]), size);
    const length = Number(match[2]) - Number(match[1]) + 1;
    parts.push({
      contentType: fields.get("content-type") ?? null,
      contentRange,
      bytes: body.slice(at, at + length),
    });
    at += length;
  }
}

function indexOfText(haystack: Uint8Array, text: string, from: number): number {
  const needle = encoder.encode(text);
  outer: for (let i = from; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

// ── Cache-Control, HEAD, methods, CORS ───────────────────────────────────────────────────

Deno.test("createStaticHandler() sends Cache-Control: no-cache by default and a configured value", async () => {
  assert.equal(DEFAULT_CACHE_CONTROL, "no-cache");
  {
    await using site = await StaticSite.open({ "a.txt": "a" });
    assert.equal((await site.fetch("/a.txt")).header("cache-control"), "no-cache");
  }
  {
    await using site = await StaticSite.open({ "a.txt": "a" }, {
      cacheControl: "public, max-age=3600",
    });
    assert.equal((await site.fetch("/a.txt")).header("cache-control"), "public, max-age=3600");
  }
});

Deno.test("createStaticHandler() answers HEAD with the GET headers and no body", async () => {
  await using site = await StaticSite.open({
    "small.txt": "small file\n",
    "large.bin": patternBytes(LARGE_SIZE),
    "folder/a.txt": "a",
    "404.html": "custom 404",
  });
  /** Fields that may differ between two answers a moment apart. */
  const varying = new Set(["date"]);
  for (const target of ["/small.txt", "/large.bin", "/folder/", "/missing", "/folder"]) {
    using connection = await RawConnection.open(site.port);
    await connection.send(rawRequest("HEAD", target, {}) + rawRequest("GET", target, {}));
    const head = await connection.response(true);
    // Had the HEAD answer carried a body, this would read it as the next status line.
    const get = await connection.response();
    assert.equal(head.status, get.status, target);
    assert.deepEqual(
      head.headers.filter(([name]) => !varying.has(name)),
      get.headers.filter(([name]) => !varying.has(name)),
      target,
    );
    assert.equal(head.header("content-length"), String(get.body.length), target);
    await assertNoStrayBytes(connection);
  }
});

Deno.test("createStaticHandler() refuses methods other than GET, HEAD and OPTIONS with 405 + Allow", async () => {
  await using site = await StaticSite.open({ "a.txt": "a", "folder/": "" });
  for (const method of ["POST", "PUT", "DELETE", "PATCH"]) {
    for (const target of ["/a.txt", "/folder/", "/missing"]) {
      using connection = await RawConnection.open(site.port);
      await connection.send(
        `${method} ${target} HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello`,
      );
      const response = await connection.response();
      assert.equal(response.status, 405, `${method} ${target}`);
      assert.equal(response.header("allow"), "GET, HEAD, OPTIONS", `${method} ${target}`);
      // The unread body was dropped and the connection stays usable.
      await assertNoStrayBytes(connection);
    }
  }
  assert.equal((await site.fetch("/a.txt")).text(), "a", "the file is untouched");
});

Deno.test("createStaticHandler() answers OPTIONS with 204 and Allow", async () => {
  await using site = await StaticSite.open({ "a.txt": "a" });
  const response = await site.fetch("/a.txt", {}, "OPTIONS");
  assert.equal(response.status, 204);
  assert.equal(response.header("allow"), "GET, HEAD, OPTIONS");
  assert.equal(response.header("access-control-allow-origin"), null);
  assert.equal(response.header("access-control-allow-methods"), null);
});

Deno.test("createStaticHandler() sends CORS headers and answers preflights with cors: true", async () => {
  await using site = await StaticSite.open({ "a.txt": "a", "folder/": "" }, { cors: true });
  for (const target of ["/a.txt", "/folder/"]) {
    const response = await site.fetch(target, { Origin: "https://example.com" });
    assert.equal(response.status, 200, target);
    assert.equal(response.header("access-control-allow-origin"), "*", target);
  }
  const preflight = await site.fetch("/a.txt", {
    Origin: "https://example.com",
    "Access-Control-Request-Method": "GET",
    "Access-Control-Request-Headers": "range, x-custom",
  }, "OPTIONS");
  assert.equal(preflight.status, 204);
  assert.equal(preflight.header("access-control-allow-origin"), "*");
  assert.equal(preflight.header("access-control-allow-methods"), "GET, HEAD, OPTIONS");
  assert.equal(preflight.header("access-control-allow-headers"), "range, x-custom");
  assert.ok(Number(preflight.header("access-control-max-age")) > 0);

  await using closed = await StaticSite.open({ "a.txt": "a" });
  const plain = await closed.fetch("/a.txt", { Origin: "https://example.com" });
  assert.equal(plain.header("access-control-allow-origin"), null, "off by default");
});

// ── Never stale ──────────────────────────────────────────────────────────────────────────

const ITERATIONS = 20;

interface StaleRow {
  name: string;
  size: number;
  /** Replaces the file at `file` with `content`. */
  rewrite: (file: string, content: Uint8Array) => Promise<void>;
}

const STALE_ROWS: readonly StaleRow[] = [
  {
    name: "rewritten in place, same size",
    size: SMALL_SIZE,
    rewrite: (file, content) => Deno.writeFile(file, content),
  },
  {
    name: "rewritten in place, same size, mtime set back to the same old value",
    size: SMALL_SIZE,
    rewrite: async (file, content) => {
      await Deno.writeFile(file, content);
      await Deno.utime(file, OLD_MTIME, OLD_MTIME);
    },
  },
  {
    name: "replaced by rename, same size and the same old mtime",
    size: SMALL_SIZE,
    rewrite: async (file, content) => {
      const temporary = `${file}.tmp`;
      await Deno.writeFile(temporary, content);
      await Deno.utime(temporary, OLD_MTIME, OLD_MTIME);
      await Deno.rename(temporary, file);
    },
  },
  {
    name: "large, rewritten in place, same size, the same old mtime",
    size: DEFAULT_FILE_CACHE_LIMITS.maxFileBytes + 1,
    rewrite: async (file, content) => {
      await Deno.writeFile(file, content);
      await Deno.utime(file, OLD_MTIME, OLD_MTIME);
    },
  },
];

for (const { name, size, rewrite } of STALE_ROWS) {
  Deno.test(`createStaticHandler() never serves a stale file: ${name}`, async () => {
    await using site = await StaticSite.open({ "file.bin": patternBytes(size) });
    const file = path.join(site.root, "file.bin");
    await Deno.utime(file, OLD_MTIME, OLD_MTIME);
    using connection = await RawConnection.open(site.port);
    for (let i = 1; i <= ITERATIONS; i++) {
      // Asked once before the change, so that the old version is in the cache if it can be.
      await connection.send(rawRequest("GET", "/file.bin", {}));
      await connection.response();
      const content = patternBytes(size, i);
      await rewrite(file, content);
      await connection.send(rawRequest("GET", "/file.bin", {}));
      const response = await connection.response();
      assert.equal(response.status, 200);
      assert.ok(equalBytes(response.body, content), `iteration ${i} served stale bytes`);
    }
  });
}

Deno.test("createStaticHandler() never serves a stale file after a cached version is rewritten", async () => {
  // Files are cached only once their timestamps are older than MTIME_SETTLE_MS, so this
  // test lets ITERATIONS files per row settle (one wait for all), has each one cached, then
  // rewrites it: every rewrite below hits a cached version.
  const files: Files = {};
  for (const [row, { size }] of STALE_ROWS.entries()) {
    for (let i = 1; i <= ITERATIONS; i++) files[`${row}-${i}.bin`] = patternBytes(size, i);
  }
  await using site = await StaticSite.open(files);
  for (const name of Object.keys(files)) {
    await Deno.utime(path.join(site.root, name), OLD_MTIME, OLD_MTIME);
  }
  await delay(MTIME_SETTLE_MS + 100);

  using connection = await RawConnection.open(site.port);
  for (const [row, { name, size, rewrite }] of STALE_ROWS.entries()) {
    for (let i = 1; i <= ITERATIONS; i++) {
      const target = `/${row}-${i}.bin`;
      await connection.send(rawRequest("GET", target, {}));
      assert.ok(
        equalBytes((await connection.response()).body, files[`${row}-${i}.bin`] as Uint8Array),
      );
      const content = patternBytes(size, 100 + i);
      await rewrite(path.join(site.root, `${row}-${i}.bin`), content);
      await connection.send(rawRequest("GET", target, {}));
      const response = await connection.response();
      assert.ok(equalBytes(response.body, content), `${name}: file ${i} served stale bytes`);
    }
  }
});

Deno.test("createStaticHandler() never serves a stale file whose size changes", async () => {
  await using site = await StaticSite.open({ "file.txt": "x" });
  const file = path.join(site.root, "file.txt");
  using connection = await RawConnection.open(site.port);
  for (let i = 1; i <= ITERATIONS; i++) {
    const content = "y".repeat(i * 7 % 13) + `version ${i}`;
    await Deno.writeTextFile(file, content);
    await Deno.utime(file, OLD_MTIME, OLD_MTIME);
    await connection.send(rawRequest("GET", "/file.txt", {}));
    const response = await connection.response();
    assert.equal(response.text(), content, `iteration ${i}`);
    assert.equal(response.header("content-length"), String(encoder.encode(content).length));
  }
});

Deno.test("createStaticHandler() never serves a stale file to clients asking together", async () => {
  // Requests arriving in the same turn share one stat (coalesced_stat.ts): a rewrite between
  // two waves must still reach every request of the second wave.
  await using site = await StaticSite.open({ "file.bin": patternBytes(SMALL_SIZE) });
  const file = path.join(site.root, "file.bin");
  await Deno.utime(file, OLD_MTIME, OLD_MTIME);
  await delay(MTIME_SETTLE_MS + 100);
  using clients = new DisposableStack();
  const connections: RawConnection[] = [];
  for (let i = 0; i < 16; i++) connections.push(clients.use(await RawConnection.open(site.port)));
  const wave = () =>
    Promise.all(connections.map(async (connection) => {
      await connection.send(rawRequest("GET", "/file.bin", {}));
      return (await connection.response()).body;
    }));
  for (let i = 1; i <= 5; i++) {
    await wave();
    const content = patternBytes(SMALL_SIZE, i);
    await Deno.writeFile(file, content);
    await Deno.utime(file, OLD_MTIME, OLD_MTIME);
    for (const [client, body] of (await wave()).entries()) {
      assert.ok(equalBytes(body, content), `wave ${i}, client ${client} got stale bytes`);
    }
  }
});

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

// ── Dotfiles, hidden files, symlinks ─────────────────────────────────────────────────────

const DOTFILES: Files = {
  ".env": "SECRET=1",
  ".git/config": "[core]",
  "sub/.hidden": "hidden",
  "visible.txt": "visible",
};

Deno.test("createStaticHandler() hides dotfiles with 404 and leaves them out of listings", async () => {
  await using site = await StaticSite.open(DOTFILES);
  for (const target of ["/.env", "/.git/config", "/.git/", "/.git", "/sub/.hidden", "/%2eenv"]) {
    assert.equal((await site.fetch(target)).status, 404, target);
  }
  const root = (await site.fetch("/")).text();
  assert.ok(!root.includes(".env") && !root.includes(".git"), "the root lists no dotfile");
  assert.ok(root.includes("visible.txt"));
  assert.ok(!(await site.fetch("/sub/")).text().includes(".hidden"));
});

Deno.test("createStaticHandler() serves and lists dotfiles with showDotfiles: true", async () => {
  await using site = await StaticSite.open(DOTFILES, { showDotfiles: true });
  assert.equal((await site.fetch("/.env")).text(), "SECRET=1");
  assert.equal((await site.fetch("/.git/config")).text(), "[core]");
  assert.equal((await site.fetch("/sub/.hidden")).text(), "hidden");
  const root = (await site.fetch("/")).text();
  assert.ok(root.includes('href=".env"') && root.includes('href=".git/"'));
});

Deno.test("createStaticHandler() answers 404 for hiddenFiles and leaves them out of listings", async () => {
  await using folder = await tempFolder();
  const real = path.join(folder.dir, "real");
  const linked = path.join(folder.dir, "linked");
  await writeFiles(real, { "zhttp.json": "{}", "zhttp": "binary", "page.html": "page" });
  await Deno.symlink("zhttp.json", path.join(real, "alias.json"));
  await Deno.symlink(real, linked);
  // The root and the hidden files named through a symlinked folder, then through the real
  // one, in every combination: a hidden file stays hidden whichever way it is spelled.
  for (const rootDir of [real, linked]) {
    for (const hiddenDir of [real, linked]) {
      await using server = serveStatic({
        root: rootDir,
        hiddenFiles: [path.join(hiddenDir, "zhttp.json"), path.join(hiddenDir, "zhttp")],
      });
      const what = `root ${rootDir}, hidden in ${hiddenDir}`;
      const port = server.addr.port;
      for (const target of ["/zhttp.json", "/zhttp", "/alias.json"]) {
        assert.equal((await fetchRaw(port, target)).status, 404, `${target}, ${what}`);
      }
      assert.equal((await fetchRaw(port, "/page.html")).status, 200, what);
      const listing = (await fetchRaw(port, "/")).text();
      assert.ok(listing.includes("page.html"), what);
      assert.ok(!listing.includes('href="zhttp.json"'), `zhttp.json listed, ${what}`);
      assert.ok(!listing.includes('href="zhttp"'), `zhttp listed, ${what}`);
    }
  }
});

Deno.test("createStaticHandler() hides hiddenFolders and everything in them, however reached", async () => {
  await using folder = await tempFolder();
  const root = path.join(folder.dir, "home");
  // zhttp's data folder inside the served one, as when a user serves their home folder.
  await writeFiles(root, {
    "AppData/Local/zhttp/ca.crt": "CA",
    "AppData/Local/zhttp/issuing-ca.pem": "KEY",
    "AppData/Local/zhttp/old/leaf.pem": "LEAF",
    "AppData/Local/other/notes.txt": "notes",
    "zhttp-notes.txt": "mine",
  });
  const dataFolder = path.join(root, "AppData", "Local", "zhttp");
  await Deno.symlink(dataFolder, path.join(root, "shortcut"));
  await Deno.symlink(path.join(dataFolder, "issuing-ca.pem"), path.join(root, "key.pem"));
  await using server = serveStatic({ root, hiddenFolders: [dataFolder], listing: true });
  const port = server.addr.port;
  for (
    const target of [
      "/AppData/Local/zhttp/",
      "/AppData/Local/zhttp",
      "/AppData/Local/zhttp/ca.crt",
      "/AppData/Local/zhttp/issuing-ca.pem",
      "/AppData/Local/zhttp/old/leaf.pem",
      "/AppData/Local/zhttp/old/",
      "/shortcut/issuing-ca.pem",
      "/shortcut/",
      "/key.pem",
    ]
  ) {
    const response = await get(port, target);
    assert.equal(response.status, 404, target);
    assert.ok(!response.text().includes("KEY"), target);
  }
  assert.equal((await get(port, "/AppData/Local/other/notes.txt")).text(), "notes");
  assert.equal((await get(port, "/zhttp-notes.txt")).text(), "mine");
  const listing = (await get(port, "/AppData/Local/")).text();
  assert.ok(listing.includes('href="other/"'), listing);
  assert.ok(!listing.includes('href="zhttp/"'), listing);
  const top = (await get(port, "/")).text();
  assert.ok(!top.includes('href="shortcut/"') && !top.includes('href="key.pem"'), top);
});

function get(port: number, target: string): Promise<RawResponse> {
  return fetchRaw(port, target);
}

Deno.test("createStaticHandler() refuses symlinks that leave the root unless followSymlinks", async () => {
  for (const followSymlinks of [false, true]) {
    await using site = await StaticSite.open({ "inside.txt": "inside", "folder/": "" }, {
      followSymlinks,
    });
    await writeFiles(site.dir, { "outside.txt": "outside", "outdir/index.html": "outdir" });
    await Deno.symlink(path.join(site.dir, "outside.txt"), path.join(site.root, "out.txt"));
    await Deno.symlink("../../outside.txt", path.join(site.root, "folder", "relative-out.txt"));
    await Deno.symlink(path.join(site.dir, "outdir"), path.join(site.root, "outdir"));
    await Deno.symlink("inside.txt", path.join(site.root, "in.txt"));
    await Deno.symlink("../inside.txt", path.join(site.root, "folder", "up-in.txt"));

    const outside = followSymlinks ? 200 : 404;
    const rows = [
      { target: "/out.txt", status: outside, body: "outside" },
      { target: "/folder/relative-out.txt", status: outside, body: "outside" },
      { target: "/outdir/", status: outside, body: "outdir" },
      { target: "/outdir/index.html", status: outside, body: "outdir" },
      { target: "/in.txt", status: 200, body: "inside" },
      { target: "/folder/up-in.txt", status: 200, body: "inside" },
    ];
    for (const { target, status, body } of rows) {
      const response = await site.fetch(target);
      const what = `${target} with followSymlinks: ${followSymlinks}`;
      assert.equal(response.status, status, what);
      if (status === 200) assert.equal(response.text(), body, what);
      else assert.ok(!response.text().includes("outside"), what);
    }
  }
});
