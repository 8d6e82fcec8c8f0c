/**
 * Response headers from --header and zhttp.json: globs from a table, then over real sockets
 * in front of the static handler (every kind of answer gets them, error pages included).
 */
import assert from "node:assert/strict";
import { createApp } from "../../lib/app.ts";
import { DEFAULT_CACHE_CONTROL } from "../../lib/cli/config.ts";
import { createStaticHandler } from "../../lib/handlers/static/static_handler.ts";
import { globPattern, type HeaderRule } from "../../lib/middleware/response_headers.ts";
import { compose } from "../../lib/server/handler.ts";
import { responseHeaders } from "../../lib/middleware/response_headers.ts";
import {
  RawConnection,
  type RawResponse,
  startServer,
  type TestServer,
} from "../support/raw_http.ts";
import { rawRequest, tempFolder } from "../support/static_site.ts";

const globCases: [string, string, boolean][] = [
  ["/assets/**", "/assets/app.js", true],
  ["/assets/**", "/assets/img/logo.png", true],
  ["/assets/**", "/assets/", true],
  ["/assets/**", "/assets", true],
  ["/assets/**", "/assetsx/app.js", false],
  ["/assets/**", "/other/assets/app.js", false],
  ["/**/*.wasm", "/game.wasm", true],
  ["/**/*.wasm", "/build/x/game.wasm", true],
  ["/**/*.wasm", "/game.wasm.gz", false],
  ["/*.html", "/index.html", true],
  ["/*.html", "/docs/index.html", false],
  ["/file?.txt", "/file1.txt", true],
  ["/file?.txt", "/file/.txt", false],
  ["/a.b", "/aXb", false],
  ["/(x)+[y]", "/(x)+[y]", true],
  ["/docs/**/index.html", "/docs/index.html", true],
  ["/docs/**/index.html", "/docs/a/b/index.html", true],
  ["/a**z", "/a/b/z", true],
];

Deno.test("globPattern() matches paths as globs are read", () => {
  for (const [glob, path, expected] of globCases) {
    assert.equal(globPattern(glob, false).test(path), expected, `${glob} ~ ${path}`);
  }
});

Deno.test("globPattern() matches in any case only when asked to", () => {
  assert.equal(globPattern("/Assets/**", false).test("/assets/a.js"), false);
  assert.equal(globPattern("/Assets/**", true).test("/assets/a.js"), true);
});

const RULES: HeaderRule[] = [
  { glob: null, name: "X-Frame-Options", value: "DENY" },
  { glob: "/assets/**", name: "Cache-Control", value: "max-age=31536000, immutable" },
  { glob: "/my files/*", name: "X-Spaced", value: "yes" },
  { glob: null, name: "Vary", value: "Origin" },
];

async function withServer(fn: (server: TestServer) => Promise<void>): Promise<void> {
  await using folder = await tempFolder({
    "index.html": "<p>hi</p>",
    "assets/app.js": "1",
    "my files/a.txt": "a",
  });
  const fallback = createStaticHandler({
    root: folder.dir,
    listing: true,
    showDotfiles: false,
    followSymlinks: false,
    cacheControl: DEFAULT_CACHE_CONTROL,
    cors: false,
  });
  await using server = startServer({ handler: createApp({ fallback, headers: RULES }) });
  await fn(server);
}

async function fetch(
  server: TestServer,
  target: string,
  headers: Record<string, string> = {},
  method = "GET",
): Promise<RawResponse> {
  using connection = await RawConnection.open(server.addr.port);
  await connection.send(rawRequest(method, target, headers));
  return await connection.response(method === "HEAD");
}

Deno.test("responseHeaders() puts the global headers on every kind of answer", async () => {
  await withServer(async (server) => {
    const answers = [
      await fetch(server, "/"),
      await fetch(server, "/missing"),
      await fetch(server, "/assets"),
      await fetch(server, "/", { "Content-Length": "0" }, "DELETE"),
      await fetch(server, "/%zz"),
      await fetch(server, "/hello"),
    ];
    assert.deepEqual(answers.map((answer) => answer.status), [200, 404, 301, 405, 400, 200]);
    for (const answer of answers) assert.equal(answer.header("x-frame-options"), "DENY");
  });
});

Deno.test("responseHeaders() puts a glob's headers on its paths only, over zhttp's own", async () => {
  await withServer(async (server) => {
    const asset = await fetch(server, "/assets/app.js");
    assert.equal(asset.header("cache-control"), "max-age=31536000, immutable");
    assert.equal(asset.headers.filter(([name]) => name === "cache-control").length, 1);
    const revalidated = await fetch(server, "/assets/app.js", {
      "If-None-Match": asset.header("etag")!,
    });
    assert.equal(revalidated.status, 304);
    assert.equal(revalidated.header("cache-control"), "max-age=31536000, immutable");
    const page = await fetch(server, "/");
    assert.equal(page.header("cache-control"), DEFAULT_CACHE_CONTROL);
    assert.equal((await fetch(server, "/my%20files/a.txt")).header("x-spaced"), "yes");
  });
});

Deno.test("responseHeaders() adds to Vary rather than replacing it", async () => {
  const rules: HeaderRule[] = [{ glob: null, name: "Vary", value: "Origin" }];
  const handler = compose((_req, res) => {
    res.setHeader("Vary", "Accept-Encoding");
    res.end("x");
  }, responseHeaders(rules, { caseInsensitive: false }));
  await using server = startServer({ handler });
  assert.equal((await fetch(server, "/")).header("vary"), "Accept-Encoding, Origin");
  const plain = compose(
    (_req, res) => res.end("x"),
    responseHeaders(rules, { caseInsensitive: false }),
  );
  await using other = startServer({ handler: plain });
  assert.equal((await fetch(other, "/")).header("vary"), "Origin");
});
