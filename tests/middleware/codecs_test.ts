/**
 * The codings: whole bodies decode back to what went in at both efforts, and a stream's
 * output decodes, after every push, to everything pushed so far (the flush), so a slow
 * stream is never held back; output beyond the encoder's buffer waits for the sink; a
 * finished or destroyed encoder is released.
 */
import assert from "node:assert/strict";
import zlib from "node:zlib";
import {
  encodeWhole,
  liveStreamEncoders,
  type OnTheFlyCoding,
  STREAM_OUTPUT_BYTES,
  StreamEncoder,
} from "../../lib/middleware/codecs.ts";
import { concat } from "../../lib/http/bytes.ts";
import { delay } from "../support/raw_http.ts";
import { decodeBody, lorem } from "../support/compression.ts";

const CODINGS: OnTheFlyCoding[] = ["br", "zstd", "gzip"];

for (const coding of CODINGS) {
  for (const effort of ["fast", "best"] as const) {
    Deno.test(`encodeWhole() ${coding} at ${effort} decodes back byte for byte`, () => {
      const text = lorem(50_000);
      const encoded = encodeWhole(coding, text, effort);
      assert.ok(encoded.length < text.length / 2, `${encoded.length} of ${text.length}`);
      assert.deepEqual(decodeBody(coding, encoded), text);
    });
  }

  Deno.test(`encodeWhole() ${coding} of nothing is a valid empty body`, () => {
    assert.deepEqual(decodeBody(coding, encodeWhole(coding, new Uint8Array(0), "fast")).length, 0);
  });

  Deno.test(`StreamEncoder ${coding}: what each push sent decodes to all pushed so far`, async () => {
    const text = lorem(600_000);
    const encoder = new StreamEncoder(coding);
    const decoder = streamDecoder(coding);
    const sent: Uint8Array[] = [];
    // The sink gets views of a reused buffer: it must copy to keep them.
    const sink = (bytes: Uint8Array) => {
      sent.push(bytes.slice());
      return Promise.resolve();
    };
    for (let at = 0; at < text.length; at += 100_000) {
      const piece = text.subarray(at, at + 100_000);
      const before = sent.length;
      await encoder.push(piece, sink);
      assert.equal(await decoder.feed(concat(sent.slice(before))), piece.length, `after ${at}`);
    }
    await encoder.finish(sink);
    assert.deepEqual(decodeBody(coding, concat(sent)), text);
    decoder.close();
  });

  Deno.test(`StreamEncoder ${coding}: output larger than its buffer is sent in turns`, async () => {
    // Random bytes do not compress: each push owes more than STREAM_OUTPUT_BYTES.
    const noise = new Uint8Array(STREAM_OUTPUT_BYTES * 3);
    for (let at = 0; at < noise.length; at += 65536) {
      crypto.getRandomValues(noise.subarray(at, at + 65536));
    }
    const encoder = new StreamEncoder(coding);
    const sent: Uint8Array[] = [];
    let waiting = false;
    const sink = async (bytes: Uint8Array) => {
      assert.equal(waiting, false, "the next part waits until the sink took this one");
      waiting = true;
      sent.push(bytes.slice());
      await delay(1);
      waiting = false;
    };
    await encoder.push(noise, sink);
    await encoder.finish(sink);
    assert.ok(sent.length > 3, `${sent.length} parts`);
    assert.deepEqual(decodeBody(coding, concat(sent)), noise);
  });
}

Deno.test("StreamEncoder is released once finished or destroyed, and refuses use after", async () => {
  const before = liveStreamEncoders();
  const finished = new StreamEncoder("gzip");
  const destroyed = new StreamEncoder("br");
  assert.equal(liveStreamEncoders(), before + 2);
  const sink = () => Promise.resolve();
  await finished.push(new TextEncoder().encode("some text"), sink);
  await finished.finish(sink);
  destroyed.destroy();
  destroyed.destroy();
  assert.equal(liveStreamEncoders(), before);
  await assert.rejects(() => finished.push(new Uint8Array(1), sink), /after it was finished/);
});

/** A streaming decoder: feed() resolves with the bytes decoded from one piece. */
function streamDecoder(coding: OnTheFlyCoding) {
  const stream = coding === "br"
    ? zlib.createBrotliDecompress()
    : coding === "zstd"
    ? zlib.createZstdDecompress()
    : zlib.createGunzip();
  let decoded = 0;
  stream.on("data", (piece: Uint8Array) => decoded += piece.length);
  return {
    async feed(piece: Uint8Array): Promise<number> {
      const start = decoded;
      await new Promise<void>((resolve, reject) =>
        stream.write(piece, (error) => error ? reject(error) : resolve())
      );
      // Output of a write arrives before its callback, or at the latest one tick after.
      await new Promise((resolve) => setTimeout(resolve, 0));
      return decoded - start;
    },
    close: () => stream.destroy(),
  };
}
