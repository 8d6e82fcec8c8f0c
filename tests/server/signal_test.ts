/**
 * req.signal end to end: it aborts when the client disconnects, when the connection times
 * out and at the shutdown drain deadline, never for a request answered in time; and a
 * handler that never returns stops holding its connection once its client has left.
 */
import assert from "node:assert/strict";
import { CLIENT_GONE, SHUT_DOWN, TIMED_OUT } from "../../lib/server/connection.ts";
import type { Handler } from "../../lib/server/handler.ts";
import { delay } from "../support/raw_http.ts";
import { WIRES } from "../support/wires.ts";
import { eventually, within } from "../support/waiting.ts";

/** Short timeouts, so the sweep runs every 50 ms and the tests take little time. */
const QUICK = { headMs: 2000, idleMs: 200, bodyMs: 2000, writeMs: 300 };
const REQUEST = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";

/** Resolves with the signal's reason once it aborts. */
function aborted(signal: AbortSignal): Promise<DOMException> {
  if (signal.aborted) return Promise.resolve(signal.reason);
  return new Promise((resolve) => {
    signal.addEventListener("abort", () => resolve(signal.reason), { once: true });
  });
}

for (const wire of WIRES) {
  Deno.test(
    wire.name("req.signal aborts when the client disconnects during a slow answer"),
    async () => {
      const reason = Promise.withResolvers<DOMException>();
      const handler: Handler = async (req, res) => {
        reason.resolve(await aborted(req.signal));
        res.end("too late");
      };
      await using server = await wire.startServer({ handler, timeouts: QUICK });
      const connection = await wire.open(server.addr.port);
      await connection.send(REQUEST);
      await delay(150); // The handler is now slow: the server watches its client.
      connection.close();
      const why = await within(reason.promise, "abort");
      assert.equal(why.name, "AbortError");
      assert.equal(why.message, CLIENT_GONE);
      await eventually(() => server.connectionCount === 0, "closed");
    },
  );

  Deno.test(
    wire.name("req.signal: a handler that never returns lets go of its client's slot"),
    async () => {
      const started = Promise.withResolvers<void>();
      const hung: Handler = () => {
        started.resolve();
        return new Promise<void>(() => {});
      };
      await using server = await wire.startServer({
        handler: hung,
        timeouts: QUICK,
        maxConnections: 1,
      });
      const first = await wire.open(server.addr.port);
      await first.send(REQUEST);
      await started.promise;
      await delay(150);
      first.close();
      // Its slot comes back, so the server holds no connection for the hung handler.
      await eventually(() => server.connectionCount === 0, "released");
    },
  );

  Deno.test(
    wire.name("req.signal aborts with a TimeoutError when the client stops reading"),
    async () => {
      const reason = Promise.withResolvers<DOMException>();
      const piece = new Uint8Array(256 * 1024);
      const flood: Handler = async (req, res) => {
        req.signal.addEventListener("abort", () => reason.resolve(req.signal.reason));
        try {
          for (;;) await res.write(piece);
        } catch {
          // The connection closed under the write.
        }
      };
      await using server = await wire.startServer({ handler: flood, timeouts: QUICK });
      using connection = await wire.open(server.addr.port);
      await connection.send(REQUEST); // ...and never reads the answer.
      const why = await within(reason.promise, "abort");
      assert.equal(why.name, "TimeoutError");
      assert.equal(why.message, TIMED_OUT);
    },
  );

  Deno.test(wire.name("req.signal aborts at the shutdown drain deadline"), async () => {
    const reason = Promise.withResolvers<DOMException>();
    const waiting: Handler = async (req, res) => {
      reason.resolve(await aborted(req.signal));
      res.end();
    };
    await using server = await wire.startServer({ handler: waiting, timeouts: QUICK });
    using connection = await wire.open(server.addr.port);
    await connection.send(REQUEST);
    await eventually(() => server.requestsInFlight === 1, "answering the request");
    const report = await server.shutdown(100);
    assert.deepEqual(report, { inFlight: 1, forced: 1 });
    const why = await within(reason.promise, "abort");
    assert.equal(why.name, "AbortError");
    assert.equal(why.message, SHUT_DOWN);
  });

  Deno.test(
    wire.name("req.signal never aborts for a request answered before its client left"),
    async () => {
      const signals: AbortSignal[] = [];
      const quick: Handler = async (req, res) => {
        signals.push(req.signal);
        await delay(150); // Slow enough to be watched.
        res.end("done");
      };
      await using server = await wire.startServer({ handler: quick, timeouts: QUICK });
      const connection = await wire.open(server.addr.port);
      // Two requests at once: the second arrives while the first is watched, and is kept.
      await connection.send(REQUEST + REQUEST);
      const first = await connection.response();
      const second = await connection.response();
      assert.deepEqual([first.text(), second.text()], ["done", "done"]);
      connection.close();
      await eventually(() => server.connectionCount === 0, "closed");
      assert.deepEqual(signals.map((signal) => signal.aborted), [false, false]);
    },
  );

  Deno.test(
    wire.name("req.signal asked for after the client left is already aborted"),
    async () => {
      const reason = Promise.withResolvers<DOMException>();
      const late: Handler = async (req, res) => {
        await delay(600); // The client leaves meanwhile, and the connection closes.
        reason.resolve(await aborted(req.signal));
        res.end();
      };
      await using server = await wire.startServer({ handler: late, timeouts: QUICK });
      const connection = await wire.open(server.addr.port);
      await connection.send(REQUEST);
      await delay(150);
      connection.close();
      assert.equal((await within(reason.promise, "abort")).message, CLIENT_GONE);
    },
  );
}
