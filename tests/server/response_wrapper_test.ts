/**
 * ResponseWrapper and wrapResponses(), proved with a middleware that upper-cases text
 * bodies, over real sockets, for every way a response leaves: a body given to end() (a
 * cached file), chunked writes, a streamed large file with its Content-Length, HEAD, 304
 * and a range. Everything not text passes untouched.
 */
import assert from "node:assert/strict";
import { createStaticHandler } from "../../lib/handlers/static/static_handler.ts";
import { errorBoundary } from "../../lib/middleware/error_boundary.ts";
import { Router } from "../../lib/router.ts";
import { compose } from "../../lib/server/handler.ts";
import { ResponseWrapper, wrapResponses } from "../../lib/server/response_wrapper.ts";
import { startServer } from "../support/raw_http.ts";
import { fetchRaw, tempFolder } from "../support/static_site.ts";

const encoder = new TextEncoder();

/** Upper-cases ASCII letters of text bodies; the length stays, so Content-Length does too. */
class UpperCaseWriter extends ResponseWrapper {
  #active = false;
  /** What onHead() saw, for the tests. */
  seen: { status: number; type: string | undefined } | null = null;

  protected override onHead(): void {
    const type = this.getHeader("content-type");
    this.seen = { status: this.status, type };
    this.#active = type?.startsWith("text/") === true;
    if (this.#active) this.setHeader("X-Shouted", "yes");
  }

  override write(chunk: Uint8Array | string): Promise<void> {
    this.commitHead();
    return this.inner.write(this.#active ? shout(chunk) : chunk);
  }

  override end(body?: Uint8Array | string): void {
    this.commitHead();
    this.inner.end(body !== undefined && this.#active ? shout(body) : body);
  }
}

function shout(chunk: Uint8Array | string): Uint8Array {
  const bytes = typeof chunk === "string" ? encoder.encode(chunk) : chunk;
  // A copy: a streamed chunk belongs to its writer and is reused after the write.
  return bytes.map((byte) => byte >= 0x61 && byte <= 0x7a ? byte - 0x20 : byte);
}

const BIG_TEXT = "lorem ipsum dolor sit amet\n".repeat(40_000); // ~1 MiB: streamed.

async function withShoutingServer(
  fn: (port: number, writers: UpperCaseWriter[]) => Promise<void>,
): Promise<void> {
  await using folder = await tempFolder({
    "small.txt": "hello, small file\n",
    "big.txt": BIG_TEXT,
    "image.bin": new Uint8Array([0x61, 0x62, 0x63]),
  });
  const writers: UpperCaseWriter[] = [];
  const router = new Router()
    .get("/chunked", async (_req, res) => {
      res.setHeader("Content-Type", "text/plain");
      await res.write("first piece, ");
      await res.write("second piece");
      res.end();
    })
    .fallback(createStaticHandler({ root: folder.dir, listing: false }));
  const shouting = wrapResponses((_req, res) => {
    const writer = new UpperCaseWriter(res);
    writers.push(writer);
    return writer;
  });
  await using server = startServer({
    handler: compose(router.handler(), errorBoundary(), shouting),
  });
  await fn(server.addr.port, writers);
}

Deno.test("ResponseWrapper: transforms a body given to end() (a cached file)", async () => {
  await withShoutingServer(async (port, writers) => {
    const response = await fetchRaw(port, "/small.txt");
    assert.equal(response.status, 200);
    assert.equal(response.text(), "HELLO, SMALL FILE\n");
    assert.equal(response.header("content-length"), "18");
    assert.equal(response.header("x-shouted"), "yes");
    assert.deepEqual(writers[0].seen, { status: 200, type: "text/plain; charset=utf-8" });
  });
});

Deno.test("ResponseWrapper: transforms chunked writes piece by piece", async () => {
  await withShoutingServer(async (port) => {
    const response = await fetchRaw(port, "/chunked");
    assert.equal(response.header("transfer-encoding"), "chunked");
    assert.equal(response.text(), "FIRST PIECE, SECOND PIECE");
  });
});

Deno.test("ResponseWrapper: transforms a streamed large file under its Content-Length", async () => {
  await withShoutingServer(async (port) => {
    const response = await fetchRaw(port, "/big.txt");
    assert.equal(response.header("content-length"), String(BIG_TEXT.length));
    assert.equal(response.text(), BIG_TEXT.toUpperCase());
  });
});

Deno.test("ResponseWrapper: HEAD keeps the GET headers and sends no body", async () => {
  await withShoutingServer(async (port) => {
    const get = await fetchRaw(port, "/big.txt");
    const head = await fetchRaw(port, "/big.txt", {}, "HEAD");
    assert.equal(head.status, 200);
    assert.equal(head.body.length, 0);
    for (const name of ["content-length", "content-type", "etag", "x-shouted"]) {
      assert.equal(head.header(name), get.header(name), name);
    }
  });
});

Deno.test("ResponseWrapper: a 304 passes through with no body", async () => {
  await withShoutingServer(async (port, writers) => {
    const first = await fetchRaw(port, "/small.txt");
    const again = await fetchRaw(port, "/small.txt", { "If-None-Match": first.header("etag")! });
    assert.equal(again.status, 304);
    assert.equal(again.body.length, 0);
    assert.equal(writers[1].seen?.status, 304);
  });
});

Deno.test("ResponseWrapper: a range is transformed as the bytes it covers", async () => {
  await withShoutingServer(async (port) => {
    const small = await fetchRaw(port, "/small.txt", { Range: "bytes=7-10" });
    assert.equal(small.status, 206);
    assert.equal(small.header("content-range"), "bytes 7-10/18");
    assert.equal(small.text(), "SMAL");
    const big = await fetchRaw(port, "/big.txt", { Range: "bytes=1000000-1000009" });
    assert.equal(big.status, 206);
    assert.equal(big.text(), BIG_TEXT.slice(1000000, 1000010).toUpperCase());
  });
});

Deno.test("ResponseWrapper: what onHead() leaves untransformed passes byte for byte", async () => {
  await withShoutingServer(async (port) => {
    const response = await fetchRaw(port, "/image.bin");
    assert.deepEqual([...response.body], [0x61, 0x62, 0x63]);
    assert.equal(response.header("x-shouted"), null);
  });
});

Deno.test("ResponseWrapper: headers are fixed once onHead() ran", async () => {
  const writer = new UpperCaseWriter({
    status: 200,
    bytesWritten: 0,
    headersSent: false,
    ended: false,
    setHeader() {
      return this;
    },
    appendHeader() {
      return this;
    },
    getHeader: () => "text/plain",
    removeHeader() {
      return this;
    },
    discardHeaders() {},
    closeAfterResponse() {},
    flushHeaders: () => Promise.resolve(),
    write: () => Promise.resolve(),
    end() {},
  });
  await writer.write("x");
  assert.equal(writer.headersSent, true);
  assert.throws(() => writer.setHeader("X-Late", "1"), /already sent/);
});

Deno.test("wrapResponses(): a null wrapper leaves the response as the handler wrote it", async () => {
  await using server = startServer({
    handler: compose((_req, res) => res.end("plain"), wrapResponses(() => null)),
  });
  const response = await fetchRaw(server.addr.port, "/");
  assert.equal(response.text(), "plain");
});

Deno.test("wrapResponses(): a handler that fails abandons its wrapper", async () => {
  const abandoned: string[] = [];
  class Tracked extends ResponseWrapper {
    override abandon(): void {
      abandoned.push("abandoned");
    }
  }
  await using server = startServer({
    handler: compose(
      () => Promise.reject(new Error("boom")),
      errorBoundary(),
      wrapResponses((_req, res) => new Tracked(res)),
    ),
  });
  const response = await fetchRaw(server.addr.port, "/");
  assert.equal(response.status, 500);
  assert.deepEqual(abandoned, ["abandoned"]);
});
