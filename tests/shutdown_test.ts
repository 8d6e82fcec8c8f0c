/**
 * Graceful shutdown on a real process: Ctrl+C (SIGINT) lets a download in flight finish and
 * the process exit 0 within the drain deadline; a second SIGINT exits at once; a download
 * still running at the deadline is cut off and the process still exits 0.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { delay, RawConnection } from "./support/raw_http.ts";
import { ZhttpProcess } from "./support/zhttp_process.ts";

const FILE_BYTES = 8 * 1024 * 1024;

async function siteWithLargeFile(): Promise<string> {
  const root = await Deno.makeTempDir({ prefix: "zhttp-shutdown-" });
  const bytes = new Uint8Array(FILE_BYTES);
  for (let i = 0; i < bytes.length; i++) bytes[i] = i * 31 % 251;
  await Deno.writeFile(join(root, "large.bin"), bytes);
  return root;
}

/** Reads a response slowly: `chunk` bytes per `pauseMs`. Returns the body length. */
async function slowDownload(connection: RawConnection, pauseMs: number): Promise<number> {
  const buffer = new Uint8Array(256 * 1024);
  let total = 0;
  for (;;) {
    const read = await connection.conn.read(buffer);
    if (read === null) return total;
    total += read;
    await delay(pauseMs);
  }
}

Deno.test("shutdown: SIGINT lets a download in flight finish, then exits 0", async () => {
  const root = await siteWithLargeFile();
  const zhttp = ZhttpProcess.start([root, "--port", "0", "--quiet"]);
  try {
    const port = await zhttp.port();
    using connection = await RawConnection.open(port);
    await connection.send("GET /large.bin HTTP/1.1\r\nHost: a\r\n\r\n");
    const download = slowDownload(connection, 20);
    await delay(200);
    zhttp.kill("SIGINT");
    await zhttp.waitFor(/stopping: 1 request in flight/);
    const received = await download;
    // The head plus every byte of the file, then the server closed the connection.
    assert.ok(received > FILE_BYTES, `received only ${received} bytes`);
    const status = await zhttp.exited();
    assert.equal(status.code, 0);
    assert.match(zhttp.output, /stopped\n/);
  } finally {
    await zhttp.stop();
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("shutdown: a second SIGINT exits at once", async () => {
  const root = await siteWithLargeFile();
  const zhttp = ZhttpProcess.start([root, "--port", "0", "--quiet", "--drain-timeout", "60s"]);
  try {
    const port = await zhttp.port();
    using connection = await RawConnection.open(port);
    // A download that never progresses: the client does not read.
    await connection.send("GET /large.bin HTTP/1.1\r\nHost: a\r\n\r\n");
    await delay(200);
    zhttp.kill("SIGINT");
    await zhttp.waitFor(/stopping/);
    zhttp.kill("SIGINT");
    const status = await zhttp.exited();
    assert.equal(status.code, 130);
    assert.match(zhttp.output, /stopped at once/);
  } finally {
    await zhttp.stop();
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("shutdown: at the drain deadline a stalled download is cut off and exit is 0", async () => {
  const root = await siteWithLargeFile();
  const zhttp = ZhttpProcess.start([root, "--port", "0", "--quiet", "--drain-timeout", "300ms"]);
  try {
    const port = await zhttp.port();
    using connection = await RawConnection.open(port);
    await connection.send("GET /large.bin HTTP/1.1\r\nHost: a\r\n\r\n");
    await delay(200);
    zhttp.kill("SIGINT");
    const status = await zhttp.exited();
    assert.equal(status.code, 0);
    assert.match(zhttp.output, /stopped \(1 request cut off\)/);
  } finally {
    await zhttp.stop();
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("shutdown: idle keep-alive connections do not delay the exit", async () => {
  const root = await siteWithLargeFile();
  const zhttp = ZhttpProcess.start([root, "--port", "0", "--quiet", "--drain-timeout", "60s"]);
  try {
    const port = await zhttp.port();
    using connection = await RawConnection.open(port);
    await connection.send("GET /hello HTTP/1.1\r\nHost: a\r\n\r\n");
    assert.equal((await connection.response()).status, 200);
    zhttp.kill("SIGINT");
    const status = await zhttp.exited();
    assert.equal(status.code, 0);
    assert.equal(await connection.closedByPeer(), true);
  } finally {
    await zhttp.stop();
    await Deno.remove(root, { recursive: true });
  }
});
