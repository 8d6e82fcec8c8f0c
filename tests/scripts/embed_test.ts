/**
 * scripts/examples/embed.ts, the embedding example the README shows: the README's block is that
 * file, byte for byte, and the file runs as a program that serves its folder, its route and
 * its middleware's header.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { request } from "../support/raw_http.ts";
import { tempFolder } from "../support/static_site.ts";

const REPO = fileURLToPath(new URL("../../", import.meta.url));
const EXAMPLE = `${REPO}scripts/examples/embed.ts`;

/** The first ```ts block after `heading` in `markdown`. */
function codeBlockAfter(markdown: string, heading: string): string {
  const section = markdown.indexOf(`\n${heading}\n`);
  assert.ok(section >= 0, `no "${heading}" section`);
  const open = markdown.indexOf("\n```ts\n", section);
  const close = markdown.indexOf("\n```\n", open + 1);
  assert.ok(open >= 0 && close > open, `no ts block under "${heading}"`);
  return markdown.slice(open + "\n```ts\n".length, close + 1);
}

Deno.test("README's Embedding block is scripts/examples/embed.ts as it is", async () => {
  const readme = await Deno.readTextFile(`${REPO}README.md`);
  assert.equal(codeBlockAfter(readme, "## Embedding"), await Deno.readTextFile(EXAMPLE));
});

Deno.test("scripts/examples/embed.ts serves its folder, its route and its middleware's header", async () => {
  await using site = await tempFolder({ "public/index.html": "<h1>Home</h1>\n" });
  const child = new Deno.Command(Deno.execPath(), {
    // The package's own deno.json, so that "@zhttp/zhttp" resolves from another folder.
    args: [
      "run",
      `--config=${REPO}deno.json`,
      "--allow-net=127.0.0.1",
      `--allow-read=${site.dir}`,
      "--allow-env=PORT",
      EXAMPLE,
    ],
    cwd: site.dir,
    env: { PORT: "0", NO_COLOR: "1" },
    stdin: "null",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  try {
    let printed = "";
    while (!printed.includes("\n")) {
      const { value, done } = await lines.read();
      if (done) assert.fail(`the example exited after printing ${JSON.stringify(printed)}`);
      printed += value;
    }
    const port = Number(/localhost:(\d+)\//.exec(printed)?.[1]);
    assert.ok(port > 0, printed);

    const home = await request(port, "GET / HTTP/1.1\r\nHost: a\r\n\r\n");
    assert.equal(home.status, 200);
    assert.equal(home.text(), "<h1>Home</h1>\n");
    assert.equal(home.header("x-powered-by"), "zhttp");

    const hello = await request(port, "GET /api/hello/Ada%20L HTTP/1.1\r\nHost: a\r\n\r\n");
    assert.equal(hello.text(), "Hello, Ada L!\n");
    assert.equal(hello.header("x-powered-by"), "zhttp");

    const missing = await request(port, "GET /nothing.txt HTTP/1.1\r\nHost: a\r\n\r\n");
    assert.equal(missing.status, 404);
  } finally {
    child.kill("SIGTERM");
    await lines.cancel();
    await child.status;
  }
});
