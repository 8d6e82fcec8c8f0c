/**
 * `--workers` as a person runs it (main.ts as a real process, with the binary's
 * permissions): every thread serves, one Ctrl+C drains them all and the process exits once,
 * with 0.
 */
import assert from "node:assert/strict";
import { ZhttpProcess } from "../support/zhttp_process.ts";
import { tempFolder } from "../support/static_site.ts";

const encoder = new TextEncoder();
const BIG_FILE_BYTES = 8 * 1024 * 1024;

/** Sends one request on a new connection and reads the answer's first bytes. */
async function firstBytes(port: number, target: string): Promise<Deno.TcpConn> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  await conn.write(encoder.encode(`GET ${target} HTTP/1.1\r\nHost: a\r\n\r\n`));
  const read = await conn.read(new Uint8Array(64 * 1024));
  assert.ok(read !== null && read > 0);
  return conn;
}

/** Reads what is left until the server closes, counting the bytes. */
async function drain(conn: Deno.TcpConn): Promise<number> {
  const chunk = new Uint8Array(256 * 1024);
  let total = 0;
  for (let read = await conn.read(chunk); read !== null; read = await conn.read(chunk)) {
    total += read;
  }
  return total;
}

Deno.test({
  name: "zhttp --workers 2 serves from both threads, and Ctrl+C drains them all",
  ignore: Deno.build.os !== "linux",
  async fn() {
    await using folder = await tempFolder({ "big.bin": new Uint8Array(BIG_FILE_BYTES) });
    await using zhttp = ZhttpProcess.start([folder.dir, "--port", "0", "--workers", "2"]);
    const port = await zhttp.port();
    assert.match(zhttp.output, /^Workers {2}2 server threads on the port/m);

    // The kernel spreads connections over the two sockets: forty fresh connections meet both
    // (all on one would happen once in 2^39 runs), and each access log line names its thread.
    for (let i = 0; i < 40; i++) {
      const conn = await firstBytes(port, "/hello");
      conn.close();
    }
    await zhttp.waitFor(/ w1 GET \/hello 200/);
    await zhttp.waitFor(/ w2 GET \/hello 200/);

    // Downloads in flight on both threads: stopped in the middle, they all still finish.
    const downloads = await Promise.all(
      Array.from({ length: 8 }, () => firstBytes(port, "/big.bin")),
    );
    zhttp.kill("SIGINT");
    await zhttp.waitFor(/stopping: 8 requests in flight/);
    const rest = await Promise.all(downloads.map(drain));
    for (const conn of downloads) conn.close();
    assert.ok(rest.every((bytes) => bytes > 0));
    assert.equal((await zhttp.exited()).code, 0);
    assert.match(zhttp.output, /^stopped$/m);
    assert.equal(zhttp.output.match(/^stopped/gm)?.length, 1, "one process, one stop");
    // Every byte of every download arrived: the threads drained before the exit.
    const logged = zhttp.output.match(/ w[12] GET \/big\.bin 200 (\d+) B/g) ?? [];
    assert.equal(logged.length, 8);
    assert.ok(logged.every((line) => line.includes(` ${BIG_FILE_BYTES} B`)), logged.join("\n"));
  },
});
