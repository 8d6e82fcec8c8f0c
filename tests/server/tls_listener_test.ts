/**
 * The HTTPS listener end to end: handshakes bounded by the head deadline (a client that
 * never completes one is cut off and its slot freed, a flood of them starves nobody), failed
 * handshakes counted and logged at debug level without stopping the accept loop, ALPN and
 * TLS versions, and what a client speaking plain HTTP to the HTTPS port gets.
 */
import assert from "node:assert/strict";
import { configure, type LogRecord, reset } from "@logtape/logtape";
import { createApp } from "../../lib/app.ts";
import type { Handler } from "../../lib/server/handler.ts";
import { serve } from "../../lib/server/server.ts";
import {
  ALPN_PROTOCOLS,
  listenTls,
  type TlsListener,
  type TlsListenOptions,
} from "../../lib/server/tls_listener.ts";
import { delay, RawConnection } from "../support/raw_http.ts";
import { installed, run } from "../support/programs.ts";
import { testCertificate } from "../support/tls_certificate.ts";

const app = createApp();
const HELLO = "GET /hello HTTP/1.1\r\nHost: a\r\n\r\n";
/** The first bytes of a ClientHello record: a TLS client that then goes silent. */
const HALF_A_CLIENT_HELLO = new Uint8Array([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01]);

/** A server on one TLS listener (127.0.0.1, port 0), closed by `await using`. */
async function tlsServer(
  options: {
    handler?: Handler;
    headMs?: number;
    maxConnections?: number;
    listen?: Partial<TlsListenOptions>;
  } = {},
) {
  const { cert, key } = await testCertificate();
  const listener = await listenTls({
    hostname: "127.0.0.1",
    port: 0,
    cert,
    key,
    ...options.listen,
  });
  const server = serve({
    handler: options.handler ?? app,
    listeners: [listener],
    maxConnections: options.maxConnections,
    timeouts: options.headMs === undefined ? undefined : { headMs: options.headMs },
  });
  return Object.assign(server, {
    listener,
    port: listener.addr.port,
    [Symbol.asyncDispose]: () => server.close(),
  });
}

/** Resolves with what the client reads next: bytes, or "closed" once the server closed. */
async function nextRead(conn: Deno.Conn, timeoutMs: number): Promise<"closed" | "open" | number> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const waited = new Promise<"open">((resolve) =>
    timer = setTimeout(() => resolve("open"), timeoutMs)
  );
  const read = conn.read(new Uint8Array(1024)).then(
    (count) => count === null ? "closed" as const : count,
    () => "closed" as const,
  );
  try {
    return await Promise.race([read, waited]);
  } finally {
    clearTimeout(timer);
  }
}

async function helloOverTls(port: number): Promise<number> {
  using connection = await RawConnection.openTls(port, (await testCertificate()).ca);
  await connection.send(HELLO);
  return (await connection.response()).status;
}

Deno.test("listenTls() cuts off a client that never starts its handshake at the head timeout", async () => {
  await using server = await tlsServer({ headMs: 300 });
  using silent = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
  const started = Date.now();
  // The socket is closed, not merely forgotten: the client reads the end of the stream.
  assert.equal(await nextRead(silent, 5000), "closed");
  const waited = Date.now() - started;
  assert.ok(waited >= 250 && waited < 3000, `closed after ${waited} ms`);
  assert.equal(server.connectionCount, 0);
});

Deno.test("listenTls() cuts off a handshake that stalls halfway at the head timeout", async () => {
  await using server = await tlsServer({ headMs: 300 });
  using stalled = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
  await stalled.write(HALF_A_CLIENT_HELLO);
  assert.equal(await nextRead(stalled, 5000), "closed");
  while (server.connectionCount > 0) await delay(10);
  assert.equal(server.listener.handshakeFailures, 1);
  assert.equal(server.listener.handshakes, 0);
});

Deno.test("listenTls(): 1,000 unfinished handshakes do not keep a client from being served", async () => {
  await using server = await tlsServer();
  using flood = new DisposableStack();
  for (let i = 0; i < 1000; i++) {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
    flood.use(conn);
    // Half of them silent, half stalled inside their ClientHello.
    if (i % 2 === 1) await conn.write(HALF_A_CLIENT_HELLO);
  }
  const started = Date.now();
  assert.equal(await helloOverTls(server.port), 200);
  const tookMs = Date.now() - started;
  assert.ok(tookMs < 2000, `the normal client waited ${tookMs} ms`);
  assert.ok(server.connectionCount >= 1000, `${server.connectionCount} connections`);
});

Deno.test("listenTls(): unfinished handshakes hold one slot each, the first given up at the bound", async () => {
  await using server = await tlsServer({ maxConnections: 50 });
  using flood = new DisposableStack();
  for (let i = 0; i < 200; i++) {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
    flood.use(conn);
    await conn.write(HALF_A_CLIENT_HELLO);
  }
  // At the bound, the longest-idle connection makes room for each newcomer: the flood
  // cannot hold more than its 50 slots, and a real client still gets one.
  assert.equal(await helloOverTls(server.port), 200);
  assert.ok(server.connectionCount <= 50, `${server.connectionCount} connections`);
});

Deno.test("listenTls() counts failed handshakes, logs them at debug level and goes on serving", async () => {
  const records: LogRecord[] = [];
  await configure({
    reset: true,
    sinks: { collect: (record) => records.push(record) },
    loggers: [
      { category: ["zhttp", "tls"], sinks: ["collect"], lowestLevel: "debug" },
      { category: ["logtape", "meta"], sinks: [], lowestLevel: "warning" },
    ],
  });
  try {
    await using server = await tlsServer();
    // Not TLS after all: a handshake record with nonsense in it.
    using garbage = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
    await garbage.write(new Uint8Array([0x16, 0x03, 0x01, 0x00, 0x05, 9, 9, 9, 9, 9]));
    assert.equal(await nextRead(garbage, 5000), "closed");
    // A client that does not trust the certificate.
    await assert.rejects(async () => {
      using refused = await Deno.connectTls({ hostname: "127.0.0.1", port: server.port });
      await refused.handshake();
    });
    // A client that leaves in the middle.
    const leaving = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
    await leaving.write(HALF_A_CLIENT_HELLO);
    await delay(50);
    leaving.close();

    assert.equal(await helloOverTls(server.port), 200);
    while (server.listener.handshakeFailures < 3) await delay(10);
    assert.equal(server.listener.handshakeFailures, 3);
    assert.equal(server.listener.handshakes, 1);
    const lines = records.filter((record) => record.level === "debug");
    assert.equal(lines.length, 3, JSON.stringify(lines.map((record) => record.message)));
    assert.ok(records.every((record) => record.level === "debug"));
  } finally {
    await reset();
  }
});

Deno.test("listenTls() offers http/1.1 only in ALPN", async () => {
  await using server = await tlsServer();
  const { ca } = await testCertificate();
  const conn = await Deno.connectTls({
    hostname: "127.0.0.1",
    port: server.port,
    caCerts: [ca],
    alpnProtocols: ["h2", "http/1.1"],
  });
  try {
    const { alpnProtocol } = await conn.handshake();
    assert.equal(alpnProtocol, "http/1.1");
    assert.deepEqual(ALPN_PROTOCOLS, ["http/1.1"]);
  } finally {
    conn.close();
  }
});

Deno.test("listenTls(): requests over it are secure, and report both ends' addresses", async () => {
  const whereFrom: Handler = (req, res) => {
    res.end(JSON.stringify({ secure: req.secure, local: req.localAddr, remote: req.remoteAddr }));
  };
  await using server = await tlsServer({ handler: whereFrom });
  using connection = await RawConnection.openTls(server.port, (await testCertificate()).ca);
  await connection.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
  const where = JSON.parse((await connection.response()).text());
  assert.equal(where.secure, true);
  assert.deepEqual(where.local, { transport: "tcp", hostname: "127.0.0.1", port: server.port });
  assert.deepEqual(where.remote, { ...connection.conn.localAddr });
});

Deno.test("listenTls() closes a client that speaks plain HTTP, unless told to serve it", async () => {
  {
    await using server = await tlsServer();
    using plain = await RawConnection.open(server.port);
    await plain.send(HELLO);
    assert.equal(await plain.readAll(), "");
  }
  {
    const secure: Handler = (req, res) => res.end(`secure: ${req.secure}`);
    await using server = await tlsServer({ handler: secure, listen: { plainHttp: "serve" } });
    using plain = await RawConnection.open(server.port);
    await plain.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
    assert.equal((await plain.response()).text(), "secure: false");
    assert.equal(await helloOverTls(server.port), 200);
  }
});

Deno.test("listenTls() rejects with AddrInUse for a port another program holds", async () => {
  using other = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { cert, key } = await testCertificate();
  await assert.rejects(
    listenTls({ hostname: "127.0.0.1", port: other.addr.port, cert, key }),
    Deno.errors.AddrInUse,
  );
});

Deno.test("listenTls(): close() makes a pending accept() reject, as a Deno listener's does", async () => {
  const { cert, key } = await testCertificate();
  const listener: TlsListener = await listenTls({ hostname: "127.0.0.1", port: 0, cert, key });
  const accepting = listener.accept();
  listener.close();
  await assert.rejects(accepting, Deno.errors.BadResource);
});

Deno.test({
  name: "listenTls() speaks TLS 1.2 and 1.3 and refuses 1.1 (curl)",
  ignore: !installed("curl"),
  async fn() {
    await using server = await tlsServer();
    const folder = await Deno.makeTempDir();
    try {
      const caFile = `${folder}/ca.pem`;
      await Deno.writeTextFile(caFile, (await testCertificate()).ca);
      const url = `https://127.0.0.1:${server.port}/hello`;
      const curl = (...flags: string[]) =>
        run("curl", ["--silent", "--cacert", caFile, ...flags, "--write-out", "%{http_code}", url]);
      for (const version of [["--tlsv1.2", "--tls-max", "1.2"], ["--tlsv1.3"]]) {
        const result = await curl(...version);
        assert.equal(result.stdout, "Hello, World!\n200", `${version}: ${result.stderr}`);
      }
      const old = await curl("--tlsv1.1", "--tls-max", "1.1");
      assert.notEqual(old.code, 0);
    } finally {
      await Deno.remove(folder, { recursive: true });
    }
  },
});
