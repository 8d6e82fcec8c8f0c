/**
 * fetchHandler() over real sockets, with handlers written as they would be for Deno.serve
 * (nothing in them knows zhttp): a JSON API, a request body streamed back, server-sent
 * events, a file from Deno.open().readable, cookies, request.signal, errors, HEAD and
 * info.remoteAddr.
 */
import assert from "node:assert/strict";
import { fetchHandler } from "../../lib/handlers/fetch_adapter.ts";
import type { Handler } from "../../lib/server/handler.ts";
import type { HttpRequest } from "../../lib/server/request.ts";
import { delay, RawConnection, request, sha256, startServer } from "../support/raw_http.ts";
import { tempFolder } from "../support/static_site.ts";
import { eventually, within } from "../support/waiting.ts";
import { latin1Bytes } from "../http/request_fixtures.ts";
import { descriptorsOn } from "../support/descriptors.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();
/** Short timeouts, so the sweep that notices a departed client runs every 50 ms. */
const QUICK = { headMs: 2000, idleMs: 200, bodyMs: 2000, writeMs: 300 };

/** Reads from `conn` until what was read (as text) contains `needle`; returns all of it. */
async function readUntil(conn: Deno.Conn, needle: string, seen = ""): Promise<string> {
  const chunk = new Uint8Array(64 * 1024);
  while (!seen.includes(needle)) {
    const read = await conn.read(chunk);
    if (read === null) throw new Error(`connection closed before ${JSON.stringify(needle)}`);
    seen += decoder.decode(chunk.subarray(0, read));
  }
  return seen;
}

Deno.test("fetchHandler() serves a JSON API: request.json() in, Response.json() out", async () => {
  const api = fetchHandler(async (request) => {
    const order = await request.json();
    return Response.json(
      { id: 7, total: order.items.length * 3, method: request.method, url: request.url },
      { status: 201, headers: { "x-api": "v1" } },
    );
  });
  await using server = startServer({ handler: api });
  const body = JSON.stringify({ items: ["a", "b"] });
  const response = await request(
    server.addr.port,
    `POST /orders?x=1 HTTP/1.1\r\nHost: shop.test\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${body.length}\r\n\r\n${body}`,
  );
  assert.equal(response.status, 201);
  assert.equal(response.header("content-type"), "application/json");
  assert.equal(response.header("x-api"), "v1");
  // Complete at once: one Content-Length, no chunked coding.
  assert.equal(response.header("transfer-encoding"), null);
  assert.equal(Number(response.header("content-length")), response.body.length);
  assert.deepEqual(JSON.parse(response.text()), {
    id: 7,
    total: 6,
    method: "POST",
    url: "http://shop.test/orders?x=1",
  });
});

Deno.test("fetchHandler() gives the handler an absolute URL as Deno.serve does", async () => {
  const urls = fetchHandler((request) => new Response(request.url));
  await using server = startServer({ handler: urls });
  const port = server.addr.port;
  const cases: [string, string][] = [
    [
      "GET /a%20b?q=1 HTTP/1.1\r\nHost: example.com:8080\r\n\r\n",
      "http://example.com:8080/a%20b?q=1",
    ],
    // RFC 9112 §3.2.2: an absolute-form target wins over Host.
    ["GET http://other.test/p?x HTTP/1.1\r\nHost: example.com\r\n\r\n", "http://other.test/p?x"],
    ["OPTIONS * HTTP/1.1\r\nHost: example.com\r\n\r\n", "http://example.com/*"],
    // No Host (HTTP/1.0): the address the client connected to.
    ["GET /old HTTP/1.0\r\n\r\n", `http://127.0.0.1:${port}/old`],
  ];
  for (const [raw, url] of cases) {
    const response = await request(port, raw);
    assert.equal(response.status, 200, raw);
    assert.equal(response.text(), url, raw);
  }
});

Deno.test("fetchHandler() passes every field line on; repeated ones are joined", async () => {
  const headers = fetchHandler((request) =>
    Response.json({
      accept: request.headers.get("accept"),
      custom: request.headers.get("x-custom"),
    })
  );
  await using server = startServer({ handler: headers });
  // "été" as latin1 bytes (obs-text, RFC 9110 §5.5): Headers holds them as they came.
  const response = await request(
    server.addr.port,
    latin1Bytes(
      "GET / HTTP/1.1\r\nHost: a\r\nAccept: text/html\r\nX-Custom: \xe9t\xe9\r\n" +
        "Accept: application/json\r\n\r\n",
    ),
  );
  assert.deepEqual(JSON.parse(response.text()), {
    accept: "text/html, application/json",
    custom: "\xe9t\xe9",
  });
});

Deno.test("fetchHandler() answers TRACE and CONNECT 501, which Request cannot hold", async () => {
  let called = false;
  const handler = fetchHandler(() => {
    called = true;
    return new Response("no");
  });
  await using server = startServer({ handler });
  for (
    const raw of ["TRACE / HTTP/1.1\r\nHost: a\r\n\r\n", "TRACK / HTTP/1.1\r\nHost: a\r\n\r\n"]
  ) {
    assert.equal((await request(server.addr.port, raw)).status, 501);
  }
  assert.equal(called, false);
});

Deno.test("fetchHandler() streams an 8 MiB request body back as it arrives", async () => {
  const echo = fetchHandler((request) =>
    new Response(request.body, { headers: { "content-type": "application/octet-stream" } })
  );
  await using server = startServer({ handler: echo });
  const body = crypto.getRandomValues(new Uint8Array(64 * 1024));
  const whole = new Uint8Array(8 * 1024 * 1024);
  for (let at = 0; at < whole.length; at += body.length) whole.set(body, at);
  using connection = await RawConnection.open(server.addr.port);
  // Sent while the answer is read: the body and its echo are in flight together.
  const sending = connection.send(concatText(
    `POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: ${whole.length}\r\n\r\n`,
    whole,
  ));
  const response = await connection.response();
  await sending;
  assert.equal(response.status, 200);
  assert.equal(response.header("transfer-encoding"), "chunked");
  assert.equal(await sha256(response.body), await sha256(whole));
});

Deno.test("fetchHandler() reads a request body only as fast as the handler does", async () => {
  const proceed = Promise.withResolvers<void>();
  const firstPiece = Promise.withResolvers<void>();
  const slowReader = fetchHandler(async (request) => {
    const reader = request.body!.getReader();
    let total = (await reader.read()).value!.length;
    firstPiece.resolve();
    await proceed.promise;
    for (let read = await reader.read(); !read.done; read = await reader.read()) {
      total += read.value.length;
    }
    return new Response(String(total));
  });
  let seen: HttpRequest | null = null;
  const watch: Handler = (req, res) => {
    seen = req;
    return slowReader(req, res);
  };
  await using server = startServer({ handler: watch, timeouts: { bodyMs: 10_000 } });
  const size = 32 * 1024 * 1024;
  using connection = await RawConnection.open(server.addr.port);
  const sending = connection.send(concatText(
    `POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: ${size}\r\n\r\n`,
    new Uint8Array(size),
  ));
  await within(firstPiece.promise, "first piece");
  await delay(300); // Time enough for a server that reads ahead to take megabytes.
  // Nothing was read beyond what the handler asked for: the rest waits in the socket.
  const read = (seen as HttpRequest | null)!.body.bytesRead;
  assert.ok(read <= 64 * 1024, `read ${read} bytes ahead of the handler`);
  proceed.resolve();
  await sending;
  const response = await connection.response();
  assert.equal(response.text(), String(size));
});

Deno.test("fetchHandler() sends each server-sent event as soon as it is enqueued", async () => {
  const gates = [Promise.withResolvers<void>(), Promise.withResolvers<void>()];
  let cancelled = false;
  const events = fetchHandler(() => {
    const stream = new ReadableStream<Uint8Array>({
      async start(controller) {
        for (let i = 0; i < gates.length; i++) {
          await gates[i].promise;
          controller.enqueue(encoder.encode(`id: ${i + 1}\ndata: event ${i + 1}\n\n`));
        }
        controller.close();
      },
      cancel() {
        cancelled = true;
      },
    });
    return new Response(stream, {
      headers: { "content-type": "text/event-stream", "cache-control": "no-cache" },
    });
  });
  await using server = startServer({ handler: events });
  using conn = await Deno.connect({ hostname: "127.0.0.1", port: server.addr.port });
  await conn.write(encoder.encode("GET /events HTTP/1.1\r\nHost: a\r\n\r\n"));
  // The head comes before any event: the client knows it is connected.
  const head = await within(readUntil(conn, "\r\n\r\n"), "head");
  assert.match(head, /^HTTP\/1\.1 200 OK\r\n/);
  assert.match(head, /content-type: text\/event-stream/);
  assert.doesNotMatch(head, /data:/);
  gates[0].resolve();
  const first = await within(readUntil(conn, "data: event 1\n\n", head), "event 1");
  // Event 2 does not exist yet: it is enqueued only now that event 1 was read.
  assert.doesNotMatch(first, /event 2/);
  gates[1].resolve();
  const all = await within(readUntil(conn, "\r\n0\r\n\r\n", first), "the end");
  assert.match(all, /data: event 2\n\n/);
  assert.equal(cancelled, false);
});

const ON_LINUX = { ignore: Deno.build.os !== "linux" };

Deno.test(
  "fetchHandler() serves Deno.open(...).readable with its Content-Length",
  ON_LINUX,
  async () => {
    const content = patterned(1024 * 1024 + 7);
    await using folder = await tempFolder({ "data.bin": content });
    const path = Deno.realPathSync(`${folder.dir}/data.bin`);
    const completed: Promise<void>[] = [];
    const files = fetchHandler(async (_request, info) => {
      completed.push(info.completed);
      const file = await Deno.open(path);
      const { size } = await file.stat();
      return new Response(file.readable, {
        headers: { "content-type": "application/octet-stream", "content-length": String(size) },
      });
    });
    await using server = startServer({ handler: files });
    using connection = await RawConnection.open(server.addr.port);
    for (let i = 0; i < 2; i++) {
      await connection.send("GET /data.bin HTTP/1.1\r\nHost: a\r\n\r\n");
      const response = await connection.response();
      assert.equal(response.header("content-length"), String(content.length));
      assert.equal(response.header("transfer-encoding"), null);
      assert.equal(await sha256(response.body), await sha256(content));
    }
    // Both answers went out whole, and each file was closed at its end.
    await within(Promise.all(completed), "completed");
    await eventually(() => descriptorsOn(path) === 0, "the file to close");
  },
);

Deno.test(
  "fetchHandler() closes the file when its client leaves mid-download",
  ON_LINUX,
  async () => {
    await using folder = await tempFolder({ "big.bin": new Uint8Array(32 * 1024 * 1024) });
    const path = Deno.realPathSync(`${folder.dir}/big.bin`);
    const outcome = Promise.withResolvers<string>();
    const files = fetchHandler(async (_request, info) => {
      info.completed.then(() => outcome.resolve("sent"), () => outcome.resolve("interrupted"));
      const file = await Deno.open(path);
      return new Response(file.readable);
    });
    await using server = startServer({ handler: files, timeouts: QUICK });
    const conn = await Deno.connect({ hostname: "127.0.0.1", port: server.addr.port });
    await conn.write(encoder.encode("GET /big.bin HTTP/1.1\r\nHost: a\r\n\r\n"));
    await readUntil(conn, "\r\n\r\n");
    // Mid-download the handler's file is open (twice while Deno's thread pool reads it).
    assert.ok(descriptorsOn(path) >= 1);
    conn.close();
    assert.equal(await within(outcome.promise, "the download's end"), "interrupted");
    await eventually(() => descriptorsOn(path) === 0, "the file to close");
  },
);

Deno.test("fetchHandler() cancels an idle event stream when its client leaves", async () => {
  const cancelled = Promise.withResolvers<unknown>();
  const events = fetchHandler(() =>
    new Response(
      new ReadableStream({
        // An event source with nothing to say yet: only a departed client can end it.
        cancel: (reason) => cancelled.resolve(reason),
      }),
      { headers: { "content-type": "text/event-stream" } },
    )
  );
  await using server = startServer({ handler: events, timeouts: QUICK });
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: server.addr.port });
  await conn.write(encoder.encode("GET /events HTTP/1.1\r\nHost: a\r\n\r\n"));
  await readUntil(conn, "\r\n\r\n");
  conn.close();
  const reason = await within(cancelled.promise, "cancel") as DOMException;
  assert.equal(reason.name, "AbortError");
});

Deno.test("fetchHandler() cancels a body stream that yields something other than bytes", async () => {
  const cancelled = Promise.withResolvers<unknown>();
  const wrong = fetchHandler(() =>
    new Response(
      new ReadableStream({
        async pull(controller) {
          controller.enqueue(encoder.encode("fine, "));
          await delay(5);
          controller.enqueue("a string" as unknown as Uint8Array);
        },
        cancel: (reason) => cancelled.resolve(reason),
      }),
    )
  );
  await using server = startServer({ handler: wrong });
  using connection = await RawConnection.open(server.addr.port);
  await connection.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
  // The head and the first piece went out; the connection closes without the last chunk.
  await assert.rejects(connection.response(), /closed inside a chunked body/);
  assert.ok(await within(cancelled.promise, "cancel") instanceof TypeError);
});

Deno.test("fetchHandler() keeps several Set-Cookie fields apart", async () => {
  const login = fetchHandler(() => {
    const headers = new Headers({ "content-type": "text/plain" });
    headers.append("set-cookie", "session=abc; Path=/; HttpOnly");
    headers.append("set-cookie", "theme=dark; Expires=Wed, 21 Oct 2026 07:28:00 GMT");
    return new Response("welcome", { headers });
  });
  await using server = startServer({ handler: login });
  const response = await request(server.addr.port, "GET / HTTP/1.1\r\nHost: a\r\n\r\n");
  const cookies = response.headers.filter(([name]) => name === "set-cookie").map(([, v]) => v);
  assert.deepEqual(cookies, [
    "session=abc; Path=/; HttpOnly",
    "theme=dark; Expires=Wed, 21 Oct 2026 07:28:00 GMT",
  ]);
});

Deno.test("fetchHandler() aborts request.signal when the client leaves", async () => {
  const reason = Promise.withResolvers<unknown>();
  const waiting = fetchHandler(async (request) => {
    await new Promise((resolve) => request.signal.addEventListener("abort", resolve));
    // A Request made from it with `new Request(url, request)` follows it too.
    reason.resolve([request.signal.reason, new Request("http://x/", request).signal.aborted]);
    return new Response("too late");
  });
  await using server = startServer({ handler: waiting, timeouts: QUICK });
  const connection = await RawConnection.open(server.addr.port);
  await connection.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
  await delay(150); // The handler is now slow: the server watches its client.
  connection.close();
  const [why, derivedAborted] = await within(reason.promise, "abort") as [DOMException, boolean];
  assert.equal(why.name, "AbortError");
  assert.equal(derivedAborted, true);
});

Deno.test("fetchHandler() answers 500 when the handler throws, rejects or returns no Response", async () => {
  const handlers = [
    () => {
      throw new Error("sync failure");
    },
    () => Promise.reject(new Error("async failure")),
    () => "not a response" as unknown as Response,
  ];
  for (const failing of handlers) {
    await using server = startServer({ handler: fetchHandler(failing) });
    const response = await request(server.addr.port, "GET / HTTP/1.1\r\nHost: a\r\n\r\n");
    assert.equal(response.status, 500);
    assert.equal(response.text(), "500 Internal Server Error\n");
  }
});

Deno.test("fetchHandler() reads a chunked body and drops its trailer fields", async () => {
  const handler = fetchHandler(async (request) =>
    Response.json({ body: await request.text(), trailer: request.headers.get("x-checksum") })
  );
  await using server = startServer({ handler });
  using connection = await RawConnection.open(server.addr.port);
  await connection.send(
    "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n" +
      "5\r\nhello\r\n6\r\n world\r\n0\r\nX-Checksum: 1234\r\n\r\n",
  );
  assert.deepEqual(JSON.parse((await connection.response()).text()), {
    body: "hello world",
    trailer: null,
  });
  // The trailer section was consumed with the body: the next request parses cleanly.
  await connection.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
  assert.equal((await connection.response()).status, 200);
});

Deno.test("fetchHandler() answers 413 for a body over the limit read with request.text()", async () => {
  const handler = fetchHandler(async (request) => new Response(await request.text()));
  await using server = startServer({ handler, limits: { maxBodyBytes: 1000 } });
  const chunk = "x".repeat(600);
  const response = await request(
    server.addr.port,
    `POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n` +
      `258\r\n${chunk}\r\n258\r\n${chunk}\r\n0\r\n\r\n`,
  );
  assert.equal(response.status, 413);
});

Deno.test("fetchHandler() answers HEAD with the GET head and no body", async () => {
  const handler = fetchHandler((request) => {
    if (new URL(request.url).pathname === "/stream") {
      return new Response(
        ReadableStream.from([encoder.encode("never sent")]).pipeThrough(
          new TransformStream({
            async transform(chunk, controller) {
              await delay(1);
              controller.enqueue(chunk);
            },
          }),
        ),
      );
    }
    return new Response("Hello, World!\n");
  });
  await using server = startServer({ handler });
  using connection = await RawConnection.open(server.addr.port);
  await connection.send("HEAD /hello HTTP/1.1\r\nHost: a\r\n\r\n");
  const hello = await connection.response(true);
  assert.equal(hello.status, 200);
  assert.equal(hello.header("content-length"), "14");
  await connection.send("HEAD /stream HTTP/1.1\r\nHost: a\r\n\r\n");
  const stream = await connection.response(true);
  assert.equal(stream.status, 200);
  // No body went out after either head: the next answer on the connection parses cleanly.
  await connection.send("GET /hello HTTP/1.1\r\nHost: a\r\n\r\n");
  assert.equal((await connection.response()).text(), "Hello, World!\n");
});

Deno.test("fetchHandler() gives info.remoteAddr, the client's address", async () => {
  const whoAmI = fetchHandler((_request, info) => Response.json(info.remoteAddr));
  await using server = startServer({ handler: whoAmI });
  using connection = await RawConnection.open(server.addr.port);
  await connection.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
  const remote = JSON.parse((await connection.response()).text());
  assert.deepEqual(remote, { ...connection.conn.localAddr });
});

Deno.test("fetchHandler() sends a null body as an empty one and keeps the status", async () => {
  const handler = fetchHandler((request) =>
    new URL(request.url).pathname === "/gone"
      ? new Response(null, { status: 204 })
      : Response.redirect("http://example.com/new", 301)
  );
  await using server = startServer({ handler });
  const gone = await request(server.addr.port, "DELETE /gone HTTP/1.1\r\nHost: a\r\n\r\n");
  assert.equal(gone.status, 204);
  assert.equal(gone.header("content-length"), null);
  const moved = await request(server.addr.port, "GET /old HTTP/1.1\r\nHost: a\r\n\r\n");
  assert.equal(moved.status, 301);
  assert.equal(moved.header("location"), "http://example.com/new");
  assert.equal(moved.header("content-length"), "0");
});

/** `size` bytes that differ from one position to the next (a shifted piece would show). */
function patterned(size: number): Uint8Array {
  return Uint8Array.from({ length: size }, (_, i) => (i * 31 + (i >> 8)) % 251);
}

function concatText(head: string, body: Uint8Array): Uint8Array {
  const bytes = encoder.encode(head);
  const all = new Uint8Array(bytes.length + body.length);
  all.set(bytes);
  all.set(body, bytes.length);
  return all;
}
