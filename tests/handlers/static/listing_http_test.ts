/**
 * Folder listings end to end over real sockets: validators and 304 (issue 17), the JSON
 * form and content negotiation, sorting, filtering and paging by query, and names that are
 * not valid UTF-8 (issue 18.8). Each test serves its own temporary folder through
 * `createApp`, exactly as the binary does.
 */
import assert from "node:assert/strict";
import path from "node:path";
import { RawConnection, type RawResponse } from "../../support/raw_http.ts";
import { rawRequest, StaticSite } from "../../support/static_site.ts";

const CHROMIUM_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif," +
  "image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7";

/** The names a listing page links to, in order (the parent link left out). */
function listedNames(response: RawResponse): string[] {
  const html = response.text();
  const body = html.slice(html.indexOf("<tbody>"), html.indexOf("</tbody>"));
  return [...body.matchAll(/<a href="[^"]*">([^<]*)<\/a>/g)]
    .map((match) => match[1])
    .filter((name) => name !== "../");
}

async function setTime(file: string, ms: number): Promise<void> {
  await Deno.utime(file, new Date(ms), new Date(ms));
}

Deno.test("createStaticHandler() gives a listing a weak ETag and answers 304 while nothing shown changed", async () => {
  await using site = await StaticSite.open({ "a.txt": "a", "sub/": "" });
  const first = await site.fetch("/");
  assert.equal(first.status, 200);
  const etag = first.header("etag");
  assert.match(etag ?? "", /^W\/"[A-Za-z0-9_-]+"$/, "a weak ETag");
  assert.equal(first.header("cache-control"), "no-cache", "revalidated on every use");
  assert.equal(first.header("vary"), "Accept");

  const again = await site.fetch("/");
  assert.equal(again.header("etag"), etag, "the same listing, the same ETag");

  const revalidated = await site.fetch("/", { "If-None-Match": etag! });
  assert.equal(revalidated.status, 304);
  assert.equal(revalidated.body.length, 0);
  assert.equal(revalidated.header("etag"), etag);
  assert.equal(revalidated.header("cache-control"), "no-cache");
  assert.equal(revalidated.header("vary"), "Accept");
  assert.equal((await site.fetch("/", { "If-None-Match": `"x", ${etag}` })).status, 304);
  assert.equal((await site.fetch("/", { "If-None-Match": "*" })).status, 304);
  assert.equal((await site.fetch("/", { "If-None-Match": 'W/"other"' })).status, 200);
  assert.equal((await site.fetch("/", { "If-Match": 'W/"other"' })).status, 412);
  // A listing has no Last-Modified, so a date condition cannot make it 304.
  const since = await site.fetch("/", { "If-Modified-Since": "Fri, 01 Jan 2100 00:00:00 GMT" });
  assert.equal(since.status, 200);

  const head = await site.fetch("/", {}, "HEAD");
  assert.equal(head.status, 200);
  assert.equal(head.header("etag"), etag, "HEAD validates like GET");
});

Deno.test("createStaticHandler() changes a listing's ETag when an entry is added, removed, resized or touched", async () => {
  await using site = await StaticSite.open({ "a.txt": "a", "b.txt": "b" });
  const fixed = Date.UTC(2024, 0, 1);
  await setTime(path.join(site.root, "a.txt"), fixed);
  const etagOf = async () => (await site.fetch("/")).header("etag");
  const seen = new Set([await etagOf()]);
  const changes: [string, () => Promise<void>][] = [
    ["added", () => Deno.writeTextFile(path.join(site.root, "c.txt"), "c")],
    ["removed", () => Deno.remove(path.join(site.root, "b.txt"))],
    ["resized", async () => {
      await Deno.writeTextFile(path.join(site.root, "a.txt"), "longer");
      await setTime(path.join(site.root, "a.txt"), fixed);
    }],
    ["touched", () => setTime(path.join(site.root, "a.txt"), fixed + 60_000)],
    ["a folder added", () => Deno.mkdir(path.join(site.root, "d"))],
  ];
  for (const [what, change] of changes) {
    const before = await etagOf();
    await change();
    const after = await etagOf();
    assert.notEqual(after, before, what);
    assert.equal((await site.fetch("/", { "If-None-Match": before! })).status, 200, what);
    assert.ok(!seen.has(after), `${what}: a new ETag`);
    seen.add(after);
  }
});

Deno.test("createStaticHandler() gives each order and each representation of a listing its own ETag", async () => {
  await using site = await StaticSite.open({ "a.txt": "aaa", "b.txt": "b" });
  const targets = ["/", "/?sort=size", "/?sort=size&order=asc", "/?sort=date", "/?q=a"];
  const etags = await Promise.all(targets.map(async (target) => {
    return (await site.fetch(target)).header("etag");
  }));
  const json = (await site.fetch("/", { Accept: "application/json" })).header("etag");
  assert.equal(new Set([...etags, json]).size, targets.length + 1);
  // The same answer spelled another way is the same listing.
  assert.equal((await site.fetch("/?sort=name&order=asc&page=1")).header("etag"), etags[0]);
  assert.equal(
    (await site.fetch("/", { Accept: "application/json", "If-None-Match": json! })).status,
    304,
  );
  assert.equal((await site.fetch("/", { "If-None-Match": json! })).status, 200, "not the page's");
});

Deno.test("createStaticHandler() answers a listing as JSON for Accept: application/json, as HTML for browsers", async () => {
  await using site = await StaticSite.open({ "a b&.txt": "12345", "sub/": "", "sub/x": "" });
  const mtime = Date.UTC(2025, 5, 6, 7, 8, 9, 10);
  await setTime(path.join(site.root, "a b&.txt"), mtime);
  await setTime(path.join(site.root, "sub"), mtime);

  for (const accept of [CHROMIUM_ACCEPT, "*/*", "text/html", "image/png", null]) {
    const response = await site.fetch("/", accept === null ? {} : { Accept: accept });
    assert.equal(response.header("content-type"), "text/html; charset=utf-8", String(accept));
    assert.equal(response.header("vary"), "Accept");
  }
  for (const accept of ["application/json", "application/json, text/plain, */*"]) {
    const response = await site.fetch("/", { Accept: accept });
    assert.equal(response.status, 200);
    assert.equal(response.header("content-type"), "application/json; charset=utf-8", accept);
    assert.equal(response.header("vary"), "Accept");
    assert.deepEqual(JSON.parse(response.text()), {
      path: "/",
      sort: "name",
      order: "asc",
      filter: "",
      total: 2,
      unreadableNames: 0,
      entries: [
        {
          name: "sub",
          kind: "folder",
          size: null,
          modified: "2025-06-06T07:08:09.010Z",
          href: "sub/",
        },
        {
          name: "a b&.txt",
          kind: "file",
          size: 5,
          modified: "2025-06-06T07:08:09.010Z",
          href: "a%20b%26.txt",
        },
      ],
    });
  }
  const sub = JSON.parse(
    (await site.fetch("/sub/?sort=size", { Accept: "application/json" })).text(),
  );
  assert.deepEqual([sub.path, sub.sort, sub.order, sub.total], ["/sub/", "size", "desc", 1]);
});

Deno.test("createStaticHandler() sorts a listing by the query, folders first, and falls back on nonsense", async () => {
  await using site = await StaticSite.open({
    "big.bin": "x".repeat(3000),
    "small.bin": "x",
    "mid.bin": "x".repeat(200),
    "zdir/": "",
    "adir/": "",
  });
  await setTime(path.join(site.root, "big.bin"), Date.UTC(2024, 0, 3));
  await setTime(path.join(site.root, "small.bin"), Date.UTC(2024, 0, 1));
  await setTime(path.join(site.root, "mid.bin"), Date.UTC(2024, 0, 2));
  const rows = [
    { query: "", names: ["adir/", "zdir/", "big.bin", "mid.bin", "small.bin"] },
    { query: "?order=desc", names: ["zdir/", "adir/", "small.bin", "mid.bin", "big.bin"] },
    { query: "?sort=size", names: ["adir/", "zdir/", "big.bin", "mid.bin", "small.bin"] },
    { query: "?sort=size&order=asc", names: ["adir/", "zdir/", "small.bin", "mid.bin", "big.bin"] },
    { query: "?sort=date", names: ["adir/", "zdir/", "big.bin", "mid.bin", "small.bin"] },
    { query: "?sort=date&order=asc", names: ["adir/", "zdir/", "small.bin", "mid.bin", "big.bin"] },
    {
      query: "?sort=%3Cscript%3E&order=sideways&page=-1",
      names: ["adir/", "zdir/", "big.bin", "mid.bin", "small.bin"],
    },
    { query: "?page=99", names: ["adir/", "zdir/", "big.bin", "mid.bin", "small.bin"] },
    { query: "?q=MID", names: ["mid.bin"] },
    { query: "?q=dir&sort=size", names: ["adir/", "zdir/"] },
    { query: "?q=nothing", names: [] },
  ];
  for (const { query, names } of rows) {
    const response = await site.fetch(`/${query}`);
    assert.equal(response.status, 200, query);
    assert.deepEqual(listedNames(response), names, query);
  }
  const sorted = (await site.fetch("/?sort=size")).text();
  assert.ok(sorted.includes('<a href="zdir/?sort=size">zdir/</a>'), "folders keep the order");
  const reflected = (await site.fetch("/?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E")).text();
  assert.ok(!reflected.includes("<script>alert"), "the filter is shown escaped");
  assert.ok(reflected.includes("&lt;script&gt;alert(1)&lt;/script&gt;"));
});

Deno.test("createStaticHandler() streams a large listing in pieces, and HEAD sends no body", async () => {
  const files: Record<string, string> = { "small/a.txt": "a" };
  for (let i = 0; i < 1500; i++) files[`file-${String(i).padStart(4, "0")}.txt`] = "x";
  await using site = await StaticSite.open(files);
  const response = await site.fetch("/");
  assert.equal(response.header("transfer-encoding"), "chunked", "streamed, not one body");
  assert.equal(response.header("content-length"), null);
  assert.equal(listedNames(response).length, 1501);
  assert.ok(response.text().endsWith("</html>\n"));

  const small = await site.fetch("/small/");
  assert.equal(small.header("content-length"), String(small.body.length), "small: one piece");

  for (const target of ["/", "/small/"]) {
    // Body bytes after a HEAD answer would make the next answer on the connection unreadable.
    using connection = await RawConnection.open(site.port);
    await connection.send(rawRequest("HEAD", target) + rawRequest("GET", "/hello"));
    const head = await connection.response(true);
    assert.equal(head.status, 200, target);
    assert.equal(head.header("etag"), (await site.fetch(target)).header("etag"), target);
    if (target === "/small/") {
      assert.equal(head.header("content-length"), small.header("content-length"));
    }
    assert.equal((await connection.response()).text(), "Hello, World!\n", target);
  }
});

Deno.test({
  name:
    "createStaticHandler() says a name that is not valid UTF-8 cannot be listed, and lists the rest",
  // Windows names are UTF-16, and no Deno API can make an invalid one to test with.
  ignore: Deno.build.os === "windows",
  async fn() {
    await using site = await StaticSite.open({ "good.txt": "good" });
    // Deno's paths are strings, so it cannot create such a name: the shell can.
    const made = await new Deno.Command("sh", {
      args: ["-c", `printf bad > "$(printf 'bad\\377.txt')"`],
      cwd: site.root,
    }).output();
    assert.equal(made.code, 0);
    const page = await site.fetch("/");
    assert.deepEqual(listedNames(page), ["good.txt"], "no link that could not work");
    assert.ok(!page.text().includes("\uFFFD"), "no garbled name");
    assert.match(page.text(), /1 entry is not listed: its name is not valid UTF-8/);
    const json = JSON.parse((await site.fetch("/", { Accept: "application/json" })).text());
    assert.equal(json.unreadableNames, 1);
    assert.deepEqual(json.entries.map((entry: { name: string }) => entry.name), ["good.txt"]);
    // What a browser would make of the mangled name is no way in either.
    assert.equal((await site.fetch("/bad%EF%BF%BD.txt")).status, 404);
  },
});
