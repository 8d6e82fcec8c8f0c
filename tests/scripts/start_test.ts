/**
 * The launcher behind `deno task start` and `dev`: zhttp runs with exactly this OS's
 * permission set and the V8 flags, serves the bundled site unless a folder is named, and a
 * folder named relative to where the task was started means that folder.
 */
import assert from "node:assert/strict";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { serverPermissions } from "../../scripts/permissions.ts";
import { BUNDLED_SITE, zhttpRunArgs } from "../../scripts/start.ts";
import { V8_FLAGS_ARG } from "../../scripts/v8_flags.ts";
import { request } from "../support/raw_http.ts";
import { tempFolder } from "../support/static_site.ts";
import { ZhttpProcess } from "../support/zhttp_process.ts";

const MAIN = fileURLToPath(new URL("../../main.ts", import.meta.url));

const runCases: {
  name: string;
  os: typeof Deno.build.os;
  args: string[];
  watch: boolean;
  zhttpArgs: string[];
}[] = [
  {
    name: "serves the bundled site",
    os: "linux",
    args: [],
    watch: false,
    zhttpArgs: [BUNDLED_SITE],
  },
  {
    name: "serves the bundled site with the options given",
    os: "darwin",
    args: ["--port", "9000", "--cors"],
    watch: false,
    zhttpArgs: [BUNDLED_SITE, "--port", "9000", "--cors"],
  },
  {
    name: "serves the folder given instead of the bundled site",
    os: "windows",
    args: ["C:\\site", "-p", "9000"],
    watch: false,
    zhttpArgs: ["C:\\site", "-p", "9000"],
  },
  {
    name: "takes a folder after the options",
    os: "linux",
    args: ["--port", "9000", "site"],
    watch: false,
    zhttpArgs: ["--port", "9000", "site"],
  },
  {
    name: "runs --watch for the dev task",
    os: "linux",
    args: ["--watch", "site"],
    watch: true,
    zhttpArgs: ["site"],
  },
  {
    name: "runs --watch on the bundled site",
    os: "linux",
    args: ["--watch"],
    watch: true,
    zhttpArgs: [BUNDLED_SITE],
  },
  {
    name: "adds no folder to --help",
    os: "linux",
    args: ["--help"],
    watch: false,
    zhttpArgs: ["--help"],
  },
  // zhttp itself says what is wrong with these: the launcher adds nothing.
  {
    name: "passes two folders on",
    os: "linux",
    args: ["a", "b"],
    watch: false,
    zhttpArgs: ["a", "b"],
  },
  {
    name: "passes a bad flag on",
    os: "linux",
    args: ["--port"],
    watch: false,
    zhttpArgs: ["--port"],
  },
];

for (const { name, os, args, watch, zhttpArgs } of runCases) {
  Deno.test(`zhttpRunArgs() on ${os} ${name}`, () => {
    assert.deepEqual(zhttpRunArgs(os, args), [
      "run",
      ...(watch ? ["--watch"] : []),
      ...serverPermissions(os),
      V8_FLAGS_ARG,
      MAIN,
      ...zhttpArgs,
    ]);
  });
}

Deno.test("zhttpRunArgs() allows only the browser opener of the OS it runs on", () => {
  const runs = (os: typeof Deno.build.os) =>
    zhttpRunArgs(os, []).filter((flag) => flag.startsWith("--allow-run"));
  assert.deepEqual(runs("linux"), ["--allow-run=xdg-open"]);
  assert.deepEqual(runs("darwin"), ["--allow-run=open"]);
  assert.deepEqual(runs("windows"), ["--allow-run=explorer"]);
});

Deno.test("deno task start <folder> serves that folder, relative to where it was started", async () => {
  await using site = await tempFolder({ "mine/index.html": "<h1>my site</h1>" });
  await using zhttp = ZhttpProcess.startTask("start", ["mine", "--port", "0"], { cwd: site.dir });
  const port = await zhttp.port();
  assert.match(
    zhttp.output,
    new RegExp(`^Serving  ${RegExp.escape(path.join(site.dir, "mine"))}$`, "m"),
  );
  const home = await request(port, "GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
  assert.equal(home.text(), "<h1>my site</h1>");
  // Deno says nothing of its own: every permission names a program this OS has.
  assert.doesNotMatch(zhttp.output, /Failed to resolve|^Info /m);
});

Deno.test("deno task start serves the bundled site", async () => {
  await using zhttp = ZhttpProcess.startTask("start", ["--port", "0"]);
  const port = await zhttp.port();
  assert.match(zhttp.output, new RegExp(`^Serving  ${RegExp.escape(BUNDLED_SITE)}$`, "m"));
  const home = await request(port, "GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
  assert.equal(home.status, 200);
  assert.match(home.text(), /zhttp/);
  assert.doesNotMatch(zhttp.output, /Failed to resolve|^Info /m);
});

Deno.test("the README's first lines and the welcome page say how to serve your own folder", async () => {
  const readme = await Deno.readTextFile(new URL("../../README.md", import.meta.url));
  const top = readme.split("\n").slice(0, 12).join("\n");
  assert.match(top, /task start ~\/site/);
  const welcome = await Deno.readTextFile(path.join(BUNDLED_SITE, "index.html"));
  assert.match(welcome, /deno task start ~\/site/);
  // The reader may have zhttp on any OS, or only its source: zhttp.exe is one case of many.
  assert.doesNotMatch(welcome, /Copy <code>zhttp\.exe<\/code>|beside <code>zhttp\.exe<\/code>/);
});
