/**
 * The engine over transports other than one TCP listener: several listeners under one
 * bound, a Unix socket, and the addresses each request reports. (TLS is tested with the
 * HTTPS layer; the scripted transport in connection_test.)
 */
import assert from "node:assert/strict";
import { createApp } from "../../lib/app.ts";
import type { Handler } from "../../lib/server/handler.ts";
import { hostOf, listenTcp, listenUnix } from "../../lib/server/transport.ts";
import { RawConnection, request, startServer } from "../support/raw_http.ts";

/** Answers with where the request came from and where it arrived, as JSON. */
const whereFrom: Handler = (req, res) => {
  res.setHeader("Content-Type", "application/json");
  res.end(JSON.stringify({
    remote: req.remoteAddr,
    local: req.localAddr,
    secure: req.secure,
  }));
};

Deno.test("Server: serves every listener it is given, with one connection bound", async () => {
  await using server = startServer({
    handler: whereFrom,
    listeners: [
      listenTcp({ hostname: "127.0.0.1", port: 0 }),
      listenTcp({ hostname: "127.0.0.1", port: 0 }),
    ],
    maxConnections: 1,
  });
  const [first, second] = server.addrs as Deno.NetAddr[];
  assert.notEqual(first.port, second.port);
  for (const addr of [first, second]) {
    const response = await request(addr.port, "GET / HTTP/1.1\r\nHost: a\r\n\r\n");
    assert.equal(response.status, 200);
    const where = JSON.parse(response.text());
    assert.equal(where.local.port, addr.port);
    assert.equal(where.remote.hostname, "127.0.0.1");
    assert.equal(where.secure, false);
  }
  // The bound is shared: with a connection open on the first listener, a client of the
  // second waits for it to close.
  using held = await RawConnection.open(first.port);
  await held.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
  assert.equal((await held.response()).status, 200);
  using waiting = await RawConnection.open(second.port);
  await waiting.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
  // The idle one is closed to make room (the bound closes the longest idle connection).
  assert.equal((await waiting.response()).status, 200);
  assert.equal(await held.closedByPeer(), true);
});

Deno.test("Server: req.remoteAddr and req.localAddr are the connection's two ends", async () => {
  await using server = startServer({ handler: whereFrom });
  using connection = await RawConnection.open(server.addr.port);
  await connection.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
  const where = JSON.parse((await connection.response()).text());
  const client = { ...connection.conn.localAddr as Deno.NetAddr };
  assert.deepEqual(where.remote, client);
  assert.deepEqual(where.local, {
    transport: "tcp",
    hostname: "127.0.0.1",
    port: server.addr.port,
  });
});

Deno.test({
  name: "Server: serves a Unix socket through the same connection loop",
  ignore: Deno.build.os === "windows",
  async fn() {
    const folder = await Deno.makeTempDir();
    const path = `${folder}/zhttp.sock`;
    try {
      await using server = startServer({ handler: createApp(), listeners: [listenUnix(path)] });
      assert.deepEqual(server.addrs, [{ transport: "unix", path }]);
      assert.throws(() => server.addr, TypeError);
      const conn = await Deno.connect({ transport: "unix", path });
      try {
        // Pipelined, to show the same buffering and batching as over TCP.
        const hello = "GET /hello HTTP/1.1\r\nHost: a\r\n\r\n";
        await conn.write(new TextEncoder().encode(hello + hello + "GET /nope HTTP/1.1\r\n\r\n"));
        const text = await readUntilClosed(conn);
        assert.equal(text.match(/HTTP\/1\.1 200 OK/g)?.length, 2);
        assert.match(text, /HTTP\/1\.1 400 Bad Request/); // No Host: refused, then closed.
      } finally {
        conn.close();
      }
    } finally {
      await Deno.remove(folder, { recursive: true });
    }
  },
});

Deno.test("hostOf() names the host of every kind of address", () => {
  const rows: [Deno.Addr, string][] = [
    [{ transport: "tcp", hostname: "127.0.0.1", port: 80 }, "127.0.0.1"],
    [{ transport: "tcp", hostname: "::1", port: 80 }, "::1"],
    [{ transport: "unix", path: "/run/zhttp.sock" }, "/run/zhttp.sock"],
    [{ transport: "unix", path: "" }, "unix"],
    [{ transport: "vsock", cid: 3, port: 80 }, "vsock:3"],
  ];
  for (const [addr, host] of rows) assert.equal(hostOf(addr), host);
});

async function readUntilClosed(conn: Deno.Conn): Promise<string> {
  const decoder = new TextDecoder();
  const chunk = new Uint8Array(64 * 1024);
  let text = "";
  for (let read = await conn.read(chunk); read !== null; read = await conn.read(chunk)) {
    text += decoder.decode(chunk.subarray(0, read), { stream: true });
  }
  return text;
}
