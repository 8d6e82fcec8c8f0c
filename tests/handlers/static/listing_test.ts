import assert from "node:assert/strict";
import {
  escapeHtml,
  formatSize,
  type ListingEntry,
  readListing,
  renderListing,
} from "../../../lib/handlers/static/listing.ts";

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

const MTIME = Date.UTC(2026, 10, 26, 8, 35, 59);

function file(name: string, size = 10): ListingEntry {
  return { name, isDirectory: false, size, mtimeMs: MTIME };
}

function folder(name: string): ListingEntry {
  return { name, isDirectory: true, size: 4096, mtimeMs: MTIME };
}

/** The names of the links of a rendered listing, in order. */
function linkTexts(html: string): string[] {
  return [...html.matchAll(/<a href="[^"]*">([^<]*)<\/a>/g)].map((match) => match[1]);
}

const ORDERS: readonly { name: string; entries: ListingEntry[]; shown: string[] }[] = [
  {
    name: "puts folders first",
    entries: [file("a.txt"), folder("z"), file("b.txt"), folder("m")],
    shown: ["m/", "z/", "a.txt", "b.txt"],
  },
  {
    name: "sorts case-insensitively",
    entries: [file("b.txt"), file("B2.txt"), file("a.txt"), file("A1.txt")],
    shown: ["a.txt", "A1.txt", "b.txt", "B2.txt"],
  },
  {
    name: "sorts numbers by value",
    entries: [file("img10.png"), file("img2.png"), file("img1.png")],
    shown: ["img1.png", "img2.png", "img10.png"],
  },
  { name: "renders an empty folder", entries: [], shown: [] },
];

for (const { name, entries, shown } of ORDERS) {
  Deno.test(`renderListing() ${name}`, () => {
    assert.deepEqual(linkTexts(renderListing("/", entries)), shown);
  });
}

Deno.test("renderListing() links to the parent folder except at the root", () => {
  assert.deepEqual(linkTexts(renderListing("/", [file("a")])), ["a"]);
  assert.deepEqual(linkTexts(renderListing("/docs/", [file("a")])), ["../", "a"]);
  assert.deepEqual(linkTexts(renderListing("/a/b/", [])), ["../"]);
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
    const html = renderListing("/", [entry]);
    assert.ok(html.includes(row), `${entry.name}: ${row}`);
    assert.ok(!html.includes("<img") && !html.includes('" onclick'), entry.name);
  }
});

Deno.test("renderListing() escapes the folder's path in the title and heading", () => {
  const html = renderListing("/<b>&/", []);
  assert.ok(html.includes("<title>Index of /&lt;b&gt;&amp;/</title>"));
  assert.ok(html.includes("<h1>Index of /&lt;b&gt;&amp;/</h1>"));
  assert.ok(!html.includes("<b>"));
});

Deno.test("renderListing() shows sizes for files, a dash for folders, and UTC dates", () => {
  const html = renderListing("/", [
    file("big.bin", 1536),
    folder("sub"),
    { name: "undated", isDirectory: false, size: 0, mtimeMs: null },
  ]);
  const rowOf = (name: string) => html.split("\n").find((line) => line.includes(`>${name}</a>`));
  assert.match(rowOf("big.bin")!, /<td class="size">1\.5 KiB<\/td><td>2026-11-26 08:35<\/td>/);
  assert.match(rowOf("sub/")!, /<td class="size">—<\/td><td>2026-11-26 08:35<\/td>/);
  assert.match(rowOf("undated")!, /<td class="size">0 B<\/td><td><\/td>/);
});

Deno.test("renderListing() produces a UTF-8 HTML document", () => {
  const html = renderListing("/", []);
  assert.ok(html.startsWith("<!DOCTYPE html>"));
  assert.ok(html.includes('<meta charset="utf-8">'));
});

Deno.test("readListing() returns files and folders with facts, minus excluded names", async () => {
  const dir = await Deno.makeTempDir({ prefix: "zhttp_listing_" });
  try {
    await Deno.writeTextFile(`${dir}/a.txt`, "hello");
    await Deno.writeTextFile(`${dir}/skip.txt`, "no");
    await Deno.mkdir(`${dir}/sub`);
    await Deno.symlink(`${dir}/missing`, `${dir}/broken-link`);
    await Deno.symlink(`${dir}/a.txt`, `${dir}/link.txt`);
    const mtime = new Date(MTIME);
    await Deno.utime(`${dir}/a.txt`, mtime, mtime);

    const entries = await readListing(dir, (name) => name !== "skip.txt");
    const byName = new Map(entries.map((entry) => [entry.name, entry]));
    assert.deepEqual([...byName.keys()].sort(), ["a.txt", "link.txt", "sub"]);
    assert.deepEqual(byName.get("a.txt"), {
      name: "a.txt",
      isDirectory: false,
      size: 5,
      mtimeMs: MTIME,
    });
    assert.equal(byName.get("sub")?.isDirectory, true);
    // A link is listed as what it points to.
    assert.equal(byName.get("link.txt")?.size, 5);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
