/**
 * The server end to end over real sockets on 127.0.0.1, over TCP and over TLS: keep-alive,
 * pipelining, HTTP/1.0,
 * 100-continue, request bodies, timeouts, the connection bound, many idle clients, and
 * server.shutdown() as an embedder calls it.
 */
import assert from "node:assert/strict";
import { createApp } from "../../lib/app.ts";
import type { Handler } from "../../lib/server/handler.ts";
import { delay, sha256, type TestServer } from "../support/raw_http.ts";
import { WIRES } from "../support/wires.ts";
import { within as waitWithin } from "../support/waiting.ts";

const app = createApp();

const SHORT = { headMs: 200, idleMs: 200, bodyMs: 200, writeMs: 200 };
/** Far longer than any test here takes: a timeout that used it instead would never fire. */
const NEVER = 60_000;
/** A liveness bound for waits that a timeout of 200 ms must end: 25 times that. */
const BOUND_MS = 5_000;

/** `promise`, or a failure naming `what` if it has not settled within BOUND_MS. */
function within<T>(promise: Promise<T>, what: string): Promise<T> {
  return waitWithin(promise, what, BOUND_MS);
}

/** /slow writes "first ", waits for `released`, then ends with "last"; the rest is the app. */
function appWithSlowRoute(released: Promise<void>): Handler {
  return async (req, res) => {
    if (req.path !== "/slow") return await app(req, res);
    await res.write("first ");
    await released;
    res.end("last");
  };
}

async function untilInFlight(server: TestServer, count: number): Promise<void> {
  while (server.requestsInFlight !== count) await delay(10);
}

/** Bytes that are not all alike, so a reordering or a lost piece changes the hash. */
function payload(size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  let state = 0x12345678;
  for (let i = 0; i < size; i += 4) {
    state = (state * 1664525 + 1013904223) >>> 0;
    bytes[i] = state;
    bytes[i + 1] = state >>> 8;
    bytes[i + 2] = state >>> 16;
    bytes[i + 3] = state >>> 24;
  }
  return bytes;
}

for (const wire of WIRES) {
  Deno.test(
    wire.name("server: GET /hello answers 200 with the greeting, Date and Server"),
    async () => {
      await using server = await wire.startServer({ handler: app });
      const response = await wire.request(
        server.addr.port,
        "GET /hello HTTP/1.1\r\nHost: a\r\n\r\n",
      );
      assert.equal(response.status, 200);
      assert.equal(response.text(), "Hello, World!\n");
      assert.equal(response.header("content-type"), "text/plain; charset=utf-8");
      assert.equal(response.header("content-length"), "14");
      assert.equal(response.header("server"), "zhttp");
      assert.match(response.header("date")!, /^\w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/);
    },
  );

  Deno.test(wire.name("server: keeps an HTTP/1.1 connection alive across requests"), async () => {
    await using server = await wire.startServer({ handler: app });
    using connection = await wire.open(server.addr.port);
    for (let i = 0; i < 3; i++) {
      await connection.send("GET /hello HTTP/1.1\r\nHost: a\r\n\r\n");
      const response = await connection.response();
      assert.equal(response.status, 200);
      assert.equal(response.header("connection"), null);
    }
  });

  Deno.test(
    wire.name("server: answers 10 pipelined requests of mixed kinds in order"),
    async () => {
      await using server = await wire.startServer({ handler: app });
      using connection = await wire.open(server.addr.port);
      const requests: {
        raw: string;
        head: boolean;
        check: (status: number, body: string) => void;
      }[] = [];
      for (let i = 0; i < 10; i++) {
        if (i % 3 === 0) {
          requests.push({
            raw: "GET /hello HTTP/1.1\r\nHost: a\r\n\r\n",
            head: false,
            check: (status, body) => assert.deepEqual([status, body], [200, "Hello, World!\n"]),
          });
        } else if (i % 3 === 1) {
          requests.push({
            raw: "HEAD /hello HTTP/1.1\r\nHost: a\r\n\r\n",
            head: true,
            check: (status, body) => assert.deepEqual([status, body], [200, ""]),
          });
        } else {
          const payload = `body number ${i}`;
          requests.push({
            raw:
              `POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: ${payload.length}\r\n\r\n${payload}`,
            head: false,
            check: (status, body) => assert.deepEqual([status, body], [200, payload]),
          });
        }
      }
      await connection.send(requests.map((r) => r.raw).join(""));
      for (const { head, check } of requests) {
        const response = await connection.response(head);
        check(response.status, response.text());
      }
    },
  );

  Deno.test(wire.name("server: HEAD gets the GET headers with no body"), async () => {
    await using server = await wire.startServer({ handler: app });
    using connection = await wire.open(server.addr.port);
    await connection.send(
      "HEAD /hello HTTP/1.1\r\nHost: a\r\n\r\nGET /hello HTTP/1.1\r\nHost: a\r\n\r\n",
    );
    const head = await connection.response(true);
    assert.equal(head.header("content-length"), "14");
    // If the HEAD answer had carried a body, this would read it as the next status line.
    const get = await connection.response();
    assert.equal(get.text(), "Hello, World!\n");
  });

  Deno.test(wire.name("server: Connection: close is honoured and announced"), async () => {
    await using server = await wire.startServer({ handler: app });
    using connection = await wire.open(server.addr.port);
    await connection.send("GET /hello HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
    const response = await connection.response();
    assert.equal(response.header("connection"), "close");
    assert.equal(await connection.closedByPeer(), true);
  });

  Deno.test(wire.name("server: HTTP/1.0 closes unless keep-alive is asked for"), async () => {
    await using server = await wire.startServer({ handler: app });
    {
      using connection = await wire.open(server.addr.port);
      await connection.send("GET /hello HTTP/1.0\r\n\r\n");
      const response = await connection.response();
      assert.equal(response.version, "HTTP/1.0");
      assert.equal(response.status, 200);
      assert.equal(await connection.closedByPeer(), true);
    }
    {
      using connection = await wire.open(server.addr.port);
      await connection.send("GET /hello HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
      const first = await connection.response();
      assert.equal(first.header("connection"), "keep-alive");
      await connection.send("GET /hello HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
      assert.equal((await connection.response()).status, 200);
    }
  });

  Deno.test(
    wire.name("server: a streamed answer to HTTP/1.0 is delimited by closing"),
    async () => {
      const handler: Handler = async (_req, res) => {
        await res.write("one ");
        await res.write("two");
        res.end();
      };
      await using server = await wire.startServer({ handler });
      using connection = await wire.open(server.addr.port);
      await connection.send("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
      const response = await connection.response();
      assert.equal(response.header("transfer-encoding"), null);
      assert.equal(response.header("connection"), "close");
      assert.equal(response.text(), "one two");
    },
  );

  Deno.test(
    wire.name("server: 100-continue is sent only when the handler reads the body"),
    async () => {
      await using server = await wire.startServer({ handler: app });
      {
        using connection = await wire.open(server.addr.port);
        await connection.send(
          "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n",
        );
        const interim = await connection.response();
        assert.equal(interim.status, 100);
        await connection.send("hello");
        const final = await connection.response();
        assert.deepEqual([final.status, final.text()], [200, "hello"]);
      }
      {
        // /hello never reads a body: no 100, and the connection closes because the client
        // may or may not send the body it announced.
        using connection = await wire.open(server.addr.port);
        await connection.send(
          "PUT /hello HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n",
        );
        const final = await connection.response();
        assert.equal(final.status, 405);
        assert.equal(final.header("connection"), "close");
        assert.equal(await connection.closedByPeer(), true);
      }
    },
  );

  Deno.test(
    wire.name("server: an unread small body is drained, never parsed as the next request"),
    async () => {
      await using server = await wire.startServer({ handler: app });
      using connection = await wire.open(server.addr.port);
      // The body looks like a request: if it were parsed as one, a second /hello would answer.
      const smuggled = "GET /hello HTTP/1.1\r\nHost: a\r\n\r\n";
      await connection.send(
        `GET /nothing-here HTTP/1.1\r\nHost: a\r\nContent-Length: ${smuggled.length}\r\n\r\n${smuggled}` +
          "GET /echo HTTP/1.1\r\nHost: a\r\n\r\n",
      );
      assert.equal((await connection.response()).status, 404);
      const echo = await connection.response();
      assert.equal(echo.status, 200);
      assert.match(echo.text(), /^GET \/echo HTTP\/1.1\n/);
    },
  );

  Deno.test(
    wire.name("server: an unread small chunked body is drained, never parsed as the next request"),
    async () => {
      await using server = await wire.startServer({ handler: app });
      using connection = await wire.open(server.addr.port);
      const smuggled = "GET /hello HTTP/1.1\r\nHost: a\r\n\r\n";
      const chunk = `${smuggled.length.toString(16)}\r\n${smuggled}\r\n`;
      await connection.send(
        `POST /nothing-here HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n${chunk}0\r\n\r\n` +
          "GET /echo HTTP/1.1\r\nHost: a\r\n\r\n",
      );
      assert.equal((await connection.response()).status, 404);
      const echo = await connection.response();
      assert.equal(echo.status, 200);
      assert.match(echo.text(), /^GET \/echo HTTP\/1.1\n/);
    },
  );

  Deno.test(
    wire.name("server: a large unread body closes the connection instead of draining it"),
    async () => {
      await using server = await wire.startServer({ handler: app });
      using connection = await wire.open(server.addr.port);
      await connection.send(
        "POST /nothing HTTP/1.1\r\nHost: a\r\nContent-Length: 100000000\r\n\r\n",
      );
      const response = await connection.response();
      assert.equal(response.status, 404);
      assert.equal(response.header("connection"), "close");
      assert.equal(await connection.closedByPeer(), true);
    },
  );

  Deno.test(wire.name("server: GET /echo describes the request line and headers"), async () => {
    await using server = await wire.startServer({ handler: app });
    const response = await wire.request(
      server.addr.port,
      "GET /echo?x=1 HTTP/1.1\r\nHost: example\r\nX-Thing: A  b\r\n\r\n",
    );
    assert.equal(response.text(), "GET /echo?x=1 HTTP/1.1\nHost: example\nX-Thing: A  b\n");
  });

  for (const size of [0, 1, 100_000, 64 * 1024 * 1024]) {
    Deno.test(
      wire.name(`server: /echo returns a ${size}-byte fixed-length body intact`),
      async () => {
        await using server = await wire.startServer({ handler: app });
        using connection = await wire.open(server.addr.port);
        const body = payload(size);
        const sending = (async () => {
          await connection.send(
            `PUT /echo HTTP/1.1\r\nHost: a\r\nContent-Type: application/x-test\r\n` +
              `Content-Length: ${size}\r\n\r\n`,
          );
          await connection.send(body);
        })();
        const response = await connection.response();
        await sending;
        assert.equal(response.status, 200);
        assert.equal(response.header("content-type"), "application/x-test");
        assert.equal(response.body.length, size);
        assert.equal(await sha256(response.body), await sha256(body));
      },
    );
  }

  for (const size of [1, 100_000, 64 * 1024 * 1024]) {
    Deno.test(wire.name(`server: /echo returns a ${size}-byte chunked body intact`), async () => {
      await using server = await wire.startServer({ handler: app });
      using connection = await wire.open(server.addr.port);
      const body = payload(size);
      const sending = (async () => {
        await connection.send(
          "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n",
        );
        // Uneven chunk sizes with an extension now and then.
        const encoder = new TextEncoder();
        for (let at = 0, n = 0; at < size; n++) {
          const length = Math.min(size - at, 1000 + (n * 7919) % 300_000);
          const extension = n % 5 === 0 ? ";note=x" : "";
          await connection.send(encoder.encode(`${length.toString(16)}${extension}\r\n`));
          await connection.send(body.subarray(at, at + length));
          await connection.send(encoder.encode("\r\n"));
          at += length;
        }
        await connection.send("0\r\nX-Trailer: done\r\n\r\n");
      })();
      const response = await connection.response();
      await sending;
      assert.equal(response.status, 200);
      assert.equal(response.header("transfer-encoding"), "chunked");
      assert.equal(await sha256(response.body), await sha256(body));
    });
  }

  Deno.test(
    wire.name("server: a body over the limit gets 413 and a closed connection"),
    async () => {
      await using server = await wire.startServer({ handler: app, limits: { maxBodyBytes: 1000 } });
      {
        using connection = await wire.open(server.addr.port);
        await connection.send("POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 1001\r\n\r\n");
        const response = await connection.response();
        assert.equal(response.status, 413);
        assert.equal(await connection.closedByPeer(), true);
      }
      {
        using connection = await wire.open(server.addr.port);
        await connection.send(
          "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3e9\r\n",
        );
        const response = await connection.response();
        assert.equal(response.status, 413);
        assert.equal(await connection.closedByPeer(), true);
      }
    },
  );

  Deno.test(
    wire.name("server: a head that trickles in too slowly gets 408 and a close"),
    async () => {
      // Only the head timeout is short: the idle one must play no part once bytes arrive.
      await using server = await wire.startServer({
        handler: app,
        timeouts: { ...SHORT, idleMs: NEVER },
      });
      using connection = await wire.open(server.addr.port);
      // One byte every 50 ms: each read makes progress, but the head never completes in time.
      const trickle = (async () => {
        for (const byte of "GET /hello HTTP/1.1\r\nHost: a\r\nX-Slow: yes") {
          try {
            await connection.send(byte);
          } catch {
            return;
          }
          await delay(50);
        }
      })();
      const response = await within(connection.response(), "the 408");
      assert.equal(response.status, 408);
      assert.equal(response.header("connection"), "close");
      assert.equal(await connection.closedByPeer(), true);
      await trickle;
    },
  );

  Deno.test(wire.name("server: an idle kept-alive connection is closed silently"), async () => {
    // Only the idle timeout is short: between requests, the head timeout must play no part.
    await using server = await wire.startServer({
      handler: app,
      timeouts: { ...SHORT, headMs: NEVER },
    });
    using connection = await wire.open(server.addr.port);
    await connection.send("GET /hello HTTP/1.1\r\nHost: a\r\n\r\n");
    assert.equal((await connection.response()).status, 200);
    // Nothing more is sent: after the idle timeout the server closes without a word.
    assert.equal(await within(connection.readAll(), "the idle close"), "");
  });

  Deno.test(
    wire.name("server: a kept-alive connection is not closed as idle while within its timeout"),
    async () => {
      await using server = await wire.startServer({
        handler: app,
        timeouts: { ...SHORT, idleMs: NEVER },
      });
      using connection = await wire.open(server.addr.port);
      for (let i = 0; i < 2; i++) {
        await connection.send("GET /hello HTTP/1.1\r\nHost: a\r\n\r\n");
        assert.equal((await connection.response()).status, 200);
        // Longer than every other timeout: only the idle one applies between requests.
        await delay(600);
      }
    },
  );

  Deno.test(wire.name("server: a body that stops arriving gets 408"), async () => {
    await using server = await wire.startServer({ handler: app, timeouts: SHORT });
    using connection = await wire.open(server.addr.port);
    await connection.send("POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nabc");
    // /echo declares the length and streams: its head is out before the body stalls, so
    // the only possible signal is the close, after the 3 bytes that did arrive.
    const text = await connection.readAll();
    assert.match(text, /^HTTP\/1.1 200 OK\r\n/);
    assert.match(text, /\r\n\r\nabc$/);
  });

  Deno.test(
    wire.name("server: a body that stops arriving before any answer gets 408"),
    async () => {
      const handler: Handler = async (req, res) => {
        res.end(await req.bytes());
      };
      await using server = await wire.startServer({ handler, timeouts: SHORT });
      using connection = await wire.open(server.addr.port);
      await connection.send("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nabc");
      const response = await connection.response();
      assert.equal(response.status, 408);
      assert.equal(await connection.closedByPeer(), true);
    },
  );

  Deno.test(
    wire.name("server: a client that stops reading a response is disconnected"),
    async () => {
      const chunk = new Uint8Array(1024 * 1024);
      const handler: Handler = async (_req, res) => {
        // Far more than the socket buffers hold: the writes must block once the client stalls.
        for (let i = 0; i < 1024; i++) await res.write(chunk);
        res.end();
      };
      await using server = await wire.startServer({ handler, timeouts: SHORT });
      using connection = await wire.open(server.addr.port);
      await connection.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
      // Never read. The server must give up on its own.
      while (server.connectionCount > 0) await delay(50);
    },
  );

  Deno.test(
    wire.name("server: a client that pipelines without reading the answers is pushed back"),
    async () => {
      await using server = await wire.startServer({ handler: app });
      const conn = await wire.connect(server.addr.port);
      const block = new TextEncoder().encode("GET /hello HTTP/1.1\r\nHost: a\r\n\r\n".repeat(2048));
      // Each answer is ~4x its request: if the server went on reading while its answers cannot
      // leave, it would take all of this and hold the answers in memory.
      const limit = 64 * 1024 * 1024;
      let sent = 0;
      let pending: Promise<number> | null = null;
      try {
        while (sent < limit) {
          pending = conn.write(block);
          let timer: ReturnType<typeof setTimeout> | undefined;
          const stalled = new Promise<"stalled">((resolve) => {
            timer = setTimeout(() => resolve("stalled"), 1000);
          });
          const outcome = await Promise.race([pending, stalled]);
          clearTimeout(timer);
          if (outcome === "stalled") break;
          sent += outcome;
          pending = null;
        }
      } finally {
        conn.close();
        await pending?.catch(() => {});
      }
      assert.ok(sent < limit, `the server read all ${sent} bytes without its answers being read`);
      const response = await wire.request(
        server.addr.port,
        "GET /hello HTTP/1.1\r\nHost: a\r\n\r\n",
      );
      assert.equal(response.status, 200);
    },
  );

  Deno.test(
    wire.name("server: at maxConnections a third client is served only after one leaves"),
    async () => {
      await using server = await wire.startServer({ handler: app, maxConnections: 2 });
      using first = await wire.open(server.addr.port);
      using second = await wire.open(server.addr.port);
      // The first two are mid-request (not idle), so neither can be reclaimed for the third.
      await first.send("GET /hello HTTP/1.1\r\n");
      await second.send("GET /hello HTTP/1.1\r\n");
      await delay(100);
      using third = await wire.open(server.addr.port);
      await third.send("GET /hello HTTP/1.1\r\nHost: a\r\n\r\n");
      const answered = third.response();
      const early = await Promise.race([
        answered.then(() => "answered"),
        delay(300).then(() => "waiting"),
      ]);
      assert.equal(early, "waiting");
      first.close();
      assert.equal((await answered).status, 200);
    },
  );

  Deno.test(
    wire.name("server: at maxConnections an idle kept-alive connection makes room"),
    async () => {
      await using server = await wire.startServer({ handler: app, maxConnections: 1 });
      using idle = await wire.open(server.addr.port);
      await idle.send("GET /hello HTTP/1.1\r\nHost: a\r\n\r\n");
      assert.equal((await idle.response()).status, 200);
      using next = await wire.open(server.addr.port);
      await next.send("GET /hello HTTP/1.1\r\nHost: a\r\n\r\n");
      assert.equal((await next.response()).status, 200);
      assert.equal(await idle.closedByPeer(), true);
    },
  );

  for (const maxConnections of [undefined, 4096]) {
    const limit = maxConnections === undefined
      ? "the default limit"
      : `a limit of ${maxConnections}`;
    Deno.test(
      wire.name(
        `server: 2000 idle connections do not keep a normal request from being served (${limit})`,
      ),
      async () => {
        await using server = await wire.startServer({ handler: app, maxConnections });
        using idle = new DisposableStack();
        for (let i = 0; i < 2000; i++) {
          idle.use(await Deno.connect({ hostname: "127.0.0.1", port: server.addr.port }));
        }
        const response = await wire.request(
          server.addr.port,
          "GET /hello HTTP/1.1\r\nHost: a\r\n\r\n",
        );
        assert.equal(response.status, 200);
        if (maxConnections !== undefined) {
          // With room for all of them, none was closed to make room: all 2000 are still held.
          assert.ok(server.connectionCount >= 2000, `${server.connectionCount} connections`);
        }
      },
    );
  }

  Deno.test(
    wire.name("server: a handler that throws gets 500, no detail, and a close"),
    async () => {
      const handler: Handler = () => {
        throw new Error("secret detail at /home/someone/app.ts");
      };
      await using server = await wire.startServer({ handler });
      using connection = await wire.open(server.addr.port);
      await connection.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
      const response = await connection.response();
      assert.equal(response.status, 500);
      assert.doesNotMatch(response.text(), /secret|home|\.ts/);
      assert.equal(await connection.closedByPeer(), true);
    },
  );

  Deno.test(wire.name("server: listens on IPv6 loopback too"), async () => {
    await using server = await wire.startServer({ handler: app, hostname: "::1" });
    const conn = await wire.connect(server.addr.port, "::1");
    try {
      await conn.write(
        new TextEncoder().encode("GET /hello HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"),
      );
      const text = new TextDecoder().decode(await new Response(conn.readable).arrayBuffer());
      assert.match(text, /^HTTP\/1.1 200 OK/);
    } catch (error) {
      conn.close();
      throw error;
    }
  });

  Deno.test(
    wire.name(
      "server: shutdown() closes idle connections, refuses new ones, and lets a request finish",
    ),
    async () => {
      let release!: () => void;
      const released = new Promise<void>((resolve) => release = resolve);
      await using server = await wire.startServer({ handler: appWithSlowRoute(released) });
      const port = server.addr.port;
      using idle = await wire.open(port);
      await idle.send("GET /hello HTTP/1.1\r\nHost: a\r\n\r\n");
      assert.equal((await idle.response()).status, 200);
      using busy = await wire.open(port);
      await busy.send("GET /slow HTTP/1.1\r\nHost: a\r\n\r\n");
      await within(untilInFlight(server, 1), "the slow request starting");

      const stopping = server.shutdown();
      assert.equal(await within(idle.closedByPeer(), "the idle close"), true);
      await assert.rejects(
        Deno.connect({ hostname: "127.0.0.1", port }),
        Deno.errors.ConnectionRefused,
      );
      release();
      const response = await busy.response();
      assert.equal(response.status, 200);
      assert.equal(response.text(), "first last");
      assert.equal(await busy.closedByPeer(), true);
      assert.deepEqual(await stopping, { inFlight: 1, forced: 0 });
    },
  );

  Deno.test(
    wire.name("server: shutdown() cuts off a handler that never returns at the drain deadline"),
    async () => {
      // A hung upstream, say: the handler ignores the closed socket and never returns.
      const never = new Promise<void>(() => {});
      const server = await wire.startServer({ handler: appWithSlowRoute(never) });
      try {
        using busy = await wire.open(server.addr.port);
        await busy.send("GET /slow HTTP/1.1\r\nHost: a\r\n\r\n");
        await within(untilInFlight(server, 1), "the slow request starting");
        const report = await within(server.shutdown(100), "the shutdown");
        assert.deepEqual(report, { inFlight: 1, forced: 1 });
        // The client gets the start of the body and then the close: a truncated chunked body.
        const text = await within(busy.readAll(), "the close");
        assert.match(text, /\r\n\r\n6\r\nfirst \r\n$/);
      } finally {
        await within(server.close(), "server.close()");
      }
    },
  );
}
