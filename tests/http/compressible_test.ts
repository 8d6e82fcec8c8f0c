/** isCompressible() from a table of Content-Type values, as files and handlers send them. */
import assert from "node:assert/strict";
import { isCompressible } from "../../lib/http/compressible.ts";

const cases: { type: string; compressible: boolean }[] = [
  { type: "text/html; charset=utf-8", compressible: true },
  { type: "text/css", compressible: true },
  { type: "text/plain", compressible: true },
  { type: "text/javascript; charset=utf-8", compressible: true },
  { type: "application/javascript", compressible: true },
  { type: "application/json", compressible: true },
  { type: "application/manifest+json", compressible: true },
  { type: "application/ld+json", compressible: true },
  { type: "application/xml", compressible: true },
  { type: "application/atom+xml", compressible: true },
  { type: "image/svg+xml", compressible: true },
  { type: "application/wasm", compressible: true },
  { type: "font/ttf", compressible: true },
  { type: "font/otf", compressible: true },
  { type: "application/vnd.ms-fontobject", compressible: true },
  { type: "TEXT/HTML", compressible: true },
  { type: " text/csv ;charset=utf-8", compressible: true },
  // Compressed already, or not worth it.
  { type: "font/woff", compressible: false },
  { type: "font/woff2", compressible: false },
  { type: "image/png", compressible: false },
  { type: "image/jpeg", compressible: false },
  { type: "image/webp", compressible: false },
  { type: "image/x-icon", compressible: false },
  { type: "video/mp4", compressible: false },
  { type: "audio/mpeg", compressible: false },
  { type: "application/zip", compressible: false },
  { type: "application/gzip", compressible: false },
  { type: "application/x-brotli", compressible: false },
  { type: "application/zstd", compressible: false },
  { type: "application/pdf", compressible: false },
  { type: "application/octet-stream", compressible: false },
  { type: "multipart/byteranges; boundary=x", compressible: false },
  // Each event must leave when it is written.
  { type: "text/event-stream", compressible: false },
  { type: "", compressible: false },
];

for (const { type, compressible } of cases) {
  Deno.test(`isCompressible() says ${compressible} for ${JSON.stringify(type)}`, () => {
    assert.equal(isCompressible(type), compressible);
    assert.equal(isCompressible(type), compressible, "remembered");
  });
}
