/**
 * Live reload in a real browser (headless Chromium, Debian's package): a page is opened,
 * its stylesheet is edited on disk and the new style shows without a reload (the page keeps
 * a value set in it), then the page itself is edited and the browser reloads it, then
 * zhttp is restarted and the page finds it again and reloads. Each step is timed from the
 * write on disk, and the timings are printed.
 *
 * Skipped, saying so, only when Chromium is not installed (`.ci/run` installs it).
 */
import assert from "node:assert/strict";
import path from "node:path";
import { createApp } from "../../lib/app.ts";
import { createStaticHandler } from "../../lib/handlers/static/static_handler.ts";
import { EVENTS_PATH } from "../../lib/live/client_script.ts";
import { LiveReload } from "../../lib/live/live_reload.ts";
import type { Handler } from "../../lib/server/handler.ts";
import { Browser, CHROMIUM } from "../support/chromium.ts";
import { skipWithout } from "../support/programs.ts";
import { startServer, type TestServer } from "../support/raw_http.ts";
import { tempFolder } from "../support/static_site.ts";
import { eventually } from "../support/waiting.ts";

const skip = skipWithout(import.meta.url, [CHROMIUM]);

/** Long enough for a loaded CI machine; a working page needs a fraction of it. */
const WAIT_MS = 30_000;
const COLOURS = ["rgb(0, 0, 255)", "rgb(0, 128, 0)"];

function page(heading: string): string {
  return `<!doctype html><html><head><link rel="stylesheet" href="/style.css"></head>` +
    `<body><h1 id="t">${heading}</h1></body></html>\n`;
}

/** A zhttp with --live on `root`, counting the event streams browsers open. */
class LiveServer {
  streamsOpened = 0;
  readonly live: LiveReload;
  readonly server: TestServer;

  constructor(root: string, port = 0) {
    this.live = new LiveReload({ root });
    const files = createStaticHandler({ root });
    const app = createApp({ fallback: files, live: this.live.events });
    const counting: Handler = (req, res) => {
      if (req.path === EVENTS_PATH) this.streamsOpened++;
      return app(req, res);
    };
    this.server = startServer({ handler: counting, port });
  }

  /** Stops as main.ts does on Ctrl+C: the live streams end, then the server drains. */
  async stop(): Promise<void> {
    const closing = this.live.close();
    await this.server.shutdown();
    await closing;
  }
}

/** Resolves, in the page, with Date.now() once the heading has `colour`. */
function styleApplied(browser: Browser, colour: string): Promise<number> {
  return browser.evaluate<number>(`new Promise((resolve) => {
    const check = () => getComputedStyle(document.getElementById("t")).color === ${
    JSON.stringify(colour)
  } ? resolve(Date.now()) : setTimeout(check, 1);
    check();
  })`);
}

function summary(values: number[]): string {
  const sorted = [...values].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)];
  return `median ${median} ms (${sorted.join(", ")})`;
}

Deno.test({
  name: "live reload in Chromium: a stylesheet swapped in place, a page reloaded, a restart found",
  ignore: skip,
  async fn() {
    await using folder = await tempFolder({
      "index.html": page("first"),
      "style.css": "h1 { color: rgb(255, 0, 0) }\n",
    });
    const css = path.join(folder.dir, "style.css");
    const html = path.join(folder.dir, "index.html");
    let zhttp = new LiveServer(folder.dir);
    const port = zhttp.server.addr.port;
    try {
      await using browser = await Browser.launch();
      await browser.open(`http://127.0.0.1:${port}/`);
      await eventually(() => zhttp.streamsOpened === 1, "the page's event stream", WAIT_MS);
      await browser.evaluate("window.kept = 'state'");

      const cssMs: number[] = [];
      for (let i = 0; i < 5; i++) {
        const colour = COLOURS[i % 2];
        const applied = styleApplied(browser, colour);
        const written = Date.now();
        await Deno.writeTextFile(css, `h1 { color: ${colour} }\n`);
        cssMs.push(await applied - written);
        assert.equal(await browser.evaluate("window.kept"), "state", "the page was not reloaded");
      }
      await browser.waitFor("document.querySelectorAll('link').length === 1", WAIT_MS);

      const reloadMs: number[] = [];
      const loadedMs: number[] = [];
      for (let i = 0; i < 3; i++) {
        const opened = zhttp.streamsOpened;
        const heading = `edit ${i}`;
        const written = Date.now();
        await Deno.writeTextFile(html, page(heading));
        await browser.waitFor(
          `document.getElementById("t")?.textContent === "${heading}"`,
          WAIT_MS,
        );
        const [origin, loaded] = await browser.evaluate<[number, number]>(
          `[performance.timeOrigin, performance.getEntriesByType("navigation")[0].domContentLoadedEventEnd]`,
        );
        reloadMs.push(Math.round(origin - written));
        loadedMs.push(Math.round(origin + loaded - written));
        assert.equal(await browser.evaluate("window.kept"), undefined, "the page was reloaded");
        await eventually(
          () => zhttp.streamsOpened > opened,
          "the reloaded page's event stream",
          WAIT_MS,
        );
      }

      await browser.evaluate("window.kept = 'before the restart'");
      await zhttp.stop();
      zhttp = new LiveServer(folder.dir, port);
      const restarted = Date.now();
      await browser.waitFor("window.kept === undefined", WAIT_MS);
      const origin = await browser.evaluate<number>("performance.timeOrigin");
      // The old page's stream found the new zhttp (its hello made the page reload), then the
      // reloaded page opened its own.
      await eventually(() => zhttp.streamsOpened >= 2, "the reloaded page's event stream", WAIT_MS);

      console.log(
        `live reload timings, from the write on disk:\n` +
          `  stylesheet swapped (style applied): ${summary(cssMs)}\n` +
          `  page reload started: ${summary(reloadMs)}\n` +
          `  reloaded page loaded (DOMContentLoaded): ${summary(loadedMs)}\n` +
          `  after a restart, reload started ${
            Math.round(origin - restarted)
          } ms after zhttp listened again`,
      );
    } finally {
      await zhttp.stop();
    }
  },
});
