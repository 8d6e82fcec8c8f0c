/**
 * Kept encodings and the worker that makes them: once per version, never an old version's
 * bytes for a new one, bounded in bytes, and the worker's results decode back.
 */
import assert from "node:assert/strict";
import { BackgroundCompressor } from "../../lib/middleware/background_compressor.ts";
import { type OnTheFlyCoding } from "../../lib/middleware/codecs.ts";
import type { KeptFile } from "../../lib/middleware/content_encoder.ts";
import { KeptEncodings } from "../../lib/middleware/kept_encodings.ts";
import { decodeBody, lorem } from "../support/compression.ts";
import { delay } from "../support/raw_http.ts";

/** Waits until the background work is done. */
async function settled(kept: KeptEncodings): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (kept.inProgress > 0) {
    if (Date.now() > deadline) assert.fail("encodings still being made");
    await delay(10);
  }
}

Deno.test("BackgroundCompressor: jobs sent together all come back, decodable", async () => {
  const compressor = new BackgroundCompressor();
  try {
    const inputs = [1, 2, 3, 4].map((seed) => lorem(30_000, seed));
    const codings: OnTheFlyCoding[] = ["br", "zstd", "gzip", "br"];
    const outputs = await Promise.all(
      inputs.map((input, i) => compressor.compress(codings[i], input)),
    );
    outputs.forEach((output, i) => assert.deepEqual(decodeBody(codings[i], output), inputs[i]));
    assert.equal(compressor.pending, 0);
    // The input is copied, never detached: the file cache still holds it.
    assert.equal(inputs[0].length, 30_000);
  } finally {
    compressor.stop();
  }
});

Deno.test("KeptEncodings: made once per version, in the background", async () => {
  const compressor = new BackgroundCompressor();
  try {
    const kept = new KeptEncodings(compressor);
    const v1: KeptFile = { path: "/site/app.js", bytes: lorem(40_000, 1) };
    assert.equal(kept.lookup("br", v1), null, "not made yet");
    assert.equal(kept.lookup("br", v1), null, "asked twice, made once");
    assert.equal(kept.inProgress, 1);
    await settled(kept);
    const bytes = kept.lookup("br", v1);
    assert.ok(bytes !== null);
    assert.deepEqual(decodeBody("br", bytes), v1.bytes);
    assert.equal(kept.lookup("br", v1), bytes, "the same bytes each time");
    assert.equal(kept.lookup("gzip", v1), null, "each coding made apart");
    await settled(kept);
    assert.ok(kept.lookup("gzip", v1) !== null);

    // Same path, new version: none of the old version's encodings.
    const v2: KeptFile = { path: "/site/app.js", bytes: lorem(40_000, 2) };
    assert.equal(kept.lookup("br", v2), null);
    await settled(kept);
    assert.deepEqual(decodeBody("br", kept.lookup("br", v2)!), v2.bytes);
    assert.equal(kept.lookup("gzip", v2), null);
    await settled(kept);
  } finally {
    compressor.stop();
  }
});

Deno.test("KeptEncodings: keeps at most maxBytes, dropping the least recently used", async () => {
  const compressor = new BackgroundCompressor();
  try {
    const files = [1, 2, 3, 4].map((seed) => ({
      path: `/f${seed}.txt`,
      bytes: lorem(40_000, seed),
    }));
    const one = await compressor.compress("gzip", files[0].bytes);
    // Room for about two of them.
    const kept = new KeptEncodings(compressor, Math.floor(one.length * 2.5));
    for (const file of files.slice(0, 2)) kept.lookup("gzip", file);
    await settled(kept);
    assert.ok(kept.lookup("gzip", files[0]) !== null, "f1 used last");
    for (const file of files.slice(2)) kept.lookup("gzip", file);
    await settled(kept);
    assert.ok(kept.totalBytes <= kept.maxBytes, `${kept.totalBytes} > ${kept.maxBytes}`);
    assert.equal(kept.lookup("gzip", files[1]), null, "f2 was the least recently used");
    await settled(kept);
  } finally {
    compressor.stop();
  }
});
