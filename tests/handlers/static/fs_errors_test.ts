/**
 * File-system errors as a user meets them, with zhttp as a real process: a file or folder
 * zhttp may not read is 403, a file that vanished between the stat and the open is 404,
 * running out of file descriptors is 503 with Retry-After (never a 404 for a file that
 * exists) and zhttp recovers once descriptors are free again. Each is logged in one line,
 * never as an ERROR with a stack trace.
 */
import assert from "node:assert/strict";
import path from "node:path";
import { MTIME_SETTLE_MS } from "../../../lib/handlers/static/file_cache.ts";
import { OUT_OF_FILES_RETRY_AFTER_SECONDS } from "../../../lib/handlers/static/static_handler.ts";
import { delay, RawConnection, request } from "../../support/raw_http.ts";
import { tempFolder } from "../../support/static_site.ts";
import { ZhttpProcess } from "../../support/zhttp_process.ts";

/** Larger than the file cache's largest file: streamed from disk. */
const LARGE_BYTES = 300 * 1024;
/** The descriptors zhttp gets in the EMFILE test: enough to start, few enough to run out. */
const DESCRIPTOR_LIMIT = 64;
/** How long the stat/open race runs. */
const RACE_MS = 2000;

/**
 * Idle keep-alive connections to zhttp, opened until it cannot accept one more: every file
 * descriptor it may have is taken. Closed by `await using`.
 */
async function takeEveryDescriptor(port: number) {
  const connections: RawConnection[] = [];
  for (let i = 0; i < DESCRIPTOR_LIMIT; i++) {
    const connection = await RawConnection.open(port);
    await connection.send("GET /hello HTTP/1.1\r\nHost: a\r\n\r\n");
    const answered = await Promise.race([connection.response(), delay(500)]);
    if (answered === undefined) {
      connection.conn.close();
      break;
    }
    connections.push(connection);
  }
  assert.ok(connections.length < DESCRIPTOR_LIMIT, "the descriptors never ran out");
  return {
    connections,
    async [Symbol.asyncDispose]() {
      for (const connection of connections) connection.conn.close();
      // zhttp takes the one it could not accept, and sees each close.
      await delay(200);
    },
  };
}

function get(port: number, target: string) {
  return request(port, `GET ${target} HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n`);
}

/** No ERROR line and no stack trace in what zhttp printed. */
function assertNoErrorLogged(output: string): void {
  assert.doesNotMatch(output, / ERROR /, output);
  assert.doesNotMatch(output, /^\s+at /m, output);
}

Deno.test({
  name: "createStaticHandler() answers 403 for a file or folder zhttp may not read",
  // Root reads every file: without the capabilities that let it (CAP_DAC_OVERRIDE and
  // CAP_DAC_READ_SEARCH), zhttp is held to the permission bits as a normal user is.
  ignore: Deno.build.os !== "linux",
  async fn() {
    await using site = await tempFolder({
      "secret.txt": "small and unreadable",
      "big.bin": new Uint8Array(LARGE_BYTES),
      "locked/inside.txt": "in a folder that cannot be listed",
      "ok.txt": "readable",
    });
    await Deno.chmod(path.join(site.dir, "secret.txt"), 0o000);
    await Deno.chmod(path.join(site.dir, "big.bin"), 0o000);
    await Deno.chmod(path.join(site.dir, "locked"), 0o300);
    await using zhttp = ZhttpProcess.start([site.dir, "--port", "0", "--quiet"], {
      prefix: ["setpriv", "--bounding-set=-dac_override,-dac_read_search"],
    });
    const port = await zhttp.port();
    for (let round = 0; round < 2; round++) {
      for (const target of ["/secret.txt", "/big.bin", "/locked/"]) {
        assert.equal((await get(port, target)).status, 403, target);
      }
      assert.equal((await get(port, "/ok.txt")).text(), "readable");
      assert.equal((await get(port, "/missing.txt")).status, 404);
    }
    // One line per path, however often it is asked for.
    await zhttp.waitFor(/not allowed to read .*locked/);
    for (const name of ["secret.txt", "big.bin", "locked"]) {
      const lines = zhttp.output.split("\n").filter((line) =>
        line.includes("not allowed to read") && line.includes(path.join(site.dir, name))
      );
      assert.equal(lines.length, 1, zhttp.output);
    }
    assertNoErrorLogged(zhttp.output);
  },
});

Deno.test({
  name: "createStaticHandler() answers 503 with Retry-After when out of file descriptors",
  ignore: Deno.build.os !== "linux",
  async fn() {
    await using site = await tempFolder({
      "cached.txt": "cached",
      "small.txt": "small",
      "big.bin": new Uint8Array(LARGE_BYTES),
    });
    const old = new Date("2020-01-02T03:04:05Z");
    for (const name of ["cached.txt", "small.txt", "big.bin"]) {
      await Deno.utime(path.join(site.dir, name), old, old);
    }
    await using zhttp = ZhttpProcess.start(
      [site.dir, "--port", "0", "--quiet", "--idle-timeout", "60s"],
      { prefix: ["prlimit", `--nofile=${DESCRIPTOR_LIMIT}:${DESCRIPTOR_LIMIT}`] },
    );
    const port = await zhttp.port();
    // Only a version whose mtime and ctime have settled is cached.
    await delay(MTIME_SETTLE_MS + 100);
    assert.equal((await get(port, "/cached.txt")).text(), "cached");

    for (const target of ["/small.txt", "/big.bin"]) {
      await using held = await takeEveryDescriptor(port);
      const [first, second] = held.connections;
      // A cached file needs no descriptor: it may still be answered, and never as missing.
      await first.send("GET /cached.txt HTTP/1.1\r\nHost: a\r\n\r\n");
      assert.equal((await first.response()).text(), "cached");
      await second.send(`GET ${target} HTTP/1.1\r\nHost: a\r\n\r\n`);
      const response = await second.response();
      assert.equal(response.status, 503, target);
      assert.equal(response.header("retry-after"), String(OUT_OF_FILES_RETRY_AFTER_SECONDS));
      // Closed, to give a descriptor back.
      assert.equal(await second.closedByPeer(), true);
    }

    // Descriptors free again: served as before.
    assert.equal((await get(port, "/small.txt")).text(), "small");
    assert.equal((await get(port, "/big.bin")).body.length, LARGE_BYTES);
    await zhttp.waitFor(/out of file descriptors opening .*big\.bin \(503\)/);
    assert.doesNotMatch(zhttp.output, / ERROR /, zhttp.output);
  },
});

Deno.test("createStaticHandler() answers only 200 or 404 while files are deleted and replaced", async () => {
  await using site = await tempFolder({
    "small.txt": "version 0",
    "big.bin": new Uint8Array(LARGE_BYTES),
  });
  await using zhttp = ZhttpProcess.start([site.dir, "--port", "0", "--quiet"]);
  const port = await zhttp.port();
  const deadline = Date.now() + RACE_MS;

  // Replaced as editors save (a new file renamed over the old one), and deleted.
  const churn = (async () => {
    for (let version = 1; Date.now() < deadline; version++) {
      for (const [name, bytes] of [["small.txt", `version ${version}`], ["big.bin", null]]) {
        const target = path.join(site.dir, name!);
        const next = `${target}.next`;
        if (bytes === null) await Deno.writeFile(next, new Uint8Array(LARGE_BYTES));
        else await Deno.writeTextFile(next, bytes);
        await Deno.rename(next, target);
        if (version % 3 === 0) await Deno.remove(target);
      }
      await delay(1);
    }
  })();
  const statuses = new Map<number, number>();
  const client = async (target: string) => {
    while (Date.now() < deadline) {
      const { status } = await get(port, target);
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
    }
  };
  await Promise.all([churn, client("/small.txt"), client("/small.txt"), client("/big.bin")]);

  assert.deepEqual([...statuses.keys()].filter((status) => status !== 200 && status !== 404), []);
  assert.ok((statuses.get(200) ?? 0) > 0 && (statuses.get(404) ?? 0) > 0, `${[...statuses]}`);
  assertNoErrorLogged(zhttp.output);
});
