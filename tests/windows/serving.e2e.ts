/**
 * zhttp under the real deno.exe (Wine): what a browser gets from C:\site. Files with their
 * types, a binary and a 4 MiB streamed file intact, folders, a listing, the custom 404,
 * byte ranges through both the in-memory and the streamed path, and conditional requests.
 *
 * Run by scripts/windows-e2e.sh (root, Wine test bed), not by `deno task test`.
 */
import assert from "node:assert/strict";
import { type RawResponse, sha256 } from "../support/raw_http.ts";
import { MTIME_SETTLE_MS } from "../../lib/handlers/static/file_cache.ts";
import {
  CACHE_CONTROL_FROM_ZHTTP_JSON,
  createFixtureSite,
  HELLO_TEXT,
  INDEX_HTML,
  LARGE_FILE_BYTES,
  LISTED_NAMES,
  NESTED_INDEX_HTML,
  NOT_FOUND_HTML,
  UNLISTED_NAMES,
} from "./fixture_site.ts";
import { SCHEMES, startZhttpOnWindows } from "./zhttp_on_windows.ts";

for (const scheme of SCHEMES) {
  Deno.test(
    scheme.name("main.ts on Windows serves files, folders, ranges and conditionals"),
    async (t) => {
      await using site = await createFixtureSite();
      await using zhttp = await startZhttpOnWindows(site, scheme);

      await t.step("the banner shows the Windows path of the root", async () => {
        await zhttp.deno.waitForOutput(/^Serving\s+C:\\site$/m);
      });

      if (zhttp.ca !== null) {
        const ca = zhttp.ca;
        await t.step("the local CA lives in the Windows user's %LOCALAPPDATA%\\zhttp", () => {
          assert.match(ca.windowsPath, /^C:\\users\\[^\\]+\\AppData\\Local\\zhttp\\ca\.crt$/i);
        });
        await t.step("GET /.zhttp/ca.crt downloads that CA, its public part only", async () => {
          const response = await zhttp.request("/.zhttp/ca.crt");
          assert.equal(response.status, 200);
          assert.equal(response.header("content-type"), "application/x-x509-ca-cert");
          const base64 = ca.pem.replace(/-----[^-]+-----|\s/g, "");
          assert.deepEqual(response.body, Uint8Array.from(atob(base64), (c) => c.charCodeAt(0)));
        });
      }

      await t.step("GET / serves index.html with the Cache-Control of zhttp.json", async () => {
        const response = await zhttp.request("/");
        assert.equal(response.status, 200);
        assert.equal(response.text(), INDEX_HTML);
        assert.equal(response.header("content-type"), "text/html; charset=utf-8");
        // zhttp.json was found in the working folder (the root) and applied.
        assert.equal(response.header("cache-control"), CACHE_CONTROL_FROM_ZHTTP_JSON);
      });

      await t.step("HEAD / sends the length and no body", async () => {
        const response = await zhttp.request("/", { method: "HEAD" });
        assert.equal(response.status, 200);
        assert.equal(response.header("content-length"), String(INDEX_HTML.length));
        assert.equal(response.body.length, 0);
      });

      await t.step("GET /hello.txt sends UTF-8 text with its charset", async () => {
        const response = await zhttp.request("/hello.txt");
        assert.equal(response.status, 200);
        assert.equal(response.header("content-type"), "text/plain; charset=utf-8");
        assert.equal(response.text(), HELLO_TEXT);
      });

      await t.step("GET /photo.png sends the binary intact", async () => {
        const response = await zhttp.request("/photo.png");
        assert.equal(response.status, 200);
        assert.equal(response.header("content-type"), "image/png");
        assert.equal(await sha256(response.body), site.photoSha256);
      });

      await t.step("GET /large.bin streams 4 MiB intact", async () => {
        const response = await zhttp.request("/large.bin");
        assert.equal(response.status, 200);
        assert.equal(response.header("content-length"), String(LARGE_FILE_BYTES));
        assert.equal(response.header("content-type"), "application/octet-stream");
        assert.equal(await sha256(response.body), site.largeSha256);
      });

      const redirects = [
        { path: "/docs", location: "/docs/" },
        { path: "/nested?x=1", location: "/nested/?x=1" },
      ];
      for (const { path, location } of redirects) {
        await t.step(`GET ${path} redirects to the folder ${location} with 301`, async () => {
          const response = await zhttp.request(path);
          assert.equal(response.status, 301);
          assert.equal(response.header("location"), location);
        });
      }

      await t.step("GET /nested/ serves the folder's index.html", async () => {
        const response = await zhttp.request("/nested/");
        assert.equal(response.status, 200);
        assert.equal(response.text(), NESTED_INDEX_HTML);
      });

      await t.step(
        "GET /docs/ lists what can be fetched, not dotfiles or device names",
        async () => {
          const response = await zhttp.request("/docs/");
          assert.equal(response.status, 200);
          assert.equal(response.header("content-type"), "text/html; charset=utf-8");
          const page = response.text();
          for (const name of [...LISTED_NAMES, "sub/"]) {
            assert.ok(page.includes(name), `the listing lacks ${name}:\n${page}`);
          }
          for (const name of UNLISTED_NAMES) {
            assert.ok(!page.includes(name), `the listing shows ${name}:\n${page}`);
          }
        },
      );

      const wideNames = [
        { path: "/docs/caf%C3%A9.txt", body: "café.txt\n", why: "UTF-8 URL → UTF-16 file name" },
        { path: "/docs/with%20space.txt", body: "with space.txt\n", why: "inner space is fine" },
      ];
      for (const { path, body, why } of wideNames) {
        await t.step(`GET ${path} serves the file (${why})`, async () => {
          const response = await zhttp.request(path);
          assert.equal(response.status, 200);
          assert.equal(response.text(), body);
        });
      }

      await t.step("GET /missing.txt answers 404 with the root's 404.html", async () => {
        const response = await zhttp.request("/missing.txt");
        assert.equal(response.status, 404);
        assert.equal(response.header("content-type"), "text/html; charset=utf-8");
        assert.equal(response.text(), NOT_FOUND_HTML);
      });

      const large = site.large;
      const size = large.length;
      const singleRanges = [
        { range: "bytes=1000000-1000099", start: 1_000_000, end: 1_000_099, why: "streamed, seek" },
        { range: "bytes=-100", start: size - 100, end: size - 1, why: "suffix range" },
        { range: `bytes=${size - 10}-`, start: size - 10, end: size - 1, why: "open-ended" },
      ];
      for (const { range, start, end, why } of singleRanges) {
        await t.step(
          `GET /large.bin with Range: ${range} sends 206 with those bytes (${why})`,
          async () => {
            const response = await zhttp.request("/large.bin", { headers: { Range: range } });
            assert.equal(response.status, 206);
            assert.equal(response.header("content-range"), `bytes ${start}-${end}/${size}`);
            assert.deepEqual(response.body, large.subarray(start, end + 1));
          },
        );
      }

      await t.step("GET /hello.txt with Range: bytes=0-4 sends 206 from memory", async () => {
        const response = await zhttp.request("/hello.txt", { headers: { Range: "bytes=0-4" } });
        const helloBytes = new TextEncoder().encode(HELLO_TEXT);
        assert.equal(response.status, 206);
        assert.equal(response.header("content-range"), `bytes 0-4/${helloBytes.length}`);
        assert.equal(response.text(), "Hello");
      });

      await t.step("GET /large.bin with a range past the end answers 416", async () => {
        const response = await zhttp.request("/large.bin", {
          headers: { Range: `bytes=${size}-` },
        });
        assert.equal(response.status, 416);
        assert.equal(response.header("content-range"), `bytes */${size}`);
      });

      await t.step("GET /large.bin with two ranges sends multipart/byteranges", async () => {
        const ranges = [{ start: 0, end: 9 }, { start: 2_000_000, end: 2_000_009 }];
        const response = await zhttp.request("/large.bin", {
          headers: {
            Range: `bytes=${ranges.map(({ start, end }) => `${start}-${end}`).join(",")}`,
          },
        });
        assert.equal(response.status, 206);
        const parts = multipartParts(response);
        assert.deepEqual(
          parts.map((part) => part.contentRange),
          ranges.map(({ start, end }) => `bytes ${start}-${end}/${size}`),
        );
        for (const [index, { start, end }] of ranges.entries()) {
          assert.deepEqual(parts[index].body, large.subarray(start, end + 1));
        }
      });

      for (const path of ["/hello.txt", "/large.bin"]) {
        await t.step(`GET ${path} answers conditionals: 304, 304, 412`, async () => {
          let first = await zhttp.request(path, { headers: { Range: "bytes=0-0" } });
          if (first.header("etag")!.startsWith("W/")) {
            // Weak only while the file's mtime is too fresh to be trusted (MTIME_SETTLE_MS).
            await new Promise((resolve) => setTimeout(resolve, MTIME_SETTLE_MS + 100));
            first = await zhttp.request(path, { headers: { Range: "bytes=0-0" } });
          }
          const etag = first.header("etag")!;
          const lastModified = first.header("last-modified")!;
          assert.match(etag, /^"[0-9a-f]+-[0-9a-f]+"$/);

          // A strong validator: a resumed or seeking download keeps its range (RFC 9110
          // §13.1.5).
          const resumed = await zhttp.request(path, {
            headers: { Range: "bytes=1-1", "If-Range": etag },
          });
          assert.equal(resumed.status, 206);

          const byTag = await zhttp.request(path, { headers: { "If-None-Match": etag } });
          assert.equal(byTag.status, 304);
          assert.equal(byTag.header("etag"), etag);
          assert.equal(byTag.body.length, 0);

          const byDate = await zhttp.request(path, {
            headers: { "If-Modified-Since": lastModified },
          });
          assert.equal(byDate.status, 304);

          const mismatch = await zhttp.request(path, { headers: { "If-Match": '"not-this-one"' } });
          assert.equal(mismatch.status, 412);
        });
      }
    },
  );
}

interface Part {
  contentRange: string | undefined;
  body: Uint8Array;
}

/**
 * The parts of a multipart/byteranges body (RFC 9110 §14.6). Each byte becomes one char
 * code (true Latin-1, not TextDecoder's windows-1252), so the parts' bytes survive the split.
 */
function multipartParts(response: RawResponse): Part[] {
  const boundary = /boundary=("?)([^";]+)\1/.exec(response.header("content-type") ?? "")?.[2];
  assert.ok(boundary, `no boundary in ${response.header("content-type")}`);
  const text = String.fromCharCode(...response.body);
  const [preamble, ...rest] = text.split(`--${boundary}`);
  assert.equal(preamble.trim(), "");
  assert.equal(rest.pop()?.trim(), "--", "the body does not end with the closing delimiter");
  return rest.map((part) => {
    const headEnd = part.indexOf("\r\n\r\n");
    const head = part.slice(0, headEnd);
    const body = part.slice(headEnd + 4, part.length - 2);
    assert.equal(part.slice(part.length - 2), "\r\n");
    return {
      contentRange: /^content-range:\s*(.+)$/im.exec(head)?.[1].trim(),
      body: Uint8Array.from(body, (char) => char.charCodeAt(0)),
    };
  });
}
