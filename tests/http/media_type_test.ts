import assert from "node:assert/strict";
import {
  mediaTypeFor,
  SOURCE_TEXT_EXTENSIONS,
  SOURCE_TEXT_MEDIA_TYPE,
  UNKNOWN_MEDIA_TYPE,
} from "../../lib/http/media_type.ts";

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
  // Source and plain-text formats are shown, not downloaded: text/plain whatever their
  // registered type (video/mp2t, application/rls-services+xml, text/csv...) or none.
  { name: "main.ts", type: "text/plain; charset=utf-8" },
  { name: "view.tsx", type: "text/plain; charset=utf-8" },
  { name: "mod.mts", type: "text/plain; charset=utf-8" },
  { name: "lib.rs", type: "text/plain; charset=utf-8" },
  { name: "main.go", type: "text/plain; charset=utf-8" },
  { name: "app.py", type: "text/plain; charset=utf-8" },
  { name: "Main.java", type: "text/plain; charset=utf-8" },
  { name: "zhttp.c", type: "text/plain; charset=utf-8" },
  { name: "build.sh", type: "text/plain; charset=utf-8" },
  { name: "run.bat", type: "text/plain; charset=utf-8" },
  { name: "Cargo.toml", type: "text/plain; charset=utf-8" },
  { name: "ci.yml", type: "text/plain; charset=utf-8" },
  { name: "README.md", type: "text/plain; charset=utf-8" },
  { name: "table.csv", type: "text/plain; charset=utf-8" },
  { name: "table.tsv", type: "text/plain; charset=utf-8" },
  { name: "fix.patch", type: "text/plain; charset=utf-8" },
  { name: "server.log", type: "text/plain; charset=utf-8" },
  { name: "STYLE.SCSS", type: "text/plain; charset=utf-8" },
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

Deno.test("SOURCE_TEXT_EXTENSIONS are bare lowercase extensions served as text/plain", () => {
  assert.equal(SOURCE_TEXT_MEDIA_TYPE, "text/plain; charset=utf-8");
  for (const extension of SOURCE_TEXT_EXTENSIONS) {
    assert.match(extension, /^[a-z0-9]+$/);
    assert.equal(mediaTypeFor(`file.${extension}`), SOURCE_TEXT_MEDIA_TYPE, extension);
  }
});

Deno.test("mediaTypeFor() falls back to application/octet-stream", () => {
  assert.equal(UNKNOWN_MEDIA_TYPE, "application/octet-stream");
});
