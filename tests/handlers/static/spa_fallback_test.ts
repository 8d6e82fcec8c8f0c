/**
 * The single-page-app fallback over real sockets, in front of the real static handler: a
 * browser's request for an app route gets the root index.html with 200; every other case
 * is answered exactly as without --spa (compared with a server without it, same folder).
 */
import assert from "node:assert/strict";
import { createApp } from "../../../lib/app.ts";
import { withSpaFallback } from "../../../lib/handlers/static/spa_fallback.ts";
import { createStaticHandler } from "../../../lib/handlers/static/static_handler.ts";
import { startServer, type TestServer } from "../../support/raw_http.ts";
import { fetchRaw, type Files, tempFolder } from "../../support/static_site.ts";

const INDEX = "<!doctype html><title>app</title><div id=app></div>\n";
const BROWSER_ACCEPT =
  "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8";
const FILES: Files = {
  "index.html": INDEX,
  "404.html": "<p>custom 404</p>",
  "app.css": "body {}",
  "notes": "a file without an extension",
  "docs/guide.txt": "guide",
  "empty/": "",
};

/** The folder served with --spa, and without it to compare. */
async function withSites(
  files: Files,
  fn: (spa: TestServer, plain: TestServer) => Promise<void>,
): Promise<void> {
  await using folder = await tempFolder(files);
  const options = { root: folder.dir, showDotfiles: false };
  const handler = createStaticHandler(options);
  await using spa = startServer({
    handler: createApp({ fallback: withSpaFallback(handler, options) }),
  });
  await using plain = startServer({ handler: createApp({ fallback: handler }) });
  await fn(spa, plain);
}

const routeCases: [string, Record<string, string>][] = [
  ["/settings", { Accept: BROWSER_ACCEPT }],
  ["/app/users/42", { Accept: "text/html" }],
  ["/app/users/", { Accept: "TEXT/HTML;q=0.5" }],
  ["/v1.2/route", { Accept: BROWSER_ACCEPT }],
  ["/notes/deeper", { Accept: BROWSER_ACCEPT }],
  ["/caf%C3%A9?x=1", { Accept: BROWSER_ACCEPT }],
];

for (const [target, headers] of routeCases) {
  Deno.test(`withSpaFallback() answers the app route ${target} with index.html and 200`, async () => {
    await withSites(FILES, async (spa) => {
      const index = await fetchRaw(spa.addr.port, "/index.html");
      const response = await fetchRaw(spa.addr.port, target, headers);
      assert.equal(response.status, 200);
      assert.equal(response.text(), INDEX);
      assert.equal(response.header("content-type"), "text/html; charset=utf-8");
      assert.equal(response.header("etag"), index.header("etag"));
      assert.equal(response.header("location"), null);
    });
  });
}

const unchangedCases: [string, string, Record<string, string>, number][] = [
  ["a real file", "/app.css", { Accept: BROWSER_ACCEPT }, 200],
  ["a real file without an extension", "/notes", { Accept: BROWSER_ACCEPT }, 200],
  ["a real folder without its slash", "/docs", { Accept: BROWSER_ACCEPT }, 301],
  ["a real folder", "/docs/", { Accept: BROWSER_ACCEPT }, 200],
  ["an empty real folder", "/empty/", { Accept: BROWSER_ACCEPT }, 200],
  ["a missing asset", "/app.js", { Accept: BROWSER_ACCEPT }, 404],
  ["a missing asset in a folder", "/assets/logo.png", { Accept: BROWSER_ACCEPT }, 404],
  ["no Accept field", "/settings", {}, 404],
  ["a script's fetch() (*/*)", "/settings", { Accept: "*/*" }, 404],
  ["text/* only", "/settings", { Accept: "text/*" }, 404],
  ["text/html refused (q=0)", "/settings", { Accept: "text/html;q=0, */*" }, 404],
  ["JSON asked for", "/api/users", { Accept: "application/json" }, 404],
  ["a hidden path", "/.settings", { Accept: BROWSER_ACCEPT }, 404],
  ["a path refused outright", "/a%2F..%2F..", { Accept: BROWSER_ACCEPT }, 403],
];

for (const [name, target, headers, status] of unchangedCases) {
  Deno.test(`withSpaFallback() answers ${name} as without --spa (${status})`, async () => {
    await withSites(FILES, async (spa, plain) => {
      const withSpa = await fetchRaw(spa.addr.port, target, headers);
      const without = await fetchRaw(plain.addr.port, target, headers);
      assert.equal(withSpa.status, status);
      assert.equal(withSpa.status, without.status);
      assert.equal(withSpa.text(), without.text());
      assert.equal(withSpa.header("location"), without.header("location"));
    });
  });
}

Deno.test("withSpaFallback() leaves other methods as they were (405)", async () => {
  await withSites(FILES, async (spa, plain) => {
    for (const method of ["POST", "PUT", "DELETE"]) {
      const headers = { Accept: BROWSER_ACCEPT, "Content-Length": "0" };
      const withSpa = await fetchRaw(spa.addr.port, "/settings", headers, method);
      assert.equal(withSpa.status, 405, method);
      assert.equal(
        withSpa.status,
        (await fetchRaw(plain.addr.port, "/settings", headers, method)).status,
      );
    }
  });
});

Deno.test("withSpaFallback() answers HEAD as GET, without the body", async () => {
  await withSites(FILES, async (spa) => {
    const head = await fetchRaw(spa.addr.port, "/settings", { Accept: BROWSER_ACCEPT }, "HEAD");
    assert.equal(head.status, 200);
    assert.equal(head.header("content-length"), String(INDEX.length));
    assert.equal(head.body.length, 0);
  });
});

Deno.test("withSpaFallback() confirms the index a browser has with a 304", async () => {
  await withSites(FILES, async (spa) => {
    const first = await fetchRaw(spa.addr.port, "/settings", { Accept: BROWSER_ACCEPT });
    const again = await fetchRaw(spa.addr.port, "/profile", {
      Accept: BROWSER_ACCEPT,
      "If-None-Match": first.header("etag")!,
    });
    assert.equal(again.status, 304);
  });
});

Deno.test("withSpaFallback() gives the 404 as before when there is no index.html", async () => {
  const { "index.html": _, ...withoutIndex } = FILES;
  await withSites(withoutIndex, async (spa) => {
    const response = await fetchRaw(spa.addr.port, "/settings", { Accept: BROWSER_ACCEPT });
    assert.equal(response.status, 404);
    assert.equal(response.text(), "<p>custom 404</p>");
  });
});
