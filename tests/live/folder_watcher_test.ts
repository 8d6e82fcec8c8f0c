/**
 * FolderWatcher on real folders: what editors and tools do to files (an atomic save, a
 * burst like a checkout, reads, temporary files, hidden files) and the batches it makes.
 */
import assert from "node:assert/strict";
import path from "node:path";
import { type ChangeBatch, FolderWatcher } from "../../lib/live/folder_watcher.ts";
import { delay } from "../support/raw_http.ts";
import { tempFolder } from "../support/static_site.ts";
import { eventually } from "../support/waiting.ts";

/** A watcher on a fresh folder holding `files`, collecting its batches. */
async function watching(
  files: Record<string, string>,
  fn: (dir: string, batches: ChangeBatch[]) => Promise<void>,
): Promise<void> {
  await using folder = await tempFolder(files);
  const batches: ChangeBatch[] = [];
  const watcher = new FolderWatcher(folder.dir, {
    ignore: (relative) => relative.split("/").some((segment) => segment.startsWith(".")),
    onBatch: (batch) => batches.push(batch),
  });
  try {
    // The watch is set up when the constructor returns; a short pause lets it settle.
    await delay(50);
    await fn(folder.dir, batches);
  } finally {
    await watcher.close();
  }
}

Deno.test("FolderWatcher reports an atomic save as one change of the file saved", async () => {
  await watching({ "style.css": "a {}" }, async (dir, batches) => {
    const temporary = path.join(dir, "style.css.tmp-123");
    await Deno.writeTextFile(temporary, "a { color: red }");
    await Deno.rename(temporary, path.join(dir, "style.css"));
    await eventually(() => batches.length > 0, "a batch");
    await delay(200);
    assert.deepEqual(batches, [{ paths: [{ path: "style.css", now: "file" }], overflow: false }]);
  });
});

Deno.test("FolderWatcher gathers a burst of writes into one batch", async () => {
  await watching({}, async (dir, batches) => {
    for (let i = 0; i < 200; i++) await Deno.writeTextFile(path.join(dir, `f${i}.html`), "x");
    await eventually(() => batches.length > 0, "a batch");
    await delay(200);
    const seen = new Set(batches.flatMap((batch) => batch.paths.map((changed) => changed.path)));
    assert.equal(seen.size, 200);
    // Two at most: a burst longer than MAX_BATCH_DELAY_MS would be cut, this one is not.
    assert.ok(batches.length <= 2, `${batches.length} batches`);
  });
});

Deno.test("FolderWatcher says nothing of reads or hidden files", async () => {
  await watching({ "page.html": "<p>x</p>", ".git/HEAD": "ref" }, async (dir, batches) => {
    for (let i = 0; i < 5; i++) await Deno.readTextFile(path.join(dir, "page.html"));
    await Deno.writeTextFile(path.join(dir, ".git", "HEAD"), "other");
    await Deno.writeTextFile(path.join(dir, ".page.html.swp"), "swap");
    await delay(400);
    assert.deepEqual(batches, []);
  });
});

Deno.test("FolderWatcher never reports a file made and gone as there", async () => {
  await watching({}, async (dir, batches) => {
    const probe = path.join(dir, "4913");
    await Deno.writeTextFile(probe, "");
    await Deno.remove(probe);
    await delay(400);
    // Left out when the creation is seen in the batch. Deno does not always report it: of
    // 200 files written and removed at once, 191 came as removals only (Deno 2.9.6, inotify),
    // and those are indistinguishable from a real deletion. Either way it is never "file".
    const reported = batches.flatMap((batch) => batch.paths);
    assert.ok(reported.every((changed) => changed.now === "gone"), JSON.stringify(reported));
  });
});

Deno.test("FolderWatcher reports a removal, and files in a folder made at once", async () => {
  await watching({ "old.html": "x" }, async (dir, batches) => {
    await Deno.remove(path.join(dir, "old.html"));
    await eventually(() => batches.length > 0, "a batch");
    assert.deepEqual(batches[0].paths, [{ path: "old.html", now: "gone" }]);
    await Deno.mkdir(path.join(dir, "a", "b"), { recursive: true });
    await Deno.writeTextFile(path.join(dir, "a", "b", "new.css"), "x");
    await eventually(() => batches.length > 1, "a second batch");
    // However the race went, the new folder is in the batch: that alone reloads pages.
    const paths = batches.slice(1).flatMap((batch) => batch.paths);
    assert.ok(paths.some((changed) => changed.path === "a" && changed.now === "folder"));
    // And the watch now covers the new folder.
    const before = batches.length;
    await delay(150);
    await Deno.writeTextFile(path.join(dir, "a", "b", "new.css"), "y");
    await eventually(() => batches.length > before, "another batch");
    assert.deepEqual(batches.at(-1)!.paths, [{ path: "a/b/new.css", now: "file" }]);
  });
});

Deno.test("FolderWatcher.close() ends the watch: later changes are not reported", async () => {
  await using folder = await tempFolder({ "a.html": "x" });
  const batches: ChangeBatch[] = [];
  const watcher = new FolderWatcher(folder.dir, {
    ignore: () => false,
    onBatch: (batch) => batches.push(batch),
  });
  await Deno.writeTextFile(path.join(folder.dir, "a.html"), "y");
  await watcher.close();
  await Deno.writeTextFile(path.join(folder.dir, "a.html"), "z");
  await delay(200);
  assert.deepEqual(batches, []);
  await watcher.close();
});
