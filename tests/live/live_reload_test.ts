/**
 * LiveReload: which changes matter and what they mean for pages (tables), and the whole
 * path from a file written on disk to the event an open page receives, over a socket.
 */
import assert from "node:assert/strict";
import path from "node:path";
import type { ChangeBatch } from "../../lib/live/folder_watcher.ts";
import { changeOf, ignoredChange, LiveReload } from "../../lib/live/live_reload.ts";
import { EventStreamClient } from "../support/event_stream.ts";
import { delay } from "../support/raw_http.ts";
import { serveStatic, tempFolder } from "../support/static_site.ts";

const ignoreCases: [string, boolean][] = [
  ["index.html", false],
  ["css/site.css", false],
  [".git/index", true],
  ["docs/.page.html.swp", true],
  [".env", true],
  ["notes.txt~", true],
  ["a.b/c.html", false],
];

Deno.test("ignoredChange() ignores hidden paths and backup files", () => {
  for (const [relative, ignored] of ignoreCases) {
    assert.equal(ignoredChange(relative), ignored, relative);
  }
});

const changeCases: { name: string; batch: ChangeBatch; change: ReturnType<typeof changeOf> }[] = [
  {
    name: "stylesheets only: swapped in place",
    batch: {
      paths: [{ path: "a.css", now: "file" }, { path: "css/B.CSS", now: "file" }],
      overflow: false,
    },
    change: { kind: "css", paths: ["/a.css", "/css/B.CSS"] },
  },
  {
    name: "a page: reload",
    batch: { paths: [{ path: "index.html", now: "file" }], overflow: false },
    change: { kind: "reload" },
  },
  {
    name: "a stylesheet and a script: reload",
    batch: {
      paths: [{ path: "a.css", now: "file" }, { path: "a.js", now: "file" }],
      overflow: false,
    },
    change: { kind: "reload" },
  },
  {
    name: "a stylesheet removed: reload",
    batch: { paths: [{ path: "a.css", now: "gone" }], overflow: false },
    change: { kind: "reload" },
  },
  {
    name: "a new folder: reload",
    batch: { paths: [{ path: "theme.css", now: "folder" }], overflow: false },
    change: { kind: "reload" },
  },
  {
    name: "too many paths: reload",
    batch: { paths: [], overflow: true },
    change: { kind: "reload" },
  },
  { name: "nothing: nothing", batch: { paths: [], overflow: false }, change: null },
];

for (const { name, batch, change } of changeCases) {
  Deno.test(`changeOf() ${name}`, () => assert.deepEqual(changeOf(batch), change));
}

Deno.test("LiveReload turns files written on disk into events for open pages", async () => {
  await using folder = await tempFolder({
    "index.html": "<body>x</body>",
    "style.css": "a {}",
    "zhttp.json": "{}",
  });
  await using live = new LiveReload({
    root: folder.dir,
    hiddenFiles: [path.join(folder.dir, "zhttp.json")],
  });
  await using server = serveStatic({ root: folder.dir }, { live: live.events });
  using client = await EventStreamClient.open(server.addr.port, "/.zhttp/live");
  await client.waitFor(/event: hello/);

  await Deno.writeTextFile(path.join(folder.dir, "zhttp.json"), '{"port": 1}');
  await delay(300);
  assert.doesNotMatch(client.received, /event: (css|reload)/);

  await Deno.writeTextFile(path.join(folder.dir, "style.css"), "a { color: red }");
  await client.waitFor(/event: css\ndata: \["\/style\.css"\]/);
  assert.doesNotMatch(client.received, /event: reload/);

  await Deno.writeTextFile(path.join(folder.dir, "index.html"), "<body>y</body>");
  await client.waitFor(/event: reload/);
});
