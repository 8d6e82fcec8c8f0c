/**
 * Seeking in a video as Chromium does it: the media player reads from the start, and a seek
 * far ahead becomes a new Range request that Chromium's HTTP cache sends with If-Range and
 * the ETag of the response it already holds part of. That must be a 206 with the range, not
 * a 200 with the whole file again (RFC 9110 §13.1.5 needs a strong ETag for that).
 * Skipped, saying so, where Chromium is not installed (.ci/run installs it).
 */
import assert from "node:assert/strict";
import path from "node:path";
import { createStaticHandler } from "../../../lib/handlers/static/static_handler.ts";
import type { ResponseWriter } from "../../../lib/http/response.ts";
import { Browser, CHROMIUM } from "../../support/chromium.ts";
import { skipWithout } from "../../support/programs.ts";
import { startServer } from "../../support/raw_http.ts";
import { tempFolder } from "../../support/static_site.ts";

const skip = skipWithout(import.meta.url, [CHROMIUM]);

/** A WAV file (PCM, mono, 16 bits) of a tone: media Chromium plays without any codec. */
function wavTone(seconds: number, rate = 8000): Uint8Array {
  const samples = seconds * rate;
  const bytes = new Uint8Array(44 + samples * 2);
  const view = new DataView(bytes.buffer);
  const ascii = (at: number, text: string) => {
    for (let i = 0; i < text.length; i++) view.setUint8(at + i, text.charCodeAt(i));
  };
  ascii(0, "RIFF");
  view.setUint32(4, 36 + samples * 2, true);
  ascii(8, "WAVEfmt ");
  view.setUint32(16, 16, true); // fmt chunk size
  view.setUint16(20, 1, true); // PCM
  view.setUint16(22, 1, true); // mono
  view.setUint32(24, rate, true);
  view.setUint32(28, rate * 2, true); // bytes per second
  view.setUint16(32, 2, true); // bytes per frame
  view.setUint16(34, 16, true); // bits per sample
  ascii(36, "data");
  view.setUint32(40, samples * 2, true);
  for (let i = 0; i < samples; i++) view.setInt16(44 + i * 2, 8000 * Math.sin(i / 10), true);
  return bytes;
}

/** Far enough into the file that the first request has not reached it. */
const SEEK_TO_SECONDS = 1200;

const PAGE = `<!doctype html>
<title>seek</title>
<video id="video" src="tone.wav" preload="metadata"></video>
<script>
  const video = document.getElementById("video");
  video.addEventListener("loadedmetadata", () => { video.currentTime = ${SEEK_TO_SECONDS}; });
  video.addEventListener("seeked", () => fetch("/seeked"));
  video.addEventListener("error", () => fetch("/error"));
</script>`;

Deno.test("Chromium seeking in a video gets 206 for its If-Range request", {
  ignore: skip,
}, async () => {
  await using site = await tempFolder({
    "tone.wav": wavTone(SEEK_TO_SECONDS + 60),
    "index.html": PAGE,
  });
  // An mtime long settled: the ETag is strong from the first answer on.
  const old = new Date("2020-01-02T03:04:05Z");
  await Deno.utime(path.join(site.dir, "tone.wav"), old, old);
  const files = createStaticHandler({ root: site.dir, listing: false });

  const media: { range: string | null; ifRange: string | null; res: ResponseWriter }[] = [];
  const { promise: reported, resolve: report } = Promise.withResolvers<string>();
  await using server = startServer({
    handler: (req, res) => {
      if (req.path === "/seeked" || req.path === "/error") {
        report(req.path);
        res.status = 204;
        return res.end();
      }
      if (req.path === "/tone.wav") {
        media.push({ range: req.headers.get("range"), ifRange: req.headers.get("if-range"), res });
      }
      return files(req, res);
    },
  });
  let outcome;
  {
    await using browser = await Browser.launch();
    await browser.open(`http://127.0.0.1:${server.addr.port}/`);
    const timeout = new Promise<string>((resolve) => setTimeout(resolve, 30_000, "timeout"));
    outcome = await Promise.race([reported, timeout]);
  }
  assert.equal(outcome, "/seeked", `the video did not seek: ${JSON.stringify(media)}`);

  const etag = media[0].res.getHeader("etag");
  assert.match(etag ?? "", /^"[^"]+"$/, "a strong ETag");
  const conditional = media.filter((request) => request.ifRange !== null);
  assert.ok(conditional.length > 0, `Chromium sent no If-Range: ${JSON.stringify(media)}`);
  for (const { range, ifRange, res } of conditional) {
    assert.equal(ifRange, etag);
    assert.equal(res.status, 206, `Range ${range} with If-Range ${ifRange}`);
  }
});
