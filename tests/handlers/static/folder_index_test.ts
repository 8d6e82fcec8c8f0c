/**
 * Folder indexes over real temporary folders: what is listed, in which orders, what a stat
 * adds, names that are not valid UTF-8, and how requests share a build.
 */
import assert from "node:assert/strict";
import path from "node:path";
import {
  type FolderIndex,
  FolderIndexer,
  GATHER_ABOVE_ENTRIES,
  type IndexedEntry,
} from "../../../lib/handlers/static/folder_index.ts";
import { tempFolder } from "../../support/static_site.ts";

const EVERYTHING = () => () => true;

function names(entries: readonly IndexedEntry[]): string[] {
  return entries.map((entry) => entry.name);
}

async function setTime(file: string, ms: number): Promise<void> {
  await Deno.utime(file, new Date(ms), new Date(ms));
}

Deno.test("FolderIndexer.index() lists folders first, then names in natural order", async () => {
  await using folder = await tempFolder({
    "b.txt": "b",
    "B2.txt": "b2",
    "a.txt": "a",
    "A1.txt": "a1",
    "img10.png": "",
    "img2.png": "",
    "zeta/": "",
    "Alpha/": "",
    "résumé.pdf": "",
  });
  const index = await new FolderIndexer(EVERYTHING).index(folder.dir);
  assert.deepEqual(names(index.entries), [
    "Alpha",
    "zeta",
    "a.txt",
    "A1.txt",
    "b.txt",
    "B2.txt",
    "img2.png",
    "img10.png",
    "résumé.pdf",
  ]);
  assert.deepEqual(index.entries.map((entry) => entry.rank), [0, 1, 2, 3, 4, 5, 6, 7, 8]);
  assert.equal(index.unreadableNames, 0);
});

Deno.test("FolderIndexer.index() leaves out what the filter refuses, broken links and non-files", async () => {
  await using folder = await tempFolder({ "a.txt": "hello", "skip.txt": "no", "sub/": "" });
  await Deno.symlink(path.join(folder.dir, "missing"), path.join(folder.dir, "broken-link"));
  await Deno.symlink(path.join(folder.dir, "a.txt"), path.join(folder.dir, "link.txt"));
  await Deno.symlink(path.join(folder.dir, "sub"), path.join(folder.dir, "link-dir"));
  const asked: [string, boolean][] = [];
  const indexer = new FolderIndexer((dirPath) => {
    assert.equal(dirPath, folder.dir);
    return (name, isSymlink) => {
      asked.push([name, isSymlink]);
      return name !== "skip.txt";
    };
  });
  const index = await indexer.index(folder.dir);
  assert.deepEqual(names(index.entries), ["link-dir", "sub", "a.txt", "link.txt"]);
  assert.deepEqual(
    asked.sort(),
    [
      ["a.txt", false],
      ["broken-link", true],
      ["link-dir", true],
      ["link.txt", true],
      ["skip.txt", false],
      ["sub", false],
    ],
  );
  // A link is listed as what it points to, and already stat'ed to know what that is.
  const link = index.entries.find((entry) => entry.name === "link.txt")!;
  assert.deepEqual([link.isDirectory, link.size, link.state], [false, 5, "stated"]);
  assert.equal(index.entries.find((entry) => entry.name === "link-dir")!.isDirectory, true);
});

Deno.test("FolderIndex.stat() fills in sizes and dates, and marks vanished entries gone", async () => {
  await using folder = await tempFolder({ "a.txt": "hello", "b.txt": "bye", "c/": "" });
  const mtime = Date.UTC(2020, 0, 2, 3, 4, 5, 678);
  await setTime(path.join(folder.dir, "a.txt"), mtime);
  const index = await new FolderIndexer(EVERYTHING).index(folder.dir);
  assert.ok(index.entries.every((entry) => entry.state === "listed"), "nothing stat'ed yet");
  await Deno.remove(path.join(folder.dir, "b.txt"));
  await Deno.remove(path.join(folder.dir, "c"));
  await Deno.writeTextFile(path.join(folder.dir, "c"), "now a file");
  await index.stat(index.entries);
  const byName = new Map(index.entries.map((entry) => [entry.name, entry]));
  assert.deepEqual(
    { ...byName.get("a.txt") },
    {
      name: "a.txt",
      isDirectory: false,
      size: 5,
      mtimeMs: mtime,
      key: "a.txt",
      rank: 1,
      state: "stated",
    },
  );
  assert.equal(byName.get("b.txt")!.state, "gone", "deleted since it was listed");
  assert.equal(byName.get("c")!.state, "gone", "a folder replaced by a file");
});

Deno.test("FolderIndex.sorted() orders by size and date either way, folders first, ties by name", async () => {
  await using folder = await tempFolder({
    "big.bin": "x".repeat(300),
    "mid.bin": "x".repeat(200),
    "also-mid.bin": "x".repeat(200),
    "small.bin": "x",
    "old/": "",
    "new/": "",
  });
  const at = (name: string, day: number) =>
    setTime(path.join(folder.dir, name), Date.UTC(2024, 0, day));
  await at("big.bin", 1);
  await at("mid.bin", 4);
  await at("also-mid.bin", 3);
  await at("small.bin", 2);
  await at("old", 1);
  await at("new", 9);
  const index: FolderIndex = await new FolderIndexer(EVERYTHING).index(folder.dir);
  const order = async (field: "name" | "size" | "date", direction: "asc" | "desc") =>
    names(await index.sorted(field, direction));
  assert.deepEqual(await order("name", "asc"), [
    "new",
    "old",
    "also-mid.bin",
    "big.bin",
    "mid.bin",
    "small.bin",
  ]);
  assert.deepEqual(await order("name", "desc"), [
    "old",
    "new",
    "small.bin",
    "mid.bin",
    "big.bin",
    "also-mid.bin",
  ]);
  assert.deepEqual(await order("size", "desc"), [
    "new",
    "old",
    "big.bin",
    "also-mid.bin",
    "mid.bin",
    "small.bin",
  ]);
  assert.deepEqual(await order("size", "asc"), [
    "new",
    "old",
    "small.bin",
    "also-mid.bin",
    "mid.bin",
    "big.bin",
  ]);
  assert.deepEqual(await order("date", "desc"), [
    "new",
    "old",
    "mid.bin",
    "also-mid.bin",
    "small.bin",
    "big.bin",
  ]);
  assert.deepEqual(await order("date", "asc"), [
    "old",
    "new",
    "big.bin",
    "small.bin",
    "also-mid.bin",
    "mid.bin",
  ]);
  assert.equal(await index.sorted("size", "desc"), await index.sorted("size", "desc"), "made once");
});

Deno.test({
  name: "FolderIndexer.index() counts names that are not valid UTF-8 instead of listing them",
  // Windows names are UTF-16, and no Deno API can make an invalid one to test with.
  ignore: Deno.build.os === "windows",
  async fn() {
    await using folder = await tempFolder({ "good.txt": "good", "real \uFFFD.txt": "fffd" });
    // Deno cannot create such a name either (its paths are strings): the shell can.
    const made = await new Deno.Command("sh", {
      args: [
        "-c",
        `printf bad > "$(printf 'bad\\377\\376.txt')"; printf x > "$(printf 'caf\\351')"`,
      ],
      cwd: folder.dir,
    }).output();
    assert.equal(made.code, 0, new TextDecoder().decode(made.stderr));
    const index = await new FolderIndexer(EVERYTHING).index(folder.dir);
    assert.deepEqual(names(index.entries), ["good.txt", "real \uFFFD.txt"], "a real U+FFFD stays");
    assert.equal(index.unreadableNames, 2);
  },
});

Deno.test("FolderIndexer.index() gives the requests of one turn one build, and later ones a new one", async () => {
  await using folder = await tempFolder({ "a.txt": "a" });
  const indexer = new FolderIndexer(EVERYTHING);
  const first = indexer.index(folder.dir);
  const second = indexer.index(folder.dir);
  assert.equal(first, second, "asked together: one build");
  await Deno.writeTextFile(path.join(folder.dir, "b.txt"), "b");
  // Asked after b.txt was made: whether the first build has started reading or not, this
  // request must see b.txt, so it never joins a build that may have read without it.
  const third = indexer.index(folder.dir);
  const fourth = indexer.index(folder.dir);
  assert.equal(third, fourth, "waiting together: one build");
  assert.deepEqual(names((await third).entries), ["a.txt", "b.txt"]);
  await first;
  const later = indexer.index(folder.dir);
  assert.notEqual(later, first);
  assert.notEqual(await later, await first, "a new index");
});

Deno.test("FolderIndexer.index() gathers the requests of the next turn into one build of a large folder", async () => {
  const files: Record<string, string> = { "few/a.txt": "a" };
  for (let i = 0; i < GATHER_ABOVE_ENTRIES; i++) files[`many/${i}.txt`] = "";
  await using folder = await tempFolder(files);
  const indexer = new FolderIndexer(EVERYTHING);
  for (const [name, gathered] of [["many", true], ["few", false]] as const) {
    const dir = path.join(folder.dir, name);
    await indexer.index(dir); // Now the indexer knows how large the folder is.
    // A timer set before the request fires first, in a later turn than the request.
    const laterTurn = new Promise((resolve) => setTimeout(resolve, 0));
    const first = indexer.index(dir);
    await laterTurn;
    const second = indexer.index(dir);
    assert.equal(first === second, gathered, name);
    await Promise.all([first, second]);
  }
});

Deno.test("FolderIndexer.index() rejects for a folder that is not there, and recovers", async () => {
  await using folder = await tempFolder({});
  const indexer = new FolderIndexer(EVERYTHING);
  const missing = path.join(folder.dir, "missing");
  await assert.rejects(indexer.index(missing), Deno.errors.NotFound);
  await Deno.mkdir(missing);
  assert.deepEqual((await indexer.index(missing)).entries, []);
});
