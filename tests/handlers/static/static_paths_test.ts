/**
 * Path safety end to end: every hostile path of tests/fixtures/hostile_paths.json, sent as a
 * raw request-target to a real server, with secrets placed where a traversal would find
 * them: beside the root, in a sibling folder whose name has the root's as a prefix (to catch
 * string-prefix containment checks), and in dotfiles inside the root. The rules are those of
 * the OS the tests run on; on Linux and macOS, names Windows refuses are ordinary files,
 * served and listed.
 */
import assert from "node:assert/strict";
import path from "node:path";
import { resolveUrlPath } from "../../../lib/handlers/static/safe_path.ts";
import { hostileRows } from "../../support/hostile_paths.ts";
import { StaticSite, writeFiles } from "../../support/static_site.ts";

/** Appears in every file a hostile path could reach, and in no file it may. */
const MARKER = `SECRET-${crypto.randomUUID()}`;

interface HostileRow {
  path: string;
  status: number;
  why: string;
}

const NATIVE_RULES = Deno.build.os === "windows" ? "windows" : "posix";

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

/** The fixture under this OS's rules; an allowed name that is not in the site is a 404. */
const FIXTURE_ROWS: readonly HostileRow[] = hostileRows(NATIVE_RULES).map((row) => ({
  ...row,
  status: row.status === "allowed" ? 404 : row.status,
}));

const ROWS: readonly HostileRow[] = [...FIXTURE_ROWS, ...EXTRA_ROWS];

/** Whether `path` is refused only because it names a hidden dotfile. */
function hiddenDotfile(path: string): boolean {
  const decision = resolveUrlPath(path, { showDotfiles: false });
  return !decision.ok && decision.reason.startsWith("hidden dotfile");
}

/**
 * `<dir>/secret.txt` and `<dir>/root-secret/secret.txt` beside `<dir>/root`, dotfiles with
 * the marker inside the root, ordinary files, and symlinks that point outside.
 */
async function openSite(showDotfiles: boolean): Promise<StaticSite> {
  const site = await StaticSite.open({
    "index.html": "<h1>home</h1>",
    "secret.txt.html": "decoy",
    "sub/file.txt": "inside",
    ".env": MARKER,
    ".htpasswd": MARKER,
    ".git/config": MARKER,
    ".git/HEAD": MARKER,
    ".GIT/config": MARKER,
    "a/.git/HEAD": MARKER,
    ".well-known/acme-challenge/t": MARKER,
    "..a": MARKER,
  }, { showDotfiles });
  const { dir, root } = site;
  await writeFiles(dir, { "secret.txt": MARKER, "root-secret/secret.txt": MARKER });
  await Deno.symlink(path.join(dir, "secret.txt"), path.join(root, "link-to-parent-secret.txt"));
  await Deno.symlink(
    "../root-secret/secret.txt",
    path.join(root, "link-to-sibling-secret.txt"),
  );
  await Deno.symlink(path.join(dir, "root-secret"), path.join(root, "link-to-sibling"));
  await Deno.symlink("../..", path.join(root, "sub", "link-up"));
  return site;
}

Deno.test("createStaticHandler() answers every hostile path with its status and never leaks", async () => {
  await using site = await openSite(false);
  for (const row of ROWS) {
    for (const method of ["GET", "HEAD"]) {
      const what = `${method} ${JSON.stringify(row.path)} (${row.why})`;
      // The target is sent byte for byte (UTF-8 for the raw non-ASCII rows). Rows a
      // request-target cannot hold (empty, raw spaces, controls, non-ASCII, no "/") are
      // refused by the parser instead (RFC 9112 §3.2), with the same 400.
      const response = await site.fetch(row.path, {}, method);
      assert.equal(response.status, row.status, what);
      assert.ok(!response.text().includes(MARKER), `${what} leaked the marker`);
    }
  }
});

Deno.test("createStaticHandler() keeps hostile paths out with showDotfiles: true", async () => {
  await using site = await openSite(true);
  for (const row of ROWS) {
    const what = `${JSON.stringify(row.path)} (${row.why})`;
    const response = await site.fetch(row.path);
    if (!EXTRA_ROWS.includes(row) && hiddenDotfile(row.path)) {
      // Shown now: the site's dotfiles hold the marker on purpose. Dotfiles the site does
      // not have are not there.
      assert.ok(response.status === 200 || response.status === 404, `${what}: ${response.status}`);
      continue;
    }
    assert.ok(response.status >= 400 && response.status < 500, `${what}: ${response.status}`);
    assert.ok(!response.text().includes(MARKER), `${what} leaked the marker`);
  }
});

Deno.test("createStaticHandler() lists no path that leads out of the root", async () => {
  await using site = await openSite(true);
  await Deno.remove(path.join(site.root, "index.html"));
  const listing = (await site.fetch("/")).text();
  for (
    const name of ["link-to-parent-secret.txt", "link-to-sibling-secret.txt", "link-to-sibling/"]
  ) {
    assert.ok(!listing.includes(`href="${name}"`), `${name} is listed`);
  }
  assert.ok(listing.includes('href="sub/"'), "the listing is there");
  const sub = (await site.fetch("/sub/")).text();
  assert.ok(!sub.includes("link-up"), "a symlink to the root's parent is listed");
});

Deno.test("createStaticHandler() still serves the ordinary files beside the hostile ones", async () => {
  await using site = await openSite(false);
  const rows = [
    { target: "/", body: "<h1>home</h1>" },
    { target: "/sub/file.txt", body: "inside" },
    { target: "/secret.txt.html", body: "decoy" },
    { target: "http://a/sub/file.txt", body: "inside" },
  ];
  for (const { target, body } of rows) {
    const response = await site.fetch(target);
    assert.equal(response.status, 200, target);
    assert.equal(response.text(), body, target);
  }
});

/** Ordinary names on Linux and macOS that Windows refuses, with their content. */
const POSIX_NAMES: Record<string, string> = {
  "aux.js": "export const aux = 1;",
  "con.ts": "export const con = 2;",
  "aux/index.html": "<h1>aux folder</h1>",
  "Meeting 10:30.txt": "agenda",
  "build-2026-01-02T10:30:00.log": "built",
  "What?.txt": "a question",
  "notes.": "trailing dot",
  "backup~1.txt": "first backup",
  'say "hi" <now> | maybe*.txt': "all of Windows' forbidden characters",
};

Deno.test({
  name: "createStaticHandler() on Linux and macOS serves and lists names Windows refuses",
  ignore: Deno.build.os === "windows",
  async fn() {
    await using site = await StaticSite.open(POSIX_NAMES);
    for (const [name, content] of Object.entries(POSIX_NAMES)) {
      const target = "/" + name.replace("/index.html", "/").split("/").map(encodeURIComponent)
        .join("/");
      const response = await site.fetch(target);
      assert.equal(response.status, 200, target);
      assert.equal(response.text(), content, target);
    }
    // Every link of the listing, decoded: each top-level name must be one of them.
    const listing = (await site.fetch("/")).text();
    const links = [...listing.matchAll(/href="([^"]*)"/g)].map(([, href]) =>
      decodeURIComponent(href.replaceAll("&quot;", '"').replaceAll("&amp;", "&"))
    );
    for (const name of new Set(Object.keys(POSIX_NAMES).map((name) => name.split("/")[0]))) {
      assert.ok(
        links.includes(name) || links.includes(`${name}/`),
        `${name} is not listed: ${links}`,
      );
    }
  },
});

Deno.test("createStaticHandler() answers 404 to a path of ~8,000 octets that names nothing", async () => {
  await using site = await StaticSite.open({ "index.html": "home" });
  // One name longer than any file system allows, and many names of ordinary length.
  for (const target of ["/" + "c".repeat(7900), "/" + ("b".repeat(190) + "/").repeat(41) + "x"]) {
    const response = await site.fetch(target);
    assert.equal(response.status, 404, `${target.length} octets`);
  }
});

Deno.test("createStaticHandler() answers 404, not 403, for names that cannot exist", async () => {
  await using site = await StaticSite.open({ "index.html": "home" });
  for (const target of ["/%00", "/a%00.html", "/%0d%0aSet-Cookie:%20x", "/a%7fb"]) {
    assert.equal((await site.fetch(target)).status, 404, target);
  }
});
