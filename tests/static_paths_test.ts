/**
 * Path safety end to end: every hostile path of tests/fixtures/hostile_paths.json, sent as a
 * raw request-target to a real server, with secrets placed where a traversal would find
 * them: beside the root, in a sibling folder whose name has the root's as a prefix (to catch
 * string-prefix containment checks), and in dotfiles inside the root.
 */
import assert from "node:assert/strict";
import path from "node:path";
import { createApp } from "../lib/app.ts";
import { createStaticHandler } from "../lib/handlers/static.ts";
import type { Server } from "../lib/server.ts";
import hostilePaths from "./fixtures/hostile_paths.json" with { type: "json" };
import { RawConnection, type RawResponse, startServer } from "./support/raw_http.ts";

const encoder = new TextEncoder();

/** Appears in every file a hostile path could reach, and in no file it may. */
const MARKER = `SECRET-${crypto.randomUUID()}`;

interface HostileRow {
  path: string;
  status: number;
  why: string;
}

/** Paths written for this layout: `<dir>/secret.txt`, `<dir>/root-secret/`, `<dir>/root/`. */
const EXTRA_ROWS: readonly HostileRow[] = [
  { path: "/../secret.txt", status: 403, why: "dot-dot to the root's parent" },
  { path: "/..%2fsecret.txt", status: 403, why: "encoded slash after dot-dot" },
  { path: "/%2e%2e/secret.txt", status: 403, why: "encoded dot-dot" },
  { path: "/%2e%2e%2fsecret.txt", status: 403, why: "dot-dot and slash both encoded" },
  { path: "/root-secret/../secret.txt", status: 403, why: "dot-dot after a sibling's name" },
  { path: "/../root-secret/secret.txt", status: 403, why: "into the prefix-named sibling" },
  { path: "/..%2froot-secret%2fsecret.txt", status: 403, why: "the same, encoded" },
  { path: "//../secret.txt", status: 403, why: "empty segment before dot-dot" },
  { path: "/./secret.txt", status: 403, why: "dot segment" },
  { path: "/sub/../../secret.txt", status: 403, why: "climbs from an existing folder" },
  { path: "/%252e%252e/secret.txt", status: 404, why: "double encoding is decoded once only" },
  { path: "/..;/secret.txt", status: 404, why: "'..;' is a name, not a dot segment" },
  { path: "/sub/..%5c..%5csecret.txt", status: 403, why: "encoded backslashes" },
  { path: "http://a/../secret.txt", status: 403, why: "absolute-form with dot-dot" },
  { path: "http://a/%2e%2e/secret.txt", status: 403, why: "absolute-form, encoded dot-dot" },
  { path: "http://a/..%2fsecret.txt", status: 403, why: "absolute-form, encoded slash" },
  // Symlinks planted inside the root that point out of it (see `openSite`).
  { path: "/link-to-parent-secret.txt", status: 404, why: "symlink to the root's parent" },
  { path: "/link-to-sibling-secret.txt", status: 404, why: "symlink into the prefix sibling" },
  { path: "/link-to-sibling/secret.txt", status: 404, why: "through a symlinked folder" },
  { path: "/link-to-sibling/", status: 404, why: "listing a symlinked outside folder" },
  { path: "/sub/link-up/secret.txt", status: 404, why: "symlink to the root's parent folder" },
];

const ROWS: readonly HostileRow[] = [...hostilePaths.refused, ...EXTRA_ROWS];

interface Site {
  dir: string;
  server: Server;
}

/**
 * `<dir>/secret.txt` and `<dir>/root-secret/secret.txt` beside `<dir>/root`, dotfiles with
 * the marker inside the root, ordinary files, and symlinks that point outside.
 */
async function openSite(showDotfiles: boolean): Promise<Site> {
  const dir = await Deno.makeTempDir({ prefix: "zhttp_paths_" });
  const root = path.join(dir, "root");
  const files: Record<string, string> = {
    "secret.txt": MARKER,
    "root-secret/secret.txt": MARKER,
    "root/index.html": "<h1>home</h1>",
    "root/secret.txt.html": "decoy",
    "root/sub/file.txt": "inside",
    "root/.env": MARKER,
    "root/.htpasswd": MARKER,
    "root/.git/config": MARKER,
    "root/.git/HEAD": MARKER,
    "root/.GIT/config": MARKER,
    "root/a/.git/HEAD": MARKER,
    "root/.well-known/acme-challenge/t": MARKER,
    "root/..a": MARKER,
  };
  for (const [name, content] of Object.entries(files)) {
    const file = path.join(dir, name);
    await Deno.mkdir(path.dirname(file), { recursive: true });
    await Deno.writeFile(file, encoder.encode(content));
  }
  await Deno.symlink(path.join(dir, "secret.txt"), path.join(root, "link-to-parent-secret.txt"));
  await Deno.symlink(
    "../root-secret/secret.txt",
    path.join(root, "link-to-sibling-secret.txt"),
  );
  await Deno.symlink(path.join(dir, "root-secret"), path.join(root, "link-to-sibling"));
  await Deno.symlink("../..", path.join(root, "sub", "link-up"));
  const handler = createStaticHandler({
    root,
    listing: true,
    showDotfiles,
    followSymlinks: false,
    cacheControl: "no-cache",
    cors: false,
  });
  return { dir, server: startServer({ handler: createApp({ fallback: handler }) }) };
}

async function closeSite(site: Site): Promise<void> {
  await site.server.close();
  await Deno.remove(site.dir, { recursive: true });
}

/** Sends `target` byte for byte (UTF-8 for the raw non-ASCII rows) and reads the answer. */
async function fetchRaw(port: number, method: string, target: string): Promise<RawResponse> {
  using connection = await RawConnection.open(port);
  await connection.send(encoder.encode(`${method} ${target} HTTP/1.1\r\nHost: a\r\n\r\n`));
  return await connection.response(method === "HEAD");
}

Deno.test("createStaticHandler() answers every hostile path with its status and never leaks", async () => {
  const site = await openSite(false);
  try {
    for (const row of ROWS) {
      for (const method of ["GET", "HEAD"]) {
        const what = `${method} ${JSON.stringify(row.path)} (${row.why})`;
        // Rows a request-target cannot hold (empty, raw spaces, controls, non-ASCII, no "/")
        // are refused by the parser instead (RFC 9112 §3.2), with the same 400.
        const response = await fetchRaw(site.server.addr.port, method, row.path);
        assert.equal(response.status, row.status, what);
        assert.ok(!response.text().includes(MARKER), `${what} leaked the marker`);
      }
    }
  } finally {
    await closeSite(site);
  }
});

Deno.test("createStaticHandler() keeps hostile paths out with showDotfiles: true", async () => {
  const site = await openSite(true);
  try {
    for (const row of ROWS) {
      const what = `${JSON.stringify(row.path)} (${row.why})`;
      const response = await fetchRaw(site.server.addr.port, "GET", row.path);
      if (row.status === 404 && !EXTRA_ROWS.includes(row)) {
        // The fixture's 404 rows are dotfiles: shown now, and holding the marker on purpose.
        assert.equal(response.status, 200, what);
        continue;
      }
      assert.ok(response.status >= 400 && response.status < 500, `${what}: ${response.status}`);
      assert.ok(!response.text().includes(MARKER), `${what} leaked the marker`);
    }
  } finally {
    await closeSite(site);
  }
});

Deno.test("createStaticHandler() lists no path that leads out of the root", async () => {
  const site = await openSite(true);
  try {
    const port = site.server.addr.port;
    await Deno.remove(path.join(site.dir, "root", "index.html"));
    const listing = (await fetchRaw(port, "GET", "/")).text();
    for (
      const name of ["link-to-parent-secret.txt", "link-to-sibling-secret.txt", "link-to-sibling/"]
    ) {
      assert.ok(!listing.includes(`href="${name}"`), `${name} is listed`);
    }
    assert.ok(listing.includes('href="sub/"'), "the listing is there");
    const sub = (await fetchRaw(port, "GET", "/sub/")).text();
    assert.ok(!sub.includes("link-up"), "a symlink to the root's parent is listed");
  } finally {
    await closeSite(site);
  }
});

Deno.test("createStaticHandler() still serves the ordinary files beside the hostile ones", async () => {
  const site = await openSite(false);
  try {
    const port = site.server.addr.port;
    const rows = [
      { target: "/", body: "<h1>home</h1>" },
      { target: "/sub/file.txt", body: "inside" },
      { target: "/secret.txt.html", body: "decoy" },
      { target: "http://a/sub/file.txt", body: "inside" },
    ];
    for (const { target, body } of rows) {
      const response = await fetchRaw(port, "GET", target);
      assert.equal(response.status, 200, target);
      assert.equal(response.text(), body, target);
    }
  } finally {
    await closeSite(site);
  }
});
