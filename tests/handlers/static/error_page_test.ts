/**
 * 404 and 403 as a browser shows them: a small page that says what happened and links to
 * the parent folder, escaped, loading nothing; the folder's own 404.html when it has one;
 * and the short text for clients that do not ask for HTML.
 */
import assert from "node:assert/strict";
import {
  acceptsHtml,
  ERROR_PAGE_CSP,
  parentFolder,
  renderErrorPage,
} from "../../../lib/handlers/static/error_page.ts";
import fc from "fast-check";
import { StaticSite } from "../../support/static_site.ts";

/** What Chromium sends when it navigates to a page. */
const BROWSER_ACCEPT =
  "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8";

const ACCEPT_CASES: { accept: string | null; html: boolean }[] = [
  { accept: BROWSER_ACCEPT, html: true },
  { accept: "text/html", html: true },
  { accept: "TEXT/HTML; charset=utf-8", html: true },
  { accept: "application/xhtml+xml", html: true },
  { accept: null, html: false },
  { accept: "*/*", html: false },
  { accept: "application/json", html: false },
  { accept: "text/plain, text/*;q=0.5", html: false },
  { accept: "text/html;q=0", html: false },
  { accept: "text/html; q=0.000, */*", html: false },
  { accept: "text/html;q=0.1", html: true },
];

for (const { accept, html } of ACCEPT_CASES) {
  Deno.test(`acceptsHtml() is ${html} for ${JSON.stringify(accept)}`, () => {
    assert.equal(acceptsHtml(accept), html);
  });
}

const PARENT_CASES: { path: string; parent: string }[] = [
  { path: "/missing.html", parent: "/" },
  { path: "/docs/missing.html", parent: "/docs/" },
  { path: "/docs/old/", parent: "/docs/" },
  { path: "/docs/old", parent: "/docs/" },
  { path: "/", parent: "/" },
  { path: "/a/../b/c", parent: "/b/" },
  { path: "/a/%2e%2e/b", parent: "/" },
  // Never a protocol-relative link to another site.
  { path: "//evil.example/x", parent: "/evil.example/" },
  { path: "/.//evil.example/x", parent: "/evil.example/" },
  { path: "/a/..//evil.example/", parent: "/" },
  { path: "/caf%C3%A9/x", parent: "/caf%C3%A9/" },
];

for (const { path, parent } of PARENT_CASES) {
  Deno.test(`parentFolder() of ${path} is ${parent}`, () => {
    assert.equal(parentFolder(path), parent);
  });
}

Deno.test("parentFolder() of any path is a path on this server, never another site", () => {
  fc.assert(
    fc.property(fc.string({ unit: "binary" }), (path) => {
      const parent = parentFolder(`/${path}`);
      assert.ok(parent.startsWith("/") && !parent.startsWith("//"), parent);
    }),
    { numRuns: 3000 },
  );
  for (const path of ["/\\evil.example/x", "/%5C%5Cevil/x", "/\\[", "/a\\..\\..\\b"]) {
    assert.ok(!parentFolder(path).startsWith("//"), path);
  }
});

Deno.test("renderErrorPage() escapes the path and loads nothing from anywhere", () => {
  const page = renderErrorPage(404, "/%3Cscript%3Ealert(1)%3C%2Fscript%3E/\"x'&");
  assert.doesNotMatch(page, /<script|<img|<link|src=|url\(/i);
  assert.match(page, /&lt;script&gt;alert\(1\)&lt;\/script&gt;\/&quot;x&#39;&amp;/);
  assert.match(page, /<title>404 Not Found<\/title>/);
});

Deno.test("renderErrorPage() links to the parent folder", () => {
  assert.match(
    renderErrorPage(404, "/docs/missing.html"),
    /<a href="\/docs\/">Go to \/docs\/<\/a>/,
  );
  assert.match(renderErrorPage(403, "/secret.txt"), /<a href="\/">Go to the top folder<\/a>/);
});

Deno.test("createStaticHandler() gives a browser a 404 page with a way back", async () => {
  await using site = await StaticSite.open({ "docs/a.html": "a" });
  const response = await site.fetch("/docs/missing.html", { Accept: BROWSER_ACCEPT });
  assert.equal(response.status, 404);
  assert.equal(response.header("content-type"), "text/html; charset=utf-8");
  assert.equal(response.header("content-security-policy"), ERROR_PAGE_CSP);
  assert.match(response.text(), /<a href="\/docs\/">/);
  assert.match(response.text(), /<code>\/docs\/missing\.html<\/code>/);
});

Deno.test("createStaticHandler() gives a browser a 403 page with a way back", async () => {
  await using site = await StaticSite.open({ "docs/a.html": "a" });
  const response = await site.fetch("/docs/%5c..%5csecret", { Accept: BROWSER_ACCEPT });
  assert.equal(response.status, 403);
  assert.equal(response.header("content-type"), "text/html; charset=utf-8");
  assert.match(response.text(), /<h1>Forbidden<\/h1>/);
  assert.match(response.text(), /<a href="\/docs\/">/);
});

Deno.test("createStaticHandler() keeps the short text for clients that do not ask for HTML", async () => {
  await using site = await StaticSite.open({ "a.html": "a" });
  const clients: Record<string, string>[] = [{}, { Accept: "*/*" }, { Accept: "application/json" }];
  for (const headers of clients) {
    const response = await site.fetch("/missing", headers);
    assert.equal(response.status, 404);
    assert.equal(response.text(), "404 Not Found\n");
  }
  assert.equal((await site.fetch("/a/../b")).text(), "403 Forbidden\n");
});

Deno.test("createStaticHandler() serves the folder's own 404.html instead of the page", async () => {
  await using site = await StaticSite.open({ "404.html": "<h1>my own 404</h1>" });
  const response = await site.fetch("/missing", { Accept: BROWSER_ACCEPT });
  assert.equal(response.status, 404);
  assert.equal(response.text(), "<h1>my own 404</h1>");
});

Deno.test("createStaticHandler() answers HEAD with the page's headers and no body", async () => {
  await using site = await StaticSite.open({ "a.html": "a" });
  const get = await site.fetch("/missing", { Accept: BROWSER_ACCEPT });
  const head = await site.fetch("/missing", { Accept: BROWSER_ACCEPT }, "HEAD");
  assert.equal(head.status, 404);
  assert.equal(head.header("content-length"), String(get.body.length));
  assert.equal(head.body.length, 0);
});
