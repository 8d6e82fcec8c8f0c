/**
 * The listing's pure parts, from tables: the page (escaping, links, headers, breadcrumbs,
 * pages), the JSON document, the query and the ETag.
 */
import assert from "node:assert/strict";
import type { ListingEntry } from "../../../lib/handlers/static/folder_index.ts";
import { iconKindOf } from "../../../lib/handlers/static/file_kinds.ts";
import { listingEtag } from "../../../lib/handlers/static/listing.ts";
import { jsonEntry, renderListingJson } from "../../../lib/handlers/static/listing_json.ts";
import {
  escapeHtml,
  formatCount,
  formatSize,
  type ListingPage,
  renderListing,
} from "../../../lib/handlers/static/listing_page.ts";
import {
  DEFAULT_QUERY,
  formatListingQuery,
  type ListingQuery,
  MAX_FILTER_CHARS,
  parseListingQuery,
} from "../../../lib/handlers/static/listing_query.ts";

const ESCAPES: readonly { text: string; escaped: string }[] = [
  { text: "plain.txt", escaped: "plain.txt" },
  { text: "", escaped: "" },
  { text: "a&b", escaped: "a&amp;b" },
  { text: "<script>alert(1)</script>", escaped: "&lt;script&gt;alert(1)&lt;/script&gt;" },
  { text: `"quoted"`, escaped: "&quot;quoted&quot;" },
  { text: "it's", escaped: "it&#39;s" },
  { text: "&amp;", escaped: "&amp;amp;" },
  { text: "é ü 日本", escaped: "é ü 日本" },
];

for (const { text, escaped } of ESCAPES) {
  Deno.test(`escapeHtml() turns ${JSON.stringify(text)} into ${JSON.stringify(escaped)}`, () => {
    assert.equal(escapeHtml(text), escaped);
  });
}

const SIZES: readonly { bytes: number; shown: string }[] = [
  { bytes: 0, shown: "0 B" },
  { bytes: 1, shown: "1 B" },
  { bytes: 1023, shown: "1023 B" },
  { bytes: 1024, shown: "1.0 KiB" },
  { bytes: 1536, shown: "1.5 KiB" },
  { bytes: 10 * 1024 - 1, shown: "10 KiB" },
  { bytes: 10 * 1024, shown: "10 KiB" },
  { bytes: 500 * 1024, shown: "500 KiB" },
  { bytes: 1024 * 1024 - 1, shown: "1.0 MiB" },
  { bytes: 1024 * 1024, shown: "1.0 MiB" },
  { bytes: 12 * 1024 * 1024, shown: "12 MiB" },
  { bytes: 1024 ** 3 - 1, shown: "1.0 GiB" },
  { bytes: 4.5 * 1024 ** 3, shown: "4.5 GiB" },
  { bytes: 2 * 1024 ** 4, shown: "2.0 TiB" },
  { bytes: 5000 * 1024 ** 4, shown: "5000 TiB" },
];

for (const { bytes, shown } of SIZES) {
  Deno.test(`formatSize() shows ${bytes} bytes as ${JSON.stringify(shown)}`, () => {
    assert.equal(formatSize(bytes), shown);
  });
}

Deno.test("formatCount() groups digits by thousands", () => {
  const rows = [[0, "0"], [999, "999"], [1000, "1,000"], [1536, "1,536"], [
    5368709120,
    "5,368,709,120",
  ]] as const;
  for (const [count, shown] of rows) assert.equal(formatCount(count), shown);
});

const MTIME = Date.UTC(2026, 10, 26, 8, 35, 59, 123);

function file(name: string, size = 10): ListingEntry {
  return { name, isDirectory: false, size, mtimeMs: MTIME };
}

function folder(name: string): ListingEntry {
  return { name, isDirectory: true, size: 4096, mtimeMs: MTIME };
}

/** A one-page listing of `entries` at `segments`, with `changes` applied. */
function page(
  segments: string[],
  entries: ListingEntry[],
  changes: Partial<ListingPage> = {},
): ListingPage {
  return {
    segments,
    query: { ...DEFAULT_QUERY },
    entries,
    total: entries.length,
    folders: entries.filter((entry) => entry.isDirectory).length,
    firstIndex: 0,
    pages: 1,
    unreadableNames: 0,
    ...changes,
  };
}

/** The rows of a rendered listing: each link's href and text, in order. */
function rowLinks(html: string): { href: string; text: string }[] {
  const body = html.slice(html.indexOf("<tbody>"), html.indexOf("</tbody>"));
  return [...body.matchAll(/<a href="([^"]*)">([^<]*)<\/a>/g)].map((match) => ({
    href: match[1],
    text: match[2],
  }));
}

/** The line of the table row whose link text is `text`. */
function rowOf(html: string, text: string): string {
  const line = html.split("\n").find((candidate) => candidate.includes(`">${text}</a>`));
  assert.ok(line !== undefined, `no row for ${text}`);
  return line;
}

Deno.test("renderListing() shows the entries in the order given, folders with a slash", () => {
  const html = renderListing(page([], [folder("z"), file("b.txt"), file("a.txt")]));
  assert.deepEqual(rowLinks(html).map((link) => link.text), ["z/", "b.txt", "a.txt"]);
});

Deno.test("renderListing() links to the parent folder except at the root", () => {
  const texts = (segments: string[]) =>
    rowLinks(renderListing(page(segments, [file("a")]))).map((link) => link.text);
  assert.deepEqual(texts([]), ["a"]);
  assert.deepEqual(texts(["docs"]), ["../", "a"]);
  assert.deepEqual(texts(["a", "b"]), ["../", "a"]);
});

Deno.test("renderListing() escapes names in text and percent-encodes them in links", () => {
  const rows = [
    {
      entry: file("<img src=x onerror=alert(1)>.txt"),
      row: '<a href="%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E.txt">' +
        "&lt;img src=x onerror=alert(1)&gt;.txt</a>",
    },
    { entry: file("a&b.txt"), row: '<a href="a%26b.txt">a&amp;b.txt</a>' },
    {
      entry: file(`x" onclick="alert(1)`),
      row: '<a href="x%22%20onclick%3D%22alert(1)">x&quot; onclick=&quot;alert(1)</a>',
    },
    { entry: file("it's.txt"), row: '<a href="it&#39;s.txt">it&#39;s.txt</a>' },
    { entry: file("javascript:alert(1)"), row: '<a href="javascript%3Aalert(1)">' },
    { entry: file("?q=1#x"), row: '<a href="%3Fq%3D1%23x">?q=1#x</a>' },
    { entry: file("日本.txt"), row: '<a href="%E6%97%A5%E6%9C%AC.txt">日本.txt</a>' },
    { entry: folder("R&D"), row: '<a href="R%26D/">R&amp;D/</a>' },
  ];
  for (const { entry, row } of rows) {
    const html = renderListing(page([], [entry]));
    assert.ok(html.includes(row), `${entry.name}: ${row}`);
    assert.ok(!html.includes("<img") && !html.includes('" onclick'), entry.name);
  }
});

Deno.test("renderListing() escapes the folder's path in the title and the breadcrumbs", () => {
  const html = renderListing(page(["<b>&"], []));
  assert.ok(html.includes("<title>Index of /&lt;b&gt;&amp;/</title>"));
  assert.ok(html.includes('<h1>Index of <a href="../">/</a>&lt;b&gt;&amp;/</h1>'));
  assert.ok(!html.includes("<b>"));
  const filtered = renderListing(page([], [], { query: { ...DEFAULT_QUERY, filter: `"><i>` } }));
  assert.ok(filtered.includes('value="&quot;&gt;&lt;i&gt;"'), "the filter box's value");
  assert.ok(!filtered.includes("<i>"));
});

Deno.test("renderListing() links every parent folder in the breadcrumbs, relatively", () => {
  const heading = (html: string) => html.match(/<h1>(.*)<\/h1>/)![1];
  assert.equal(heading(renderListing(page([], []))), "Index of /");
  assert.equal(
    heading(renderListing(page(["docs", "a b", "c"], []))),
    'Index of <a href="../../../">/</a><a href="../../">docs/</a><a href="../">a b/</a>c/',
  );
  const sorted = page(["docs", "c"], [], {
    query: { ...DEFAULT_QUERY, sort: "size", order: "desc" },
  });
  assert.equal(
    heading(renderListing(sorted)),
    'Index of <a href="../../?sort=size">/</a><a href="../?sort=size">docs/</a>c/',
    "the order goes along",
  );
});

Deno.test("renderListing() shows sizes with exact bytes on hover, a dash for folders, UTC dates", () => {
  const html = renderListing(page([], [
    file("big.bin", 1536),
    file("huge.iso", 5368709120),
    folder("sub"),
    { name: "undated", isDirectory: false, size: 0, mtimeMs: null },
  ]));
  assert.ok(html.includes("<th>Modified (UTC)</th>") || html.includes(">Modified (UTC)</a>"));
  assert.match(
    rowOf(html, "big.bin"),
    /<td title="1,536 bytes">1\.5 KiB<td title="2026-11-26T08:35:59\.123Z">2026-11-26 08:35$/,
  );
  assert.match(rowOf(html, "huge.iso"), /<td title="5,368,709,120 bytes">5\.0 GiB<td /);
  assert.match(rowOf(html, "sub/"), /<td>—<td title="2026-11-26T08:35:59\.123Z">2026-11-26 08:35$/);
  assert.match(rowOf(html, "undated"), /<td title="0 bytes">0 B<td>$/);
});

Deno.test("renderListing() marks each row with its kind of icon", () => {
  const html = renderListing(page([], [folder("pics"), file("a.png"), file("b.zip")]));
  assert.match(rowOf(html, "pics/"), /^<tr class="d">/);
  assert.match(rowOf(html, "a.png"), /^<tr class="i">/);
  assert.match(rowOf(html, "b.zip"), /^<tr class="z">/);
});

/** The column headers of a rendered page: each one's link and aria-sort. */
function headers(html: string): { label: string; href: string; sorted: string | null }[] {
  const head = html.slice(html.indexOf("<thead>"), html.indexOf("</thead>"));
  return [...head.matchAll(/<th( aria-sort="(\w+)")?><a href="([^"]*)">([^<]*)<\/a><\/th>/g)]
    .map((match) => ({ label: match[4], href: match[3], sorted: match[2] ?? null }));
}

const HEADER_CASES: readonly {
  query: Partial<ListingQuery>;
  expected: { label: string; href: string; sorted: string | null }[];
}[] = [
  {
    query: {},
    expected: [
      { label: "Name", href: "?order=desc", sorted: "ascending" },
      { label: "Size", href: "?sort=size", sorted: null },
      { label: "Modified (UTC)", href: "?sort=date", sorted: null },
    ],
  },
  {
    query: { sort: "size", order: "desc" },
    expected: [
      { label: "Name", href: "./", sorted: null },
      { label: "Size", href: "?sort=size&amp;order=asc", sorted: "descending" },
      { label: "Modified (UTC)", href: "?sort=date", sorted: null },
    ],
  },
  {
    query: { sort: "date", order: "asc", page: 3, filter: "a b&c" },
    expected: [
      { label: "Name", href: "?q=a+b%26c", sorted: null },
      { label: "Size", href: "?sort=size&amp;q=a+b%26c", sorted: null },
      { label: "Modified (UTC)", href: "?sort=date&amp;q=a+b%26c", sorted: "ascending" },
    ],
  },
];

for (const { query, expected } of HEADER_CASES) {
  Deno.test(`renderListing() header links sort or reverse: ${JSON.stringify(query)}`, () => {
    const html = renderListing(page([], [], { query: { ...DEFAULT_QUERY, ...query } }));
    assert.deepEqual(headers(html), expected);
  });
}

Deno.test("renderListing() carries the order into folder links, not into file links", () => {
  const query: ListingQuery = { sort: "date", order: "asc", page: 2, filter: "x" };
  const html = renderListing(page(["up"], [folder("sub"), file("x.txt")], { query }));
  assert.deepEqual(rowLinks(html), [
    { href: "../?sort=date&amp;order=asc", text: "../" },
    { href: "sub/?sort=date&amp;order=asc", text: "sub/" },
    { href: "x.txt", text: "x.txt" },
  ]);
  assert.ok(html.includes('<input type="hidden" name="sort" value="date">'), "the filter keeps it");
  assert.ok(html.includes('<input type="hidden" name="order" value="asc">'));
});

Deno.test("renderListing() links the pages of a large folder, and says which entries are shown", () => {
  const query = { ...DEFAULT_QUERY, page: 2 };
  const html = renderListing(
    page([], [file("b")], { query, total: 25_000, firstIndex: 10_000, pages: 3 }),
  );
  const nav = html.match(/<nav class="pages">(.*)<\/nav>/)![1];
  assert.equal(
    nav,
    'Entries 10,001–10,001 of 25,000 · <a href="./">« First</a> · ' +
      '<a href="./" rel="prev">‹ Previous</a> · page 2 of 3 · ' +
      '<a href="?page=3" rel="next">Next ›</a> · <a href="?page=3">Last »</a>',
  );
  assert.equal(html.split('<nav class="pages">').length, 3, "above and below the table");
  assert.ok(!renderListing(page([], [file("a")])).includes("<nav"), "one page: no links");
});

Deno.test("renderListing() counts folders and files, and says what the filter matched", () => {
  const entries = [folder("a"), file("b"), file("c")];
  assert.match(renderListing(page([], entries)), /<p class="summary">1 folder, 2 files<\/p>/);
  const filtered = renderListing(page([], entries, { query: { ...DEFAULT_QUERY, filter: "<" } }));
  assert.match(filtered, /1 folder, 2 files matching “&lt;” \(<a href="\.\/">show all<\/a>\)/);
});

Deno.test("renderListing() says how many names could not be listed", () => {
  assert.ok(!renderListing(page([], [])).includes('class="note"'));
  assert.match(
    renderListing(page([], [], { unreadableNames: 1 })),
    /1 entry is not listed: its name is not valid UTF-8/,
  );
  assert.match(
    renderListing(page([], [], { unreadableNames: 1200 })),
    /1,200 entries are not listed: their names are not valid UTF-8/,
  );
});

Deno.test("renderListing() is one UTF-8 HTML document without external resources", () => {
  const html = renderListing(page(["a"], [folder("b"), file("c.mp3")]));
  assert.ok(html.startsWith("<!DOCTYPE html>"));
  assert.ok(html.includes('<meta charset="utf-8">'));
  assert.ok(html.includes('<meta name="viewport" content="width=device-width, initial-scale=1">'));
  assert.ok(html.includes("prefers-color-scheme:dark"), "a dark mode");
  assert.doesNotMatch(html, /(?:src|href)="(?:https?:)?\/\//, "no link to another origin");
  assert.doesNotMatch(html, /url\((?!"data:)/, "every CSS url() is inline data");
  assert.doesNotMatch(html, /<link|<script src|@import/);
});

const ICON_KINDS: readonly { name: string; isDirectory?: boolean; kind: string }[] = [
  { name: "photos", isDirectory: true, kind: "folder" },
  { name: "photos.zip", isDirectory: true, kind: "folder" },
  { name: "IMG_0001.JPG", kind: "image" },
  { name: "song.flac", kind: "audio" },
  { name: "clip.webm", kind: "video" },
  { name: "backup.tar.gz", kind: "archive" },
  { name: "main.ts", kind: "code" },
  { name: "README.md", kind: "text" },
  { name: "report.pdf", kind: "text" },
  { name: "setup.exe", kind: "file" },
  { name: "Makefile", kind: "file" },
  { name: ".bashrc", kind: "file" },
  { name: "trailing.", kind: "file" },
];

for (const { name, isDirectory = false, kind } of ICON_KINDS) {
  Deno.test(`iconKindOf() gives ${name}${isDirectory ? "/" : ""} the ${kind} icon`, () => {
    assert.equal(iconKindOf(name, isDirectory), kind);
  });
}

Deno.test("jsonEntry() describes a file and a folder with the documented fields", () => {
  assert.deepEqual(JSON.parse(jsonEntry(file("a b&.txt", 1536))), {
    name: "a b&.txt",
    kind: "file",
    size: 1536,
    modified: "2026-11-26T08:35:59.123Z",
    href: "a%20b%26.txt",
  });
  assert.deepEqual(JSON.parse(jsonEntry(folder('"q"'))), {
    name: '"q"',
    kind: "folder",
    size: null,
    modified: "2026-11-26T08:35:59.123Z",
    href: "%22q%22/",
  });
  assert.equal(
    JSON.parse(jsonEntry({ name: "x", isDirectory: false, size: 0, mtimeMs: null })).modified,
    null,
  );
});

Deno.test("renderListingJson() is one JSON document with the query and every entry", () => {
  const entries = [folder("sub"), file("a.txt", 5)];
  const query: ListingQuery = { sort: "size", order: "desc", page: 1, filter: "a" };
  const text = [...renderListingJson({ segments: ["x", "é"], query, entries, unreadableNames: 2 })]
    .join("");
  const document = JSON.parse(text);
  assert.deepEqual(Object.keys(document), [
    "path",
    "sort",
    "order",
    "filter",
    "total",
    "unreadableNames",
    "entries",
  ]);
  assert.equal(document.path, "/x/é/");
  assert.deepEqual([document.sort, document.order, document.filter], ["size", "desc", "a"]);
  assert.equal(document.total, 2);
  assert.equal(document.unreadableNames, 2);
  assert.deepEqual(document.entries.map((entry: { name: string }) => entry.name), ["sub", "a.txt"]);
  assert.deepEqual(
    JSON.parse([...renderListingJson({ segments: [], query, entries: [], unreadableNames: 0 })]
      .join("")).entries,
    [],
  );
});

const QUERIES: readonly { raw: string; parsed: ListingQuery }[] = [
  { raw: "", parsed: { sort: "name", order: "asc", page: 1, filter: "" } },
  { raw: "sort=size", parsed: { sort: "size", order: "desc", page: 1, filter: "" } },
  { raw: "sort=date&order=asc", parsed: { sort: "date", order: "asc", page: 1, filter: "" } },
  { raw: "order=desc", parsed: { sort: "name", order: "desc", page: 1, filter: "" } },
  { raw: "sort=SIZE&order=up", parsed: { sort: "name", order: "asc", page: 1, filter: "" } },
  { raw: "sort=size&order=sideways", parsed: { sort: "size", order: "desc", page: 1, filter: "" } },
  { raw: "page=3", parsed: { sort: "name", order: "asc", page: 3, filter: "" } },
  { raw: "page=0", parsed: { sort: "name", order: "asc", page: 1, filter: "" } },
  { raw: "page=-2", parsed: { sort: "name", order: "asc", page: 1, filter: "" } },
  { raw: "page=2.5", parsed: { sort: "name", order: "asc", page: 1, filter: "" } },
  { raw: "page=99999999999", parsed: { sort: "name", order: "asc", page: 1, filter: "" } },
  { raw: "page=1e3", parsed: { sort: "name", order: "asc", page: 1, filter: "" } },
  { raw: "q=+Photo%20", parsed: { sort: "name", order: "asc", page: 1, filter: "Photo" } },
  { raw: "q=%E6%97%A5", parsed: { sort: "name", order: "asc", page: 1, filter: "日" } },
  { raw: "q=%ZZ", parsed: { sort: "name", order: "asc", page: 1, filter: "%ZZ" } },
  { raw: "sort=size&sort=date", parsed: { sort: "size", order: "desc", page: 1, filter: "" } },
  { raw: "x=1&&=&sort", parsed: { sort: "name", order: "asc", page: 1, filter: "" } },
];

for (const { raw, parsed } of QUERIES) {
  Deno.test(`parseListingQuery() reads ${JSON.stringify(raw)}, falling back to defaults`, () => {
    assert.deepEqual(parseListingQuery(raw), parsed);
  });
}

Deno.test("parseListingQuery() cuts a long filter to MAX_FILTER_CHARS", () => {
  assert.equal(parseListingQuery(`q=${"a".repeat(1000)}`).filter.length, MAX_FILTER_CHARS);
});

Deno.test("formatListingQuery() leaves defaults out and reads back as the same query", () => {
  assert.equal(formatListingQuery(DEFAULT_QUERY), "");
  assert.equal(formatListingQuery({ ...DEFAULT_QUERY, sort: "size", order: "desc" }), "?sort=size");
  for (const { parsed } of QUERIES) {
    assert.deepEqual(parseListingQuery(formatListingQuery(parsed).slice(1)), parsed);
  }
});

Deno.test("listingEtag() changes with anything shown, and only then", () => {
  const entries = [folder("sub"), file("a.txt", 5)];
  const base = listingEtag("text/html", DEFAULT_QUERY, [2, 1, 0], entries);
  assert.match(base, /^W\/"[A-Za-z0-9_-]+"$/);
  assert.equal(
    listingEtag("text/html", { ...DEFAULT_QUERY }, [2, 1, 0], entries.map((e) => ({ ...e }))),
    base,
  );
  const variants = [
    listingEtag("application/json", DEFAULT_QUERY, [2, 1, 0], entries),
    listingEtag("text/html", { ...DEFAULT_QUERY, sort: "size" }, [2, 1, 0], entries),
    listingEtag("text/html", { ...DEFAULT_QUERY, order: "desc" }, [2, 1, 0], entries),
    listingEtag("text/html", { ...DEFAULT_QUERY, page: 2 }, [2, 1, 0], entries),
    listingEtag("text/html", { ...DEFAULT_QUERY, filter: "a" }, [2, 1, 0], entries),
    listingEtag("text/html", DEFAULT_QUERY, [3, 1, 0], entries),
    listingEtag("text/html", DEFAULT_QUERY, [2, 1, 1], entries),
    listingEtag("text/html", DEFAULT_QUERY, [2, 2, 0], entries),
    listingEtag("text/html", DEFAULT_QUERY, [2, 1, 0], [folder("sub"), file("b.txt", 5)]),
    listingEtag("text/html", DEFAULT_QUERY, [2, 1, 0], [folder("sub"), file("a.txt", 6)]),
    listingEtag("text/html", DEFAULT_QUERY, [2, 1, 0], [folder("sub"), folder("a.txt")]),
    listingEtag("text/html", DEFAULT_QUERY, [2, 1, 0], [
      folder("sub"),
      { ...file("a.txt", 5), mtimeMs: MTIME + 1 },
    ]),
    listingEtag("text/html", DEFAULT_QUERY, [2, 1, 0], [file("a.txt", 5), folder("sub")]),
  ];
  assert.equal(new Set([base, ...variants]).size, variants.length + 1, "every change shows");
});
