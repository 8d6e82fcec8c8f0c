/**
 * Response headers from --header and zhttp.json: globs from a table, then over real sockets
 * in front of the static handler (every kind of answer gets them, error pages included).
 */
import assert from "node:assert/strict";
import { DEFAULT_CACHE_CONTROL } from "../../lib/cli/config.ts";
import { globPattern, type HeaderRule } from "../../lib/middleware/response_headers.ts";
import { compose } from "../../lib/server/handler.ts";
import { responseHeaders } from "../../lib/middleware/response_headers.ts";
import { startServer, type TestServer } from "../support/raw_http.ts";
import { fetchRaw, serveStatic, tempFolder } from "../support/static_site.ts";

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
  await using server = serveStatic({ root: folder.dir }, { headers: RULES });
  await fn(server);
}

Deno.test("responseHeaders() puts the global headers on every kind of answer", async () => {
  await withServer(async (server) => {
    const answers = [
      await fetchRaw(server.addr.port, "/"),
      await fetchRaw(server.addr.port, "/missing"),
      await fetchRaw(server.addr.port, "/assets"),
      await fetchRaw(server.addr.port, "/", { "Content-Length": "0" }, "DELETE"),
      await fetchRaw(server.addr.port, "/%zz"),
      await fetchRaw(server.addr.port, "/hello"),
    ];
    assert.deepEqual(answers.map((answer) => answer.status), [200, 404, 301, 405, 400, 200]);
    for (const answer of answers) assert.equal(answer.header("x-frame-options"), "DENY");
  });
});

Deno.test("responseHeaders() puts a glob's headers on its paths only, over zhttp's own", async () => {
  await withServer(async (server) => {
    const asset = await fetchRaw(server.addr.port, "/assets/app.js");
    assert.equal(asset.header("cache-control"), "max-age=31536000, immutable");
    assert.equal(asset.headers.filter(([name]) => name === "cache-control").length, 1);
    const revalidated = await fetchRaw(server.addr.port, "/assets/app.js", {
      "If-None-Match": asset.header("etag")!,
    });
    assert.equal(revalidated.status, 304);
    assert.equal(revalidated.header("cache-control"), "max-age=31536000, immutable");
    const page = await fetchRaw(server.addr.port, "/");
    assert.equal(page.header("cache-control"), DEFAULT_CACHE_CONTROL);
    assert.equal((await fetchRaw(server.addr.port, "/my%20files/a.txt")).header("x-spaced"), "yes");
  });
});

Deno.test("responseHeaders() adds to Vary rather than replacing it", async () => {
  const rules: HeaderRule[] = [{ glob: null, name: "Vary", value: "Origin" }];
  const handler = compose((_req, res) => {
    res.setHeader("Vary", "Accept-Encoding");
    res.end("x");
  }, responseHeaders(rules, { caseInsensitive: false }));
  await using server = startServer({ handler });
  assert.equal((await fetchRaw(server.addr.port, "/")).header("vary"), "Accept-Encoding, Origin");
  const plain = compose(
    (_req, res) => res.end("x"),
    responseHeaders(rules, { caseInsensitive: false }),
  );
  await using other = startServer({ handler: plain });
  assert.equal((await fetchRaw(other.addr.port, "/")).header("vary"), "Origin");
});
