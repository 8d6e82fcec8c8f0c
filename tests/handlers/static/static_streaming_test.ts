/**
 * Large downloads end to end (over TCP, and the parallel and pipelined ones over TLS too):
 * files streamed from disk through one bounded chunk buffer.
 * Clients that leave midway must leave no open file behind, parallel downloads must arrive
 * intact, and a file that shrinks mid-download must end the connection rather than leave
 * the client waiting for bytes that will never come. The server runs in this process, so
 * /proc/self/fd counts its open files and sockets too.
 */
import assert from "node:assert/strict";
import path from "node:path";
import { delay, RawConnection, sha256 } from "../../support/raw_http.ts";
import { type Files, StaticSite } from "../../support/static_site.ts";
import { type Wire, WIRES } from "../../support/wires.ts";
import { openFileCount } from "../../support/descriptors.ts";

const MIB = 1024 * 1024;
/** How long open files may take to be released after the clients left. */
const SETTLE_DEADLINE_MS = 10_000;

/** A site of `files`, without listings: only the downloads matter here. */
function openSite(files: Files, wire?: Wire): Promise<StaticSite> {
  return StaticSite.open(files, { listing: false }, { wire });
}

/** Random bytes: a chunk sent twice or out of place changes the digest. */
function randomBytes(size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  // getRandomValues fills at most 64 KiB per call.
  for (let at = 0; at < size; at += 65536) {
    crypto.getRandomValues(bytes.subarray(at, Math.min(size, at + 65536)));
  }
  return bytes;
}

/** Resolves once at most `baseline` descriptors are open; fails after the deadline. */
async function waitForOpenFiles(baseline: number): Promise<void> {
  const deadline = Date.now() + SETTLE_DEADLINE_MS;
  let count = openFileCount();
  while (count > baseline) {
    if (Date.now() > deadline) {
      assert.fail(`${count - baseline} descriptors still open ${SETTLE_DEADLINE_MS} ms later`);
    }
    await delay(20);
    count = openFileCount();
  }
}

/** Sends a GET and reads `bytes` bytes of the answer (head included), then hangs up. */
async function abortedDownload(port: number, target: string, bytes: number): Promise<void> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    await conn.write(new TextEncoder().encode(`GET ${target} HTTP/1.1\r\nHost: a\r\n\r\n`));
    const buffer = new Uint8Array(64 * 1024);
    let received = 0;
    while (received < bytes) {
      const read = await conn.read(buffer);
      if (read === null) throw new Error(`closed after ${received} bytes`);
      received += read;
    }
  } finally {
    conn.close();
  }
}

/** Runs `task(0)` … `task(count - 1)` with at most `width` of them at a time. */
async function inWaves(
  count: number,
  width: number,
  task: (index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) await task(next++);
  };
  await Promise.all(Array.from({ length: width }, worker));
}

Deno.test("createStaticHandler() closes the file of every download the client abandons", async () => {
  const content = randomBytes(4 * MIB);
  await using site = await openSite({ "big.bin": content });
  // A first download warms up whatever the runtime opens once (thread pool, timers).
  using warmup = await RawConnection.open(site.port);
  await warmup.send("GET /big.bin HTTP/1.1\r\nHost: a\r\n\r\n");
  await warmup.response();
  warmup.close();
  await delay(50);
  const baseline = openFileCount();

  // Each client leaves at a different point: inside the first chunk, or a few chunks in.
  await inWaves(1000, 25, (i) => abortedDownload(site.port, "/big.bin", (i % 8 + 1) * 100_000));
  await waitForOpenFiles(baseline);

  using after = await RawConnection.open(site.port);
  await after.send("GET /big.bin HTTP/1.1\r\nHost: a\r\n\r\n");
  const response = await after.response();
  assert.equal(await sha256(response.body), await sha256(content), "still serves it whole");
});

for (const wire of WIRES) {
  Deno.test(
    wire.name("createStaticHandler() delivers 50 parallel downloads of a 16 MiB file intact"),
    async () => {
      const content = randomBytes(16 * MIB);
      const expected = await sha256(content);
      await using site = await openSite({ "huge.bin": content }, wire);
      // Ten connections at a time, five downloads each, one after another on keep-alive.
      const digests: string[] = [];
      const download = async () => {
        using connection = await site.open();
        for (let i = 0; i < 5; i++) {
          await connection.send("GET /huge.bin HTTP/1.1\r\nHost: a\r\n\r\n");
          const response = await connection.response();
          assert.equal(response.status, 200);
          assert.equal(response.header("content-length"), String(content.length));
          digests.push(await sha256(response.body));
        }
      };
      await Promise.all(Array.from({ length: 10 }, download));
      assert.equal(digests.length, 50);
      assert.deepEqual(digests, Array(50).fill(expected));
    },
  );

  Deno.test(
    wire.name(
      "createStaticHandler() answers requests pipelined behind streamed downloads in order",
    ),
    async () => {
      const big = randomBytes(4 * MIB + 7);
      const small = randomBytes(100);
      await using site = await openSite({ "big.bin": big, "small.bin": small }, wire);
      using connection = await site.open();
      const get = (target: string, extra = "") =>
        `GET ${target} HTTP/1.1\r\nHost: a\r\n${extra}\r\n`;
      await connection.send(
        get("/big.bin") + get("/small.bin") + get("/big.bin", "Range: bytes=-3,0-2\r\n") +
          `HEAD /big.bin HTTP/1.1\r\nHost: a\r\n\r\n` + get("/big.bin", "Range: bytes=1-\r\n") +
          get("/small.bin"),
      );
      assert.equal(await sha256((await connection.response()).body), await sha256(big));
      assert.deepEqual((await connection.response()).body, small);
      const multipart = await connection.response();
      assert.equal(multipart.status, 206);
      assert.match(multipart.header("content-type")!, /^multipart\/byteranges; boundary=/);
      const head = await connection.response(true);
      assert.equal(head.header("content-length"), String(big.length));
      const tail = await connection.response();
      assert.equal(tail.status, 206);
      assert.equal(await sha256(tail.body), await sha256(big.subarray(1)));
      assert.deepEqual((await connection.response()).body, small);
    },
  );
}

Deno.test("createStaticHandler() closes the connection when a file shrinks mid-download", async () => {
  // Larger than what the socket buffers of both ends can hold, so the server is still
  // reading the file when it shrinks.
  const size = 48 * MIB;
  await using site = await openSite({ "shrinking.bin": randomBytes(size) });
  using connection = await RawConnection.open(site.port);
  await connection.send("GET /shrinking.bin HTTP/1.1\r\nHost: a\r\n\r\n");
  const conn = connection.conn;
  const buffer = new Uint8Array(64 * 1024);
  let received = 0;
  while (received < MIB) received += (await conn.read(buffer)) ?? 0;
  await Deno.truncate(path.join(site.root, "shrinking.bin"), 0);

  // The promised Content-Length cannot be met: the server ends the connection early.
  let rest = 0;
  for (let read = await readOrReset(conn, buffer); read !== null;) {
    rest += read;
    read = await readOrReset(conn, buffer);
  }
  assert.ok(received + rest < size, `received all ${size} bytes of a truncated file`);
});

/** `conn.read`, with a reset connection read as its end. */
async function readOrReset(conn: Deno.Conn, buffer: Uint8Array): Promise<number | null> {
  try {
    return await conn.read(buffer);
  } catch (error) {
    if (error instanceof Deno.errors.ConnectionReset) return null;
    throw error;
  }
}
