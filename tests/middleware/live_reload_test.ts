/**
 * The live-reload middleware over real sockets, in front of the real static handler: the
 * script injected into pages however they leave (whole from the cache, streamed from disk,
 * HEAD), with their length, ETag, conditional requests and ranges kept true; everything
 * else untouched; the reserved paths (script and event stream, with its bound and its end).
 */
import assert from "node:assert/strict";
import path from "node:path";
import { createApp } from "../../lib/app.ts";
import { createStaticHandler } from "../../lib/handlers/static/static_handler.ts";
import { CLIENT_SCRIPT, SCRIPT_TAG } from "../../lib/live/client_script.ts";
import { LiveEvents } from "../../lib/live/event_stream.ts";
import {
  fileTagsOf,
  injectedTag,
  LIVE_TAG_SUFFIX,
  liveReload,
  mayNamePage,
} from "../../lib/middleware/live_reload.ts";
import { compose, type Handler } from "../../lib/server/handler.ts";
import { startServer, type TestServer } from "../support/raw_http.ts";
import { EventStreamClient } from "../support/event_stream.ts";
import { fetchRaw, type TempFolder, tempFolder } from "../support/static_site.ts";

const PAGE = "<!doctype html><html><head><link rel=stylesheet href=/style.css></head>" +
  "<body><h1>Hi</h1></body></html>\n";
/** Larger than the file cache holds: streamed from disk in pieces. */
const BIG_PAGE = `<html><body>${
  "<p>lorem ipsum dolor sit amet</p>\n".repeat(20_000)
}</BODY></html>`;
const CSS = "h1 { color: red }\n";

/** One folder served twice: with live reload, and without it to compare. */
class LiveSite implements AsyncDisposable {
  constructor(
    readonly folder: TempFolder,
    readonly server: TestServer,
    readonly plainServer: TestServer,
    readonly events: LiveEvents,
  ) {}

  static async open(events = new LiveEvents({ maxClients: 2 })): Promise<LiveSite> {
    const folder = await tempFolder({
      "index.html": PAGE,
      "big.html": BIG_PAGE,
      "fragment.HTM": "<p>no body tag</p>",
      "style.css": CSS,
      "route": "plain text without an extension",
      "404.html": "<html><body>not here</body></html>",
    });
    const fallback = createStaticHandler({ root: folder.dir });
    const server = startServer({ handler: createApp({ fallback, live: events }) });
    const plainServer = startServer({ handler: createApp({ fallback }) });
    return new LiveSite(folder, server, plainServer, events);
  }

  /** A request to the live server. */
  fetch(target: string, headers: Record<string, string> = {}, method = "GET") {
    return fetchRaw(this.server.addr.port, target, headers, method);
  }

  /** The same request to the server without live reload. */
  fetchPlain(target: string, headers: Record<string, string> = {}, method = "GET") {
    return fetchRaw(this.plainServer.addr.port, target, headers, method);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.events.close();
    await this.server.close();
    await this.plainServer.close();
    await this.folder[Symbol.asyncDispose]();
  }
}

function withTag(page: string, before: string): string {
  const at = page.indexOf(before);
  return page.slice(0, at) + SCRIPT_TAG + page.slice(at);
}

function byteLength(text: string): number {
  return new TextEncoder().encode(text).length;
}

Deno.test("liveReload() injects the script into a cached page, with its own length and ETag", async () => {
  await using site = await LiveSite.open();
  const response = await site.fetch("/");
  const original = await site.fetchPlain("/");
  assert.equal(response.status, 200);
  assert.equal(response.text(), withTag(PAGE, "</body>"));
  assert.equal(response.header("content-length"), String(byteLength(PAGE) + SCRIPT_TAG.length));
  assert.equal(response.header("etag"), injectedTag(original.header("etag")!));
  assert.notEqual(response.header("etag"), original.header("etag"));
  assert.equal(response.header("last-modified"), null);
  assert.equal(response.header("accept-ranges"), "none");
  assert.equal(await Deno.readTextFile(path.join(site.folder.dir, "index.html")), PAGE);
});

Deno.test("liveReload() injects into a page streamed from disk under an exact Content-Length", async () => {
  await using site = await LiveSite.open();
  const response = await site.fetch("/big.html");
  assert.equal(response.header("transfer-encoding"), null);
  assert.equal(response.header("content-length"), String(BIG_PAGE.length + SCRIPT_TAG.length));
  assert.equal(response.text(), withTag(BIG_PAGE, "</BODY>"));
});

Deno.test("liveReload() appends the script to a page without a body tag", async () => {
  await using site = await LiveSite.open();
  const response = await site.fetch("/fragment.HTM");
  assert.equal(response.text(), `<p>no body tag</p>${SCRIPT_TAG}`);
});

Deno.test("liveReload() answers HEAD with the headers of the injected GET", async () => {
  await using site = await LiveSite.open();
  for (const target of ["/", "/big.html"]) {
    const get = await site.fetch(target);
    const head = await site.fetch(target, {}, "HEAD");
    assert.equal(head.body.length, 0);
    for (const name of ["content-length", "etag", "content-type", "accept-ranges"]) {
      assert.equal(head.header(name), get.header(name), `${target} ${name}`);
    }
  }
});

Deno.test("liveReload() confirms an injected page with a 304 carrying its ETag", async () => {
  await using site = await LiveSite.open();
  const first = await site.fetch("/");
  const again = await site.fetch("/", { "If-None-Match": first.header("etag")! });
  assert.equal(again.status, 304);
  assert.equal(again.header("etag"), first.header("etag"));
  assert.equal(again.header("last-modified"), null);
});

Deno.test("liveReload() never confirms a page cached without the script", async () => {
  await using site = await LiveSite.open();
  const cached = await site.fetchPlain("/");
  const cases: Record<string, string>[] = [
    { "If-None-Match": cached.header("etag")! },
    { "If-Modified-Since": cached.header("last-modified")! },
    {
      "If-None-Match": cached.header("etag")!,
      "If-Modified-Since": "Fri, 01 Jan 2100 00:00:00 GMT",
    },
  ];
  for (const headers of cases) {
    const response = await site.fetch("/", headers);
    assert.equal(response.status, 200, JSON.stringify(headers));
    assert.equal(response.text(), withTag(PAGE, "</body>"));
  }
});

Deno.test("liveReload() answers a range of a page with the whole injected page", async () => {
  await using site = await LiveSite.open();
  const page = await site.fetch("/", { Range: "bytes=0-9" });
  assert.equal(page.status, 200);
  assert.equal(page.text(), withTag(PAGE, "</body>"));
  const first = await site.fetch("/big.html");
  const resumed = await site.fetch("/big.html", {
    Range: "bytes=100-",
    "If-Range": first.header("etag")!,
  });
  assert.equal(resumed.status, 200);
  assert.equal(resumed.body.length, first.body.length);
});

Deno.test("liveReload() leaves what is not a page byte for byte as it was", async () => {
  await using site = await LiveSite.open();
  for (
    const [target, headers] of [
      ["/style.css", {}],
      ["/style.css", { Range: "bytes=0-1" }],
      ["/route", {}],
      ["/missing.css", {}],
    ] as const
  ) {
    const live = await site.fetch(target, headers);
    const original = await site.fetchPlain(target, headers);
    assert.equal(live.status, original.status, target);
    assert.equal(live.text(), original.text(), target);
    assert.equal(live.header("etag"), original.header("etag"), target);
  }
  const css = await site.fetch("/style.css", { Range: "bytes=0-1" });
  assert.equal(css.status, 206);
});

Deno.test("liveReload() injects into the 404 page of a missing page, so it reloads once saved", async () => {
  await using site = await LiveSite.open();
  const response = await site.fetch("/not-yet.html");
  assert.equal(response.status, 404);
  assert.equal(response.text(), `<html><body>not here${SCRIPT_TAG}</body></html>`);
});

Deno.test("liveReload() serves the client script, with a 304 for a browser that has it", async () => {
  await using site = await LiveSite.open();
  const script = await site.fetch("/.zhttp/live.js");
  assert.equal(script.status, 200);
  assert.equal(script.header("content-type"), "text/javascript; charset=utf-8");
  assert.equal(script.text(), CLIENT_SCRIPT);
  const again = await site.fetch("/.zhttp/live.js", { "If-None-Match": script.header("etag")! });
  assert.equal(again.status, 304);
  const post = await site.fetch("/.zhttp/live.js", { "Content-Length": "0" }, "POST");
  assert.equal(post.status, 405);
  assert.equal(post.header("allow"), "GET, HEAD");
});

Deno.test("liveReload(): without --live the reserved paths are plain hidden dotfiles (404)", async () => {
  await using site = await LiveSite.open();
  for (const target of ["/.zhttp/live", "/.zhttp/live.js"]) {
    assert.equal((await site.fetchPlain(target)).status, 404, target);
  }
  const page = await site.fetchPlain("/");
  assert.equal(page.text(), PAGE);
});

Deno.test("LiveEvents streams a hello, then the changes published, to every client", async () => {
  await using site = await LiveSite.open();
  using first = await EventStreamClient.open(site.server.addr.port, "/.zhttp/live");
  using second = await EventStreamClient.open(site.server.addr.port, "/.zhttp/live");
  for (const client of [first, second]) {
    await client.waitFor(/content-type: text\/event-stream/i);
    await client.waitFor(/retry: 1000\nevent: hello\ndata: [0-9a-f-]{36}\n\n/);
  }
  site.events.publish({ kind: "css", paths: ["/style.css"] });
  site.events.publish({ kind: "reload" });
  for (const client of [first, second]) {
    await client.waitFor(/event: css\ndata: \["\/style\.css"\]\n\n/);
    await client.waitFor(/event: reload\ndata:\n\n/);
  }
  assert.match(first.received, /cache-control: no-store/i);
  assert.match(first.received, /transfer-encoding: chunked/i);
});

Deno.test("LiveEvents refuses clients beyond its bound with 503, and frees a place when one leaves", async () => {
  await using site = await LiveSite.open();
  const port = site.server.addr.port;
  const first = await EventStreamClient.open(port, "/.zhttp/live");
  using second = await EventStreamClient.open(port, "/.zhttp/live");
  await first.waitFor(/event: hello/);
  await second.waitFor(/event: hello/);
  const refused = await site.fetch("/.zhttp/live");
  assert.equal(refused.status, 503);
  assert.equal(refused.header("retry-after"), "10");
  first[Symbol.dispose]();
  // The server notices the client left (its watch of slow handlers' sockets) and frees it.
  const deadline = Date.now() + 10_000;
  while (site.events.clientCount > 1 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  assert.equal(site.events.clientCount, 1);
  using third = await EventStreamClient.open(port, "/.zhttp/live");
  await third.waitFor(/event: hello/);
});

Deno.test("LiveEvents.close() ends every stream at once, and a shutdown does not wait for them", async () => {
  await using site = await LiveSite.open();
  const port = site.server.addr.port;
  using client = await EventStreamClient.open(port, "/.zhttp/live");
  await client.waitFor(/event: hello/);
  const started = performance.now();
  site.events.close();
  const report = await site.server.shutdown(10_000);
  await client.ended();
  assert.ok(performance.now() - started < 2000, "the drain deadline was not waited for");
  assert.equal(report.forced, 0);
  assert.match(client.received, /\r\n0\r\n\r\n$/);
});

Deno.test("LiveEvents sends heartbeat comments on an idle stream", async () => {
  await using site = await LiveSite.open(new LiveEvents({ heartbeatMs: 50 }));
  using client = await EventStreamClient.open(site.server.addr.port, "/.zhttp/live");
  await client.waitFor(/event: hello[^]*:\n\n[^]*:\n\n/);
});

const pageCases: [string, boolean][] = [
  ["/", true],
  ["/docs/", true],
  ["/app/settings", true],
  ["/index.html", true],
  ["/page.HTM", true],
  ["/.hidden", true],
  ["/style.css", false],
  ["/app.js", false],
  ["/photo.jpg", false],
  ["/data.json", false],
];

Deno.test("mayNamePage() tells which paths may be answered with a page", () => {
  for (const [target, expected] of pageCases) assert.equal(mayNamePage(target), expected, target);
});

Deno.test("fileTagsOf() turns injected tags into the file's and drops the others", () => {
  const live = (tag: string) => tag.replace(/"$/, `${LIVE_TAG_SUFFIX}"`);
  const cases: [string, string, boolean][] = [
    [live('W/"1a-2b"'), 'W/"1a-2b"', true],
    [live('"1a-2b"'), '"1a-2b"', true],
    ['W/"1a-2b"', "", false],
    [`W/"old", ${live('W/"1a-2b"')}`, 'W/"1a-2b"', true],
    ["*", "*", false],
    ["not a tag", "not a tag", false],
  ];
  for (const [value, expected, namedPage] of cases) {
    assert.deepEqual(fileTagsOf(value), { value: expected, namedPage }, value);
  }
});

Deno.test("injectedTag() puts the suffix inside the quotes, keeping weakness", () => {
  assert.equal(injectedTag('W/"1a-2b"'), `W/"1a-2b${LIVE_TAG_SUFFIX}"`);
  assert.equal(injectedTag('"abc"'), `"abc${LIVE_TAG_SUFFIX}"`);
});

/** A server whose only handler is `handler`, behind the live-reload middleware. */
function liveServer(handler: Handler, events: LiveEvents) {
  return startServer({ handler: compose(handler, liveReload(events)) });
}

Deno.test("liveReload() injects into a page written in pieces, </body> split between two", async () => {
  const events = new LiveEvents();
  await using server = liveServer(async (_req, res) => {
    res.setHeader("Content-Type", "text/html; charset=utf-8");
    await res.write("<html><body>streamed</bo");
    await res.write("dy></html>");
    res.end();
  }, events);
  const response = await fetchRaw(server.addr.port, "/page");
  assert.equal(response.header("transfer-encoding"), "chunked");
  assert.equal(response.text(), `<html><body>streamed${SCRIPT_TAG}</body></html>`);
  events.close();
});

const untouchedCases: [string, Record<string, string>, number][] = [
  ["an encoded page", { "Content-Type": "text/html", "Content-Encoding": "gzip" }, 200],
  ["a range of a page", { "Content-Type": "text/html", "Content-Range": "bytes 0-3/9" }, 206],
  ["a redirect", { "Content-Type": "text/html", Location: "/x/" }, 301],
  ["a UTF-16 page", { "Content-Type": "text/html; charset=UTF-16" }, 200],
  ["XHTML", { "Content-Type": "application/xhtml+xml" }, 200],
  ["no type", {}, 200],
];

for (const [name, headers, status] of untouchedCases) {
  Deno.test(`liveReload() leaves ${name} untouched`, async () => {
    const events = new LiveEvents();
    const body = "<body></body>";
    await using server = liveServer((_req, res) => {
      res.status = status;
      for (const [field, value] of Object.entries(headers)) res.setHeader(field, value);
      res.end(body);
    }, events);
    const response = await fetchRaw(server.addr.port, "/page");
    assert.equal(response.status, status);
    assert.equal(response.text(), body);
    events.close();
  });
}
