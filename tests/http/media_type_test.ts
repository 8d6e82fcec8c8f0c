import assert from "node:assert/strict";
import { mediaTypeFor, UNKNOWN_MEDIA_TYPE } from "../../lib/http/media_type.ts";

const TYPES: readonly { name: string; type: string }[] = [
  // Text types carry the charset, so browsers do not guess one.
  { name: "index.html", type: "text/html; charset=utf-8" },
  { name: "page.htm", type: "text/html; charset=utf-8" },
  { name: "style.css", type: "text/css; charset=utf-8" },
  { name: "app.js", type: "text/javascript; charset=utf-8" },
  { name: "module.mjs", type: "text/javascript; charset=utf-8" },
  { name: "data.json", type: "application/json; charset=utf-8" },
  { name: "app.js.map", type: "application/json; charset=utf-8" },
  { name: "site.webmanifest", type: "application/manifest+json; charset=utf-8" },
  { name: "feed.xml", type: "application/xml; charset=utf-8" },
  { name: "feed.atom", type: "application/atom+xml; charset=utf-8" },
  { name: "logo.svg", type: "image/svg+xml; charset=utf-8" },
  { name: "notes.txt", type: "text/plain; charset=utf-8" },
  { name: "README.md", type: "text/markdown; charset=utf-8" },
  { name: "table.csv", type: "text/csv; charset=utf-8" },
  // Binary types do not.
  { name: "photo.png", type: "image/png" },
  { name: "photo.jpg", type: "image/jpeg" },
  { name: "anim.webp", type: "image/webp" },
  { name: "favicon.ico", type: "image/vnd.microsoft.icon" },
  { name: "font.woff2", type: "font/woff2" },
  { name: "code.wasm", type: "application/wasm" },
  { name: "doc.pdf", type: "application/pdf" },
  { name: "clip.mp4", type: "video/mp4" },
  { name: "archive.tar.gz", type: "application/gzip" },
  // The extension decides, whatever its case and whatever the folders are called.
  { name: "INDEX.HTML", type: "text/html; charset=utf-8" },
  { name: "/srv/www/a.b/page.Css", type: "text/css; charset=utf-8" },
  { name: "C:\\srv\\www\\app.js", type: "text/javascript; charset=utf-8" },
  // No known extension: opaque bytes (RFC 9110 §8.3).
  { name: "file.unknownext", type: UNKNOWN_MEDIA_TYPE },
  { name: "Makefile", type: UNKNOWN_MEDIA_TYPE },
  { name: "/srv/www/LICENSE", type: UNKNOWN_MEDIA_TYPE },
  { name: "/srv/www.html/LICENSE", type: UNKNOWN_MEDIA_TYPE },
  { name: ".env", type: UNKNOWN_MEDIA_TYPE },
  { name: ".json", type: UNKNOWN_MEDIA_TYPE },
  { name: "trailing.", type: UNKNOWN_MEDIA_TYPE },
  // A name that merely equals an extension is no extension.
  { name: "json", type: UNKNOWN_MEDIA_TYPE },
  { name: "html", type: UNKNOWN_MEDIA_TYPE },
  { name: "", type: UNKNOWN_MEDIA_TYPE },
];

for (const { name, type } of TYPES) {
  Deno.test(`mediaTypeFor() gives ${JSON.stringify(name)} ${JSON.stringify(type)}`, () => {
    assert.equal(mediaTypeFor(name), type);
  });
}

Deno.test("mediaTypeFor() falls back to application/octet-stream", () => {
  assert.equal(UNKNOWN_MEDIA_TYPE, "application/octet-stream");
});
