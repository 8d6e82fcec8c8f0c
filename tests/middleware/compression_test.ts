/**
 * The compression middleware in front of handlers that say nothing about encodings (routes
 * like /echo, listings, anything an embedder mounts), over real sockets: which responses
 * it encodes, how (whole, streamed and flushed per write, HTTP/1.0), what it leaves alone,
 * and that an unwrapped request is untouched.
 */
import assert from "node:assert/strict";
import zlib from "node:zlib";
import { concat } from "../../lib/http/bytes.ts";
import { errorBoundary } from "../../lib/middleware/error_boundary.ts";
import { compression } from "../../lib/middleware/compression.ts";
import { liveStreamEncoders } from "../../lib/middleware/codecs.ts";
import { CONTENT_ENCODER } from "../../lib/middleware/content_encoder.ts";
import { Router } from "../../lib/router.ts";
import { compose, type Handler } from "../../lib/server/handler.ts";
import { decodeBody, lorem } from "../support/compression.ts";
import { RawConnection, type RawResponse, startServer } from "../support/raw_http.ts";
import { fetchRaw, rawRequest } from "../support/static_site.ts";

const PAGE = lorem(20_000, 21);
const PIECES = [lorem(3000, 1), lorem(3000, 2), lorem(3000, 3)];

/** Resolves the streaming route's pieces one at a time, when the test says so. */
class Gate {
  #open: (() => void) | null = null;
  wait(): Promise<void> {
    return new Promise((resolve) => this.#open = resolve);
  }
  open(): void {
    this.#open?.();
  }
}

function routes(gate: Gate): Handler {
  const text = (type: string, body: Uint8Array, status = 200): Handler => (_req, res) => {
    res.status = status;
    res.setHeader("Content-Type", type);
    res.end(body);
  };
  return new Router()
    .get("/page", text("text/html; charset=utf-8", PAGE))
    .get("/small", text("text/plain", lorem(500)))
    .get("/image", text("image/png", PAGE))
    .get("/missing", text("text/html", PAGE, 404))
    .get("/tagged", (_req, res) => {
      res.setHeader("ETag", '"v1"');
      res.setHeader("Vary", "Origin");
      res.setHeader("Accept-Ranges", "bytes");
      text("text/plain", PAGE)(_req, res);
    })
    .get("/encoded", (_req, res) => {
      res.setHeader("Content-Encoding", "gzip");
      text("text/plain", zlib.gzipSync(PAGE))(_req, res);
    })
    .get("/stream", async (_req, res) => {
      res.setHeader("Content-Type", "text/plain");
      for (const piece of PIECES) {
        await res.write(piece);
        await gate.wait();
      }
      res.end();
    })
    .get("/sized-stream", async (_req, res) => {
      res.setHeader("Content-Type", "application/json");
      res.setHeader("Content-Length", PAGE.length);
      for (let at = 0; at < PAGE.length; at += 4096) await res.write(PAGE.subarray(at, at + 4096));
      res.end();
    })
    .get("/events", async (_req, res) => {
      res.setHeader("Content-Type", "text/event-stream");
      await res.write(`data: ${"x".repeat(2000)}\n\n`);
      res.end();
    })
    .get("/fails-midway", async (_req, res) => {
      res.setHeader("Content-Type", "text/plain");
      await res.write(PAGE);
      throw new Error("the handler failed after its first piece");
    })
    .get("/sees-encoder", (req, res) => {
      text("text/plain", new TextEncoder().encode(String(req.get(CONTENT_ENCODER) !== undefined)))(
        req,
        res,
      );
    })
    .handler();
}

async function withServer(fn: (port: number, gate: Gate) => Promise<void>): Promise<void> {
  const gate = new Gate();
  await using server = startServer({
    handler: compose(routes(gate), errorBoundary(), compression()),
  });
  await fn(server.addr.port, gate);
}

/** `method target` with `Accept-Encoding: accept` (null: none). */
function get(
  port: number,
  target: string,
  accept: string | null,
  method = "GET",
): Promise<RawResponse> {
  return fetchRaw(port, target, accept === null ? {} : { "Accept-Encoding": accept }, method);
}

function decoded(response: RawResponse): Uint8Array {
  return decodeBody(response.header("content-encoding"), response.body);
}

Deno.test("compression() encodes a whole body with an exact length, in the client's coding", async () => {
  await withServer(async (port) => {
    for (
      const [accept, coding] of [["br", "br"], ["gzip", "gzip"], ["zstd", "zstd"], [
        "gzip, br",
        "br",
      ]]
    ) {
      const response = await get(port, "/page", accept);
      assert.equal(response.header("content-encoding"), coding);
      assert.equal(response.header("content-length"), String(response.body.length));
      assert.equal(response.header("vary"), "Accept-Encoding");
      assert.deepEqual(decoded(response), PAGE);
      const head = await get(port, "/page", accept, "HEAD");
      assert.equal(head.header("content-length"), response.header("content-length"));
      assert.equal(head.header("content-encoding"), coding);
    }
  });
});

Deno.test("compression() leaves what is not worth it or not its to change", async () => {
  await withServer(async (port) => {
    for (const target of ["/small", "/image", "/missing", "/encoded", "/events"]) {
      const response = await get(port, target, "br, gzip");
      const expected = target === "/encoded" ? "gzip" : null;
      assert.equal(response.header("content-encoding"), expected, target);
      assert.equal(response.header("vary"), null, `${target} could not have varied`);
    }
    const plain = await get(port, "/page", null);
    assert.equal(plain.header("content-encoding"), null);
    assert.deepEqual(plain.body, PAGE);
  });
});

Deno.test("compression() wraps only requests with a readable Accept-Encoding", async () => {
  await withServer(async (port) => {
    assert.equal((await get(port, "/sees-encoder", null)).text(), "false");
    assert.equal((await get(port, "/sees-encoder", "gzip;q=7")).text(), "false");
    assert.equal((await get(port, "/sees-encoder", "gzip")).text(), "true");
  });
});

Deno.test("compression() weakens and names the coding in a handler's ETag, and merges Vary", async () => {
  await withServer(async (port) => {
    const response = await get(port, "/tagged", "gzip");
    assert.equal(response.header("etag"), 'W/"v1-gzip"');
    assert.deepEqual(
      response.headers.filter(([name]) => name === "vary").map(([, value]) => value),
      ["Origin", "Accept-Encoding"],
    );
    assert.equal(response.header("accept-ranges"), null, "no ranges of encoded bytes");
    const identity = await get(port, "/tagged", "identity");
    assert.equal(identity.header("etag"), '"v1"');
    assert.equal(identity.header("accept-ranges"), "bytes");
  });
});

Deno.test("compression() answers 406 when the identity is refused and nothing else is acceptable", async () => {
  await withServer(async (port) => {
    const refused = await get(port, "/page", "identity;q=0, deflate");
    assert.equal(refused.status, 406);
    assert.equal(refused.header("vary"), "Accept-Encoding");
    assert.equal(refused.text(), "406 Not Acceptable\n");
    assert.equal((await get(port, "/image", "identity;q=0")).status, 200, "cannot vary: as is");
  });
});

Deno.test("compression() sends each streamed write as soon as it is written (flushed)", async () => {
  await withServer(async (port, gate) => {
    for (const coding of ["br", "zstd", "gzip"] as const) {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port });
      try {
        await conn.write(
          new TextEncoder().encode(rawRequest("GET", "/stream", { "Accept-Encoding": coding })),
        );
        const decoder = coding === "br"
          ? zlib.createBrotliDecompress()
          : coding === "zstd"
          ? zlib.createZstdDecompress()
          : zlib.createGunzip();
        let text = 0;
        decoder.on("data", (piece: Uint8Array) => text += piece.length);
        const buffer = new Uint8Array(65536);
        let head = "";
        for (let piece = 0; piece < PIECES.length; piece++) {
          // The handler waits at the gate after each write: what arrived is all it wrote.
          const wanted = PIECES.slice(0, piece + 1).reduce((sum, p) => sum + p.length, 0);
          while (text < wanted) {
            const read = await readWithin(conn, buffer, PIECE_DEADLINE_MS);
            if (read === "late") assert.fail(`${coding}: piece ${piece} never came whole`);
            if (read === null) assert.fail("closed early");
            let bytes = buffer.subarray(0, read);
            if (head === "") {
              const text = new TextDecoder().decode(bytes);
              const end = text.indexOf("\r\n\r\n");
              head = text.slice(0, end);
              bytes = bytes.subarray(end + 4);
            }
            await new Promise<void>((resolve) => decoder.write(dechunk(bytes), () => resolve()));
            await new Promise((resolve) => setTimeout(resolve, 5));
          }
          assert.equal(text, wanted);
          gate.open();
        }
        assert.match(head, new RegExp(`content-encoding: ${coding}`, "i"));
        assert.match(head, /transfer-encoding: chunked/i);
        decoder.destroy();
      } finally {
        conn.close();
      }
    }
  });
});

/** How long a flushed piece may take to arrive. */
const PIECE_DEADLINE_MS = 5000;

/** One read, or "late" when nothing came within `ms`. */
async function readWithin(
  conn: Deno.Conn,
  buffer: Uint8Array,
  ms: number,
): Promise<number | null | "late"> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<"late">((resolve) => timer = setTimeout(() => resolve("late"), ms));
  const read = conn.read(buffer);
  // Left pending when late: the connection's close ends it.
  read.catch(() => {});
  try {
    return await Promise.race([read, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Strips chunk framing from bytes that hold whole chunks (as each flush sends them). */
function dechunk(bytes: Uint8Array): Uint8Array {
  const parts: Uint8Array[] = [];
  let at = 0;
  const text = new TextDecoder("latin1").decode(bytes);
  while (at < bytes.length) {
    const lineEnd = text.indexOf("\r\n", at);
    const size = parseInt(text.slice(at, lineEnd), 16);
    if (size === 0) break;
    parts.push(bytes.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
  return concat(parts);
}

Deno.test("compression() streams a body with a Content-Length as chunks, dropping the length", async () => {
  await withServer(async (port) => {
    const response = await get(port, "/sized-stream", "zstd");
    assert.equal(response.header("content-encoding"), "zstd");
    assert.equal(response.header("content-length"), null);
    assert.equal(response.header("transfer-encoding"), "chunked");
    assert.deepEqual(decoded(response), PAGE);
    const head = await get(port, "/sized-stream", "zstd", "HEAD");
    assert.equal(head.header("transfer-encoding"), "chunked");
    assert.equal(head.header("content-length"), null);
  });
});

Deno.test("compression() ends an encoded stream to an HTTP/1.0 client by closing", async () => {
  await withServer(async (port) => {
    using connection = await RawConnection.open(port);
    await connection.send("GET /sized-stream HTTP/1.0\r\nAccept-Encoding: gzip\r\n\r\n");
    const response = await connection.response();
    assert.equal(response.header("transfer-encoding"), null);
    assert.equal(response.header("connection"), "close");
    assert.deepEqual(decoded(response), PAGE);
  });
});

Deno.test("compression() releases the encoder of a handler that fails midway", async () => {
  await withServer(async (port) => {
    const before = liveStreamEncoders();
    using connection = await RawConnection.open(port);
    await connection.send(rawRequest("GET", "/fails-midway", { "Accept-Encoding": "br" }));
    // The head went out: the only way to say "failed" is to close without the last chunk.
    await assert.rejects(() => connection.response());
    assert.equal(liveStreamEncoders(), before);
  });
});
