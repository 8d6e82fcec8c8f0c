/**
 * A real browser reads what the compression sends: headless Chromium loads a page whose
 * JavaScript and CSS arrive brotli-compressed, runs the script and applies the style; the
 * script reports both into the page, which Chromium prints back (--dump-dom).
 *
 * Needs `chromium` (.ci/run installs it); where it is missing the test is skipped and says so.
 */
import assert from "node:assert/strict";
import { createApp } from "../../lib/app.ts";
import { DEFAULT_CACHE_CONTROL } from "../../lib/cli/config.ts";
import { createStaticHandler } from "../../lib/handlers/static/static_handler.ts";
import { compose, type Middleware } from "../../lib/server/handler.ts";
import { lorem } from "../support/compression.ts";
import { startServer } from "../support/raw_http.ts";
import { tempFolder } from "../support/static_site.ts";

/** The flags of a headless run that stays off the network but for the page it is given. */
const CHROMIUM_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
/** How long Chromium may take to load the page before the test fails. */
const CHROMIUM_TIMEOUT_MS = 60_000;

const chromiumMissing = (() => {
  try {
    new Deno.Command("chromium", { args: ["--version"], stdout: "null", stderr: "null" })
      .outputSync();
    return false;
  } catch {
    console.warn(
      "compression_browser_test: skipped, `chromium` is not installed " +
        "(apt-get install -y chromium; .ci/run installs it).",
    );
    return true;
  }
})();

/** Text the script checks it received whole: its length is written into the script. */
const PAYLOAD = new TextDecoder().decode(lorem(30_000, 5)).replaceAll("\n", " ");

const INDEX_HTML = `<!doctype html>
<html><head><link rel="stylesheet" href="/style.css"><script src="/app.js" defer></script></head>
<body><p id="styled">styled</p><p id="report">the script did not run</p></body></html>`;

const APP_JS = `"use strict";
const payload = ${JSON.stringify(PAYLOAD)};
const color = getComputedStyle(document.getElementById("styled")).color;
document.getElementById("report").textContent =
  "script ran; payload " + (payload.length === ${PAYLOAD.length} ? "whole" : "broken") +
  "; color " + color;
`;

/** A stylesheet over 1 KiB, so that it is compressed; only its last rule matters. */
const STYLE_CSS = Array.from({ length: 60 }, (_, i) => `.unused-${i} { margin: ${i}px; }`)
  .join("\n") + "\n#styled { color: rgb(1, 2, 3); }\n";

Deno.test({
  name: "compression: headless Chromium runs JavaScript and applies CSS sent brotli-compressed",
  ignore: chromiumMissing,
  async fn() {
    await using folder = await tempFolder({
      "index.html": INDEX_HTML,
      "app.js": APP_JS,
      "style.css": STYLE_CSS,
    });
    const encodings = new Map<string, string | undefined>();
    const record: Middleware = (next) => async (req, res) => {
      await next(req, res);
      encodings.set(req.path, res.getHeader("content-encoding"));
    };
    const app = createApp({
      compress: true,
      fallback: createStaticHandler({
        root: folder.dir,
        listing: false,
        showDotfiles: false,
        followSymlinks: false,
        cacheControl: DEFAULT_CACHE_CONTROL,
        cors: false,
        compress: true,
      }),
    });
    await using server = startServer({ handler: compose(app, record) });
    const dom = await dumpDom(`http://127.0.0.1:${server.addr.port}/index.html`);
    assert.match(dom, /script ran; payload whole; color rgb\(1, 2, 3\)/);
    assert.equal(encodings.get("/app.js"), "br");
    assert.equal(encodings.get("/style.css"), "br");
  },
});

/** Loads `url` and returns the DOM once the page settled, as Chromium serializes it. */
async function dumpDom(url: string): Promise<string> {
  const profile = await Deno.makeTempDir({ prefix: "zhttp_chromium_" });
  try {
    const child = new Deno.Command("chromium", {
      args: [
        ...CHROMIUM_FLAGS,
        `--user-data-dir=${profile}`,
        "--virtual-time-budget=5000",
        "--dump-dom",
        url,
      ],
      stdin: "null",
      stdout: "piped",
      stderr: "null",
    }).spawn();
    const timer = setTimeout(() => child.kill("SIGKILL"), CHROMIUM_TIMEOUT_MS);
    try {
      const { code, stdout } = await child.output();
      assert.equal(code, 0, `chromium exited with ${code}`);
      return new TextDecoder().decode(stdout);
    } finally {
      clearTimeout(timer);
    }
  } finally {
    await Deno.remove(profile, { recursive: true });
  }
}
