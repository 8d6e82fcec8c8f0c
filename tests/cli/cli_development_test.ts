/**
 * --live, --spa, --header and --qr as a person meets them: main.ts run as a real process
 * with the permissions of the compiled binary. Ctrl+C with a page's event stream open
 * stops at once: the stream is no download for the drain to wait on.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { SCRIPT_TAG } from "../../lib/live/client_script.ts";
import { EventStreamClient } from "../support/event_stream.ts";
import { request } from "../support/raw_http.ts";
import { tempFolder } from "../support/static_site.ts";
import { ZhttpProcess } from "../support/zhttp_process.ts";

function get(port: number, target: string, headers = "") {
  return request(
    port,
    `GET ${target} HTTP/1.1\r\nHost: localhost\r\n${headers}Connection: close\r\n\r\n`,
  );
}

Deno.test("zhttp --live injects the script, streams changes, and stops at once on Ctrl+C", async () => {
  await using folder = await tempFolder({ "index.html": "<body>x</body>", "a.css": "a {}" });
  await using zhttp = ZhttpProcess.start([folder.dir, "--live", "--port", "0", "-q"]);
  const port = await zhttp.port();
  assert.ok(
    zhttp.output.includes("\nLive     open pages reload when a file in the folder changes\n"),
  );
  const page = await get(port, "/");
  assert.equal(page.text(), `<body>x${SCRIPT_TAG}</body>`);
  using stream = await EventStreamClient.open(port, "/.zhttp/live");
  await stream.waitFor(/event: hello/);
  await Deno.writeTextFile(join(folder.dir, "a.css"), "a { color: red }");
  await stream.waitFor(/event: css\ndata: \["\/a\.css"\]/);

  const started = performance.now();
  zhttp.kill("SIGINT");
  const status = await zhttp.exited();
  assert.equal(status.code, 0);
  assert.ok(performance.now() - started < 5000, "Ctrl+C waited for the drain deadline");
  assert.match(zhttp.output, /^stopping: 0 requests in flight/m);
  assert.match(zhttp.output, /^stopped$/m);
  await stream.ended();
});

Deno.test("zhttp --spa answers an app route with the root index.html", async () => {
  await using folder = await tempFolder({ "index.html": "<div id=app></div>" });
  await using zhttp = ZhttpProcess.start([folder.dir, "--spa", "--port", "0", "-q"]);
  const port = await zhttp.port();
  const route = await get(port, "/users/42", "Accept: text/html\r\n");
  assert.equal(route.status, 200);
  assert.equal(route.text(), "<div id=app></div>");
  assert.equal((await get(port, "/app.js", "Accept: text/html\r\n")).status, 404);
});

Deno.test("zhttp --header and zhttp.json headers reach the responses", async () => {
  await using folder = await tempFolder({
    "zhttp.json": JSON.stringify({
      port: 0,
      headers: { "/assets/**": { "Cache-Control": "max-age=60" } },
    }),
    "index.html": "x",
    "assets/a.js": "1",
  });
  await using zhttp = ZhttpProcess.start(["--header", "X-Frame-Options: DENY", "-q"], {
    cwd: folder.dir,
  });
  const port = await zhttp.port();
  const page = await get(port, "/");
  assert.equal(page.header("x-frame-options"), "DENY");
  assert.equal(page.header("cache-control"), "no-cache");
  const asset = await get(port, "/assets/a.js");
  assert.equal(asset.header("cache-control"), "max-age=60");
  assert.equal(asset.header("x-frame-options"), "DENY");
});

Deno.test("zhttp --lan --qr prints a QR code of the network address, or says there is none", async () => {
  await using zhttp = ZhttpProcess.start(["static", "--lan", "--qr", "--port", "0", "-q"], {
    cwd: new URL("../..", import.meta.url).pathname,
  });
  await zhttp.port();
  const match = await zhttp.waitFor(
    /^(Scan to open http:\/\/\S+ on a phone:\n[ ▀▄█\n]+\n|No network address found for the QR code\.\n)/m,
  );
  if (match[1].startsWith("Scan")) assert.match(match[1], /█{20,}/);
});
