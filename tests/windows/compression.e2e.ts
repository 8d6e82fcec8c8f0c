/**
 * Compression under the real deno.exe (Wine): node:zlib's brotli, zstd and gzip, per request
 * and streamed, the background worker that keeps the best encodings of small files (a
 * Worker module loaded by URL), and a precompressed sidecar, each decoded back to the file.
 *
 * Run by scripts/windows-e2e.sh (root, Wine test bed), not by `deno task test`.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import zlib from "node:zlib";
import { decodeBody, lorem } from "../support/compression.ts";
import { delay } from "../support/raw_http.ts";
import { createFixtureSite } from "./fixture_site.ts";
import { SCHEMES, startZhttpOnWindows } from "./zhttp_on_windows.ts";

/** How long the worker may take to start and make a kept encoding under Wine. */
const KEPT_DEADLINE_MS = 60_000;

Deno.test("main.ts on Windows compresses on the fly, keeps small files' encodings, sends sidecars", async (t) => {
  await using site = await createFixtureSite();
  const appJs = lorem(40_000, 3);
  const bigTxt = lorem(3 * 1024 * 1024, 4);
  const styleCss = lorem(8_000, 5);
  await Deno.writeFile(join(site.siteDir, "app.js"), appJs);
  await Deno.writeFile(join(site.siteDir, "big.txt"), bigTxt);
  await Deno.writeFile(join(site.siteDir, "style.css"), styleCss);
  await Deno.writeFile(join(site.siteDir, "style.css.br"), zlib.brotliCompressSync(styleCss));
  // Settled versions: the file cache keeps app.js, so its encodings are kept too.
  const old = new Date(Date.now() - 3600_000);
  await Deno.utime(join(site.siteDir, "app.js"), old, old);
  await delay(2100);
  await using zhttp = await startZhttpOnWindows(site, SCHEMES[0]);

  // The size of the first brotli answer for app.js: made per request at the fast level.
  let fastBrotliBytes = 0;
  for (const coding of ["br", "zstd", "gzip"]) {
    for (const [path, content] of [["/app.js", appJs], ["/big.txt", bigTxt]] as const) {
      await t.step(`GET ${path} with Accept-Encoding: ${coding} decodes to the file`, async () => {
        const response = await zhttp.request(path, { headers: { "Accept-Encoding": coding } });
        if (path === "/app.js" && coding === "br") fastBrotliBytes = response.body.length;
        assert.equal(response.status, 200);
        assert.equal(response.header("content-encoding"), coding);
        assert.equal(response.header("vary"), "Accept-Encoding");
        assert.deepEqual(decodeBody(coding, response.body), content);
      });
    }
  }

  await t.step("the worker makes a smaller, kept brotli encoding of app.js", async () => {
    // The first brotli request above started the worker; its encoding may be kept already.
    const deadline = Date.now() + KEPT_DEADLINE_MS;
    for (;;) {
      const response = await zhttp.request("/app.js", { headers: { "Accept-Encoding": "br" } });
      if (response.body.length < fastBrotliBytes) {
        assert.deepEqual(decodeBody("br", response.body), appJs);
        break;
      }
      if (Date.now() > deadline) {
        assert.fail(
          `no kept encoding: the worker did not run. zhttp said:\n${await zhttp.deno.output()}`,
        );
      }
      await delay(200);
    }
  });

  await t.step("GET /style.css sends the precompressed style.css.br", async () => {
    const response = await zhttp.request("/style.css", {
      headers: { "Accept-Encoding": "gzip, br" },
    });
    assert.equal(response.header("content-encoding"), "br");
    assert.equal(response.header("content-type"), "text/css; charset=utf-8");
    assert.equal(response.header("accept-ranges"), "bytes");
    assert.deepEqual(decodeBody("br", response.body), styleCss);
  });
});
