/**
 * A real browser reads what the compression sends: headless Chromium loads a page whose
 * JavaScript and CSS arrive brotli-compressed, runs the script and applies the style; the
 * script reports both into the page, which Chromium prints back (--dump-dom).
 *
 * Needs `chromium` (.ci/run installs it); where it is missing the test is skipped and says so.
 */
import assert from "node:assert/strict";
import { createApp } from "../../lib/app.ts";
import { createStaticHandler } from "../../lib/handlers/static/static_handler.ts";
import { compose, type Middleware } from "../../lib/server/handler.ts";
import { CHROMIUM, dumpDom } from "../support/chromium.ts";
import { lorem } from "../support/compression.ts";
import { skipWithout } from "../support/programs.ts";
import { startServer } from "../support/raw_http.ts";
import { tempFolder } from "../support/static_site.ts";

const skip = skipWithout(import.meta.url, [CHROMIUM]);

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
  ignore: skip,
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
      fallback: createStaticHandler({ root: folder.dir, listing: false, compress: true }),
    });
    await using server = startServer({ handler: compose(app, record) });
    const { dom } = await dumpDom(`http://127.0.0.1:${server.addr.port}/index.html`, {
      virtualTimeMs: 5000,
    });
    assert.match(dom, /script ran; payload whole; color rgb\(1, 2, 3\)/);
    assert.equal(encodings.get("/app.js"), "br");
    assert.equal(encodings.get("/style.css"), "br");
  },
});
