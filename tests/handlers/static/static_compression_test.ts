/**
 * Static files and compression end to end, over real sockets, through createApp with the
 * compression middleware as the binary runs it: every representation (made per request,
 * kept, streamed, precompressed) decodes back to the file byte for byte for each coding;
 * each has its own ETag for 304 and If-Range; stale sidecars are never sent; HEAD says what
 * GET says; ranges; Vary wherever the answer could have varied; aborted downloads leave no
 * encoder and no open file behind.
 */
import assert from "node:assert/strict";
import path from "node:path";
import zlib from "node:zlib";
import { MTIME_SETTLE_MS } from "../../../lib/handlers/static/file_cache.ts";
import { liveStreamEncoders, type OnTheFlyCoding } from "../../../lib/middleware/codecs.ts";
import { decodeBody, lorem } from "../../support/compression.ts";
import { delay, type RawResponse } from "../../support/raw_http.ts";
import { type Files, StaticSite } from "../../support/static_site.ts";
import type { StaticOptions } from "../../../lib/handlers/static/static_handler.ts";
import { openFileCount } from "../../support/descriptors.ts";

const CODINGS: OnTheFlyCoding[] = ["br", "zstd", "gzip"];
const MIB = 1024 * 1024;
/** An hour ago: files this old are settled, so the file cache keeps them. */
const OLD = new Date(Date.now() - 3600_000);
/** How long a kept encoding may take to be made in the background. */
const KEPT_DEADLINE_MS = 20_000;

const APP_JS = lorem(40_000, 7);
const STYLE_CSS = lorem(8_000, 8);
/** Larger than the file cache's files: streamed from disk. */
const BIG_TXT = lorem(3 * MIB, 9);

/** A site with the compression middleware, as `zhttp` serves by default. */
function openSite(files: Files, options: Partial<StaticOptions> = {}): Promise<StaticSite> {
  return StaticSite.open(files, { listing: false, compress: true, ...options });
}

/** GET (or `method`) with `Accept-Encoding: accept` (null: none) and more fields. */
function get(
  site: StaticSite,
  target: string,
  accept: string | null,
  headers: Record<string, string> = {},
  method = "GET",
): Promise<RawResponse> {
  const all = accept === null ? headers : { "Accept-Encoding": accept, ...headers };
  return site.fetch(target, all, method);
}

/** The body as the client sees it once decoded. */
function decoded(response: RawResponse): Uint8Array {
  return decodeBody(response.header("content-encoding"), response.body);
}

/** The fields a HEAD must repeat from its GET. */
const REPRESENTATION_FIELDS = [
  "content-type",
  "content-encoding",
  "content-length",
  "transfer-encoding",
  "etag",
  "vary",
  "accept-ranges",
  "last-modified",
];

function representationFields(response: RawResponse): Record<string, string | null> {
  return Object.fromEntries(REPRESENTATION_FIELDS.map((name) => [name, response.header(name)]));
}

Deno.test("static compression: each coding decodes back to the file, per request and streamed", async () => {
  await using site = await openSite({
    "app.js": APP_JS,
    "style.css": STYLE_CSS,
    "big.txt": BIG_TXT,
  });
  for (const coding of CODINGS) {
    for (
      const [name, content] of [["app.js", APP_JS], ["style.css", STYLE_CSS], [
        "big.txt",
        BIG_TXT,
      ]] as const
    ) {
      const response = await get(site, `/${name}`, coding);
      assert.equal(response.status, 200, `${name} ${coding}`);
      assert.equal(response.header("content-encoding"), coding, `${name} ${coding}`);
      assert.equal(response.header("vary"), "Accept-Encoding");
      assert.equal(response.header("accept-ranges"), null, "ranges are of the identity");
      assert.ok(response.body.length < content.length / 2, `${name} ${coding} compressed`);
      assert.deepEqual(decoded(response), content, `${name} ${coding}`);
      // Encoded per request: a weak tag of its own, derived from the identity's.
      const identity = await get(site, `/${name}`, null);
      const tag = identity.header("etag")!.replace(/^W\//, "").slice(0, -1);
      assert.equal(response.header("etag"), `W/${tag}-${coding}"`);
    }
    // A file held in memory keeps an exact length; a streamed one is chunked.
    const small = await get(site, "/app.js", coding);
    assert.equal(small.header("content-length"), String(small.body.length));
    const big = await get(site, "/big.txt", coding);
    assert.equal(big.header("transfer-encoding"), "chunked");
    assert.equal(big.header("content-length"), null);
  }
});

Deno.test("static compression: the client's q-values choose, then our order", async () => {
  await using site = await openSite({ "app.js": APP_JS, "big.txt": BIG_TXT });
  const cases: [string, string, string | null][] = [
    ["/app.js", "gzip, deflate, br, zstd", "br"],
    ["/big.txt", "gzip, deflate, br, zstd", "zstd"],
    ["/big.txt", "br, gzip", "br"],
    ["/app.js", "br;q=0.5, gzip;q=0.8", "gzip"],
    ["/app.js", "zstd, *;q=0", "zstd"],
    ["/app.js", "deflate", null],
    ["/app.js", "br;q=0, zstd;q=0, gzip;q=0", null],
    ["/app.js", "gzip;q=1.5", null],
    ["/app.js", "", null],
  ];
  for (const [target, accept, coding] of cases) {
    const response = await get(site, target, accept);
    assert.equal(response.status, 200, accept);
    assert.equal(response.header("content-encoding"), coding, `${target} ${accept}`);
    assert.equal(response.header("vary"), "Accept-Encoding", accept);
    assert.deepEqual(decoded(response), target === "/app.js" ? APP_JS : BIG_TXT);
  }
});

Deno.test("static compression: 406 only when the identity is refused and no coding is acceptable", async () => {
  await using site = await openSite({ "app.js": APP_JS, "photo.png": APP_JS, "tiny.txt": "tiny" });
  for (const accept of ["identity;q=0", "*;q=0", "identity;q=0, deflate"]) {
    const refused = await get(site, "/app.js", accept);
    assert.equal(refused.status, 406, accept);
    assert.equal(refused.header("vary"), "Accept-Encoding");
  }
  assert.equal(
    (await get(site, "/app.js", "identity;q=0, gzip")).header("content-encoding"),
    "gzip",
  );
  // Text below MIN_COMPRESS_BYTES still varies (a sidecar may stand beside it): refused too.
  assert.equal((await get(site, "/tiny.txt", "identity;q=0")).status, 406);
  // An answer that cannot vary is not negotiated: the file as it is.
  const plain = await get(site, "/photo.png", "identity;q=0");
  assert.equal(plain.status, 200);
  assert.equal(plain.header("content-encoding"), null);
  assert.equal(plain.header("vary"), null);
});

Deno.test("static compression: Vary on every answer that could have varied, and only there", async () => {
  await using site = await openSite({ "app.js": APP_JS, "photo.png": APP_JS, "tiny.txt": "tiny" });
  const identity = await get(site, "/app.js", null);
  assert.equal(identity.header("vary"), "Accept-Encoding");
  assert.equal(identity.header("content-encoding"), null);
  const notModified = await get(site, "/app.js", null, {
    "If-None-Match": identity.header("etag")!,
  });
  assert.equal(notModified.status, 304);
  assert.equal(notModified.header("vary"), "Accept-Encoding");
  const range = await get(site, "/app.js", "br", { Range: "bytes=0-9" });
  assert.equal(range.status, 206);
  assert.equal(range.header("vary"), "Accept-Encoding");
  // An image is never encoded, and text below MIN_COMPRESS_BYTES is not by the middleware;
  // with sidecars honoured the small text could still have one, so it varies.
  assert.equal((await get(site, "/photo.png", "br")).header("vary"), null);
  assert.equal((await get(site, "/tiny.txt", "br")).header("content-encoding"), null);
  assert.equal((await get(site, "/tiny.txt", "br")).header("vary"), "Accept-Encoding");
});

Deno.test("static compression: nothing varies with --no-compress and --no-precompressed", async () => {
  await using site = await openSite(
    { "app.js": APP_JS, "app.js.br": zlib.brotliCompressSync(APP_JS) },
    { compress: false, precompressed: false },
  );
  const response = await get(site, "/app.js", "br, gzip");
  assert.equal(response.header("content-encoding"), null);
  assert.equal(response.header("vary"), null);
  assert.deepEqual(response.body, APP_JS);
});

Deno.test("static compression: HEAD has exactly the GET's representation fields", async () => {
  await using site = await openSite({ "app.js": APP_JS, "big.txt": BIG_TXT, "photo.png": APP_JS });
  for (const accept of [null, "br", "zstd", "gzip", "gzip, br"]) {
    for (const target of ["/app.js", "/big.txt", "/photo.png"]) {
      const getResponse = await get(site, target, accept);
      const head = await get(site, target, accept, {}, "HEAD");
      assert.equal(head.status, 200);
      assert.equal(head.body.length, 0);
      assert.deepEqual(
        representationFields(head),
        representationFields(getResponse),
        `${target} ${accept}`,
      );
    }
  }
});

Deno.test("static compression: a Range gets the identity's bytes, whatever the coding accepted", async () => {
  await using site = await openSite({ "app.js": APP_JS, "big.txt": BIG_TXT });
  for (const target of ["/app.js", "/big.txt"]) {
    const content = target === "/app.js" ? APP_JS : BIG_TXT;
    const identity = await get(site, target, null);
    const range = await get(site, target, "br, gzip, zstd", { Range: "bytes=100-199" });
    assert.equal(range.status, 206, target);
    assert.equal(range.header("content-encoding"), null);
    assert.equal(range.header("content-range"), `bytes 100-199/${content.length}`);
    assert.equal(range.header("etag"), identity.header("etag"));
    assert.deepEqual(range.body, content.subarray(100, 200));
    // If-Range with the identity's date: still the identity's bytes.
    const dated = await get(site, target, "br", {
      Range: "bytes=0-9",
      "If-Range": identity.header("last-modified")!,
    });
    assert.equal(dated.status, 206);
    assert.deepEqual(dated.body, content.subarray(0, 10));
  }
});

Deno.test("static compression: each encoding is compared by its own ETag for 304 and If-Range", async () => {
  await using site = await openSite({ "app.js": APP_JS });
  const identity = await get(site, "/app.js", null);
  const br = await get(site, "/app.js", "br");
  const gzip = await get(site, "/app.js", "gzip");
  const tags = new Set([identity, br, gzip].map((response) => response.header("etag")));
  assert.equal(tags.size, 3, "three representations, three tags");
  // The tag of the representation the client would get: 304.
  const revalidated = await get(site, "/app.js", "br", { "If-None-Match": br.header("etag")! });
  assert.equal(revalidated.status, 304);
  assert.equal(revalidated.header("etag"), br.header("etag"));
  assert.equal(revalidated.header("vary"), "Accept-Encoding");
  assert.equal(revalidated.header("content-encoding"), null);
  // Another representation's tag: the client's copy is not this one, so the whole answer.
  for (
    const [accept, other] of [["br", gzip], ["br", identity], [null, br], ["gzip", br]] as const
  ) {
    const response = await get(site, "/app.js", accept, { "If-None-Match": other.header("etag")! });
    assert.equal(response.status, 200, `${accept} with ${other.header("etag")}`);
    assert.deepEqual(decoded(response), APP_JS);
  }
  // If-Range with an encoding's tag never lets a Range through: ranges are the identity's.
  const ranged = await get(site, "/app.js", "br", {
    Range: "bytes=0-9",
    "If-Range": br.header("etag")!,
  });
  assert.equal(ranged.status, 200);
  assert.equal(ranged.header("content-encoding"), null, "a Range request gets stable bytes");
  assert.deepEqual(ranged.body, APP_JS);
});

Deno.test("static compression: a kept encoding is made once per version, at the best effort", async () => {
  const second = lorem(40_000, 11);
  await using site = await openSite({ "app.js": APP_JS });
  const file = path.join(site.root, "app.js");
  await Deno.utime(file, OLD, OLD);
  // Only versions older than MTIME_SETTLE_MS are cached (and so kept encoded).
  await delay(MTIME_SETTLE_MS + 100);

  for (const coding of CODINGS) {
    const first = await get(site, "/app.js", coding);
    assert.deepEqual(decoded(first), APP_JS, coding);
    const kept = await waitForSmaller(site, "/app.js", coding, first.body.length);
    assert.equal(kept.header("content-encoding"), coding);
    assert.equal(kept.header("content-length"), String(kept.body.length));
    assert.deepEqual(decoded(kept), APP_JS, `${coding} kept`);
    // The same bytes again: kept, not made again.
    const again = await get(site, "/app.js", coding);
    assert.deepEqual(again.body, kept.body);
    // The per-request tag and the kept one name the same content: a weak match, 304.
    const revalidated = await get(site, "/app.js", coding, {
      "If-None-Match": first.header("etag")!,
    });
    assert.equal(revalidated.status, 304);
    const head = await get(site, "/app.js", coding, {}, "HEAD");
    assert.deepEqual(representationFields(head), representationFields(kept));
  }

  // A new version is never answered with the old one's encoding.
  await Deno.writeFile(file, second);
  await Deno.utime(file, new Date(OLD.getTime() + 1000), new Date(OLD.getTime() + 1000));
  for (const coding of CODINGS) {
    assert.deepEqual(decoded(await get(site, "/app.js", coding)), second, coding);
  }
});

/** GETs until the encoded body is smaller than `size`: the kept encoding replaced the fast one. */
async function waitForSmaller(
  site: StaticSite,
  target: string,
  coding: string,
  size: number,
): Promise<RawResponse> {
  const deadline = Date.now() + KEPT_DEADLINE_MS;
  for (;;) {
    const response = await get(site, target, coding);
    if (response.body.length < size) return response;
    if (Date.now() > deadline) assert.fail(`no kept ${coding} encoding of ${target}`);
    await delay(50);
  }
}

Deno.test("static compression: a fresh sidecar is sent with the file's type, and ranges over its bytes", async () => {
  const br = zlib.brotliCompressSync(APP_JS);
  const gz = zlib.gzipSync(APP_JS, { level: 9 });
  const zst = zlib.zstdCompressSync(APP_JS);
  await using site = await openSite({
    "app.js": APP_JS,
    "app.js.br": br,
    "app.js.gz": gz,
    "app.js.zst": zst,
  });
  for (
    const [accept, coding, bytes] of [["br", "br", br], ["gzip", "gzip", gz], [
      "zstd",
      "zstd",
      zst,
    ]] as const
  ) {
    const response = await get(site, "/app.js", accept);
    assert.equal(response.header("content-encoding"), coding);
    assert.equal(response.header("content-type"), "text/javascript; charset=utf-8");
    assert.equal(response.header("accept-ranges"), "bytes");
    assert.equal(response.header("vary"), "Accept-Encoding");
    assert.deepEqual(response.body, new Uint8Array(bytes), "the sidecar's own bytes");
    assert.deepEqual(decoded(response), APP_JS);
    assert.match(response.header("etag")!, new RegExp(`-${coding}"$`));
    const head = await get(site, "/app.js", accept, {}, "HEAD");
    assert.deepEqual(representationFields(head), representationFields(response));

    // Range over the encoded bytes, as nginx's gzip_static.
    const range = await get(site, "/app.js", accept, { Range: "bytes=10-19" });
    assert.equal(range.status, 206);
    assert.equal(range.header("content-encoding"), coding);
    assert.equal(range.header("content-range"), `bytes 10-19/${bytes.length}`);
    assert.deepEqual(range.body, new Uint8Array(bytes).subarray(10, 20));
    // If-Range with this sidecar's tag: the range when the tag is strong (a weak one never
    // matches, RFC 9110 §13.1.5); with the identity's tag, never.
    const tag = response.header("etag")!;
    const withTag = await get(site, "/app.js", accept, { Range: "bytes=10-19", "If-Range": tag });
    assert.equal(withTag.status, tag.startsWith("W/") ? 200 : 206);
    const identityTag = (await get(site, "/app.js", null)).header("etag")!;
    const withOther = await get(site, "/app.js", accept, {
      Range: "bytes=10-19",
      "If-Range": identityTag,
    });
    assert.equal(withOther.status, 200);
    assert.deepEqual(decoded(withOther), APP_JS);
    // 304 against the sidecar's tag only.
    assert.equal((await get(site, "/app.js", accept, { "If-None-Match": tag })).status, 304);
    // Several ranges of encoded bytes: the whole sidecar instead of a multipart body.
    const ranges = await get(site, "/app.js", accept, { Range: "bytes=0-9,20-29" });
    assert.equal(ranges.status, 200);
    assert.equal(ranges.header("content-encoding"), coding);
    assert.deepEqual(ranges.body, new Uint8Array(bytes));
  }
  // Precompressed br beats our own br; with gzip preferred by q, the .gz.
  assert.deepEqual(
    (await get(site, "/app.js", "gzip, deflate, br, zstd")).body,
    new Uint8Array(br),
  );
  assert.deepEqual((await get(site, "/app.js", "br;q=0.5, gzip")).body, new Uint8Array(gz));
});

Deno.test("static compression: sidecars stay fetchable by their own names, as they are", async () => {
  const br = zlib.brotliCompressSync(APP_JS);
  await using site = await openSite({ "app.js": APP_JS, "app.js.br": br });
  for (const accept of [null, "br"]) {
    const response = await get(site, "/app.js.br", accept);
    assert.equal(response.status, 200);
    assert.equal(response.header("content-encoding"), null);
    assert.deepEqual(response.body, new Uint8Array(br));
  }
});

Deno.test("static compression: a stale sidecar is never sent", async () => {
  const old = lorem(40_000, 99);
  await using site = await openSite({
    "app.js": APP_JS,
    "app.js.br": zlib.brotliCompressSync(old),
    "app.js.gz": zlib.gzipSync(old),
    "big.txt": BIG_TXT,
    "big.txt.gz": zlib.gzipSync(old),
  });
  // The user edited app.js after the sidecars were made.
  const before = new Date(Date.now() - 60_000);
  for (const name of ["app.js.br", "app.js.gz", "big.txt.gz"]) {
    await Deno.utime(path.join(site.root, name), before, before);
  }
  for (const accept of ["br", "gzip", "br, gzip"]) {
    for (const [target, content] of [["/app.js", APP_JS], ["/big.txt", BIG_TXT]] as const) {
      const response = await get(site, target, accept);
      assert.deepEqual(decoded(response), content, `${target} ${accept}`);
      assert.equal(response.header("accept-ranges"), null, "made on the fly, not the sidecar");
    }
    const range = await get(site, "/app.js", accept, { Range: "bytes=0-9" });
    assert.equal(range.header("content-encoding"), null);
    assert.deepEqual(range.body, APP_JS.subarray(0, 10));
  }
});

Deno.test("static compression: only regular files inside the root stand in as sidecars", async () => {
  await using site = await openSite({ "app.js": APP_JS, "app.js.br/": "", "style.css": STYLE_CSS });
  const outside = path.join(site.dir, "style.css.gz");
  await Deno.writeFile(outside, zlib.gzipSync(lorem(8_000, 5)));
  await Deno.symlink(outside, path.join(site.root, "style.css.gz"));
  const folderSidecar = await get(site, "/app.js", "br");
  assert.deepEqual(decoded(folderSidecar), APP_JS);
  const linked = await get(site, "/style.css", "gzip");
  assert.deepEqual(decoded(linked), STYLE_CSS, "a link out of the root is not followed");
  assert.equal(linked.header("accept-ranges"), null);
});

Deno.test("static compression: with --no-precompressed sidecars are ignored, with --no-compress only they are sent", async () => {
  const br = zlib.brotliCompressSync(lorem(40_000, 3));
  const files = { "app.js": APP_JS, "app.js.br": br, "other.js": APP_JS };
  {
    await using site = await openSite(files, { precompressed: false });
    const response = await get(site, "/app.js", "br");
    assert.equal(response.header("content-encoding"), "br");
    assert.deepEqual(decoded(response), APP_JS, "made on the fly, not the sidecar");
  }
  {
    await using site = await openSite(files, { compress: false });
    assert.deepEqual((await get(site, "/app.js", "br")).body, new Uint8Array(br));
    const plain = await get(site, "/other.js", "br");
    assert.equal(plain.header("content-encoding"), null);
    assert.equal(plain.header("vary"), "Accept-Encoding", "a sidecar could have been there");
  }
});

Deno.test("static compression: aborted downloads leave no encoder and no open file behind", async () => {
  await using site = await openSite({ "big.txt": BIG_TXT });
  const warmup = await get(site, "/big.txt", "br");
  assert.deepEqual(decoded(warmup), BIG_TXT);
  await delay(50);
  const files = openFileCount();
  const encoders = liveStreamEncoders();

  for (let i = 0; i < 150; i++) {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port: site.port });
    try {
      const coding = CODINGS[i % 3];
      await conn.write(new TextEncoder().encode(
        `GET /big.txt HTTP/1.1\r\nHost: a\r\nAccept-Encoding: ${coding}\r\n\r\n`,
      ));
      // Leave inside the first encoded piece, or a few pieces in.
      const wanted = (i % 5 + 1) * 40_000;
      const buffer = new Uint8Array(64 * 1024);
      for (let received = 0; received < wanted;) {
        const read = await conn.read(buffer);
        if (read === null) break;
        received += read;
      }
    } finally {
      conn.close();
    }
  }
  const deadline = Date.now() + 10_000;
  while (openFileCount() > files || liveStreamEncoders() > encoders) {
    if (Date.now() > deadline) {
      assert.fail(
        `${openFileCount() - files} descriptors, ${liveStreamEncoders() - encoders} encoders left`,
      );
    }
    await delay(20);
  }
  assert.deepEqual(decoded(await get(site, "/big.txt", "zstd")), BIG_TXT, "still serves it whole");
});
