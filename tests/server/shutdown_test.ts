/**
 * Graceful shutdown on a real process, over HTTP and HTTPS: Ctrl+C (SIGINT) lets a
 * download in flight finish and the process exit 0 within the drain deadline; a second SIGINT exits at once (and two that
 * arrive together count as one); a download
 * still running at the deadline is cut off and the process still exits 0.
 */
import assert from "node:assert/strict";
import { SAME_STOP_WINDOW_MS } from "../../lib/cli/signals.ts";
import { delay, RawConnection } from "../support/raw_http.ts";
import { type TempFolder, tempFolder } from "../support/static_site.ts";
import { ZhttpProcess } from "../support/zhttp_process.ts";

const FILE_BYTES = 8 * 1024 * 1024;

/** A folder holding large.bin, FILE_BYTES long: a download that takes a while. */
function siteWithLargeFile(): Promise<TempFolder> {
  const bytes = new Uint8Array(FILE_BYTES);
  for (let i = 0; i < bytes.length; i++) bytes[i] = i * 31 % 251;
  return tempFolder({ "large.bin": bytes });
}

/** Plain HTTP, and HTTPS with zhttp's own certificate: every test runs over both. */
const SCHEMES = [
  { https: false, name: (test: string) => test },
  { https: true, name: (test: string) => `${test} (over TLS)` },
] as const;
type Scheme = (typeof SCHEMES)[number];

/** Where zhttp keeps its CA for the HTTPS runs: inside the site, where it stays hidden. */
function dataHome(site: TempFolder): string {
  return `${site.dir}/.data`;
}

/** zhttp serving `site` on a free port, with the banner off and `flags` added. */
function serveQuietly(site: TempFolder, scheme: Scheme, ...flags: string[]): ZhttpProcess {
  const https = scheme.https ? ["--https"] : [];
  return ZhttpProcess.start([site.dir, "--port", "0", "--quiet", ...https, ...flags], {
    env: { XDG_DATA_HOME: dataHome(site) },
  });
}

/** A client of that zhttp: over TLS trusting its CA when it serves HTTPS. */
async function connect(
  zhttp: ZhttpProcess,
  site: TempFolder,
  scheme: Scheme,
): Promise<RawConnection> {
  const port = await zhttp.port();
  if (!scheme.https) return await RawConnection.open(port);
  const ca = await Deno.readTextFile(`${dataHome(site)}/zhttp/ca.crt`);
  return await RawConnection.openTls(port, ca);
}

/**
 * Reads a response slowly: a pause of `pauseMs` after each PAUSE_EVERY_BYTES, whatever
 * the reads return (TLS hands out 16 KiB records, TCP up to the buffer). Returns the body
 * length.
 */
const PAUSE_EVERY_BYTES = 64 * 1024;

async function slowDownload(connection: RawConnection, pauseMs: number): Promise<number> {
  const buffer = new Uint8Array(256 * 1024);
  let total = 0;
  let sincePause = 0;
  for (;;) {
    const read = await connection.conn.read(buffer);
    if (read === null) return total;
    total += read;
    sincePause += read;
    if (sincePause >= PAUSE_EVERY_BYTES) {
      sincePause = 0;
      await delay(pauseMs);
    }
  }
}

for (const scheme of SCHEMES) {
  Deno.test(
    scheme.name("shutdown: SIGINT lets a download in flight finish, then exits 0"),
    async () => {
      await using site = await siteWithLargeFile();
      await using zhttp = serveQuietly(site, scheme);
      using connection = await connect(zhttp, site, scheme);
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
    },
  );

  Deno.test(scheme.name("shutdown: a second SIGINT exits at once"), async () => {
    await using site = await siteWithLargeFile();
    await using zhttp = serveQuietly(site, scheme, "--drain-timeout", "60s");
    using connection = await connect(zhttp, site, scheme);
    // A download that never progresses: the client does not read.
    await connection.send("GET /large.bin HTTP/1.1\r\nHost: a\r\n\r\n");
    await delay(200);
    zhttp.kill("SIGINT");
    await zhttp.waitFor(/stopping/);
    // A person presses again after reading that line; sooner is the same Ctrl+C passed on.
    await delay(SAME_STOP_WINDOW_MS);
    zhttp.kill("SIGINT");
    const status = await zhttp.exited();
    assert.equal(status.code, 130);
    assert.match(zhttp.output, /stopped at once/);
  });

  Deno.test(scheme.name("shutdown: two SIGINTs that arrive together are one Ctrl+C"), async () => {
    await using site = await siteWithLargeFile();
    await using zhttp = serveQuietly(site, scheme);
    using connection = await connect(zhttp, site, scheme);
    await connection.send("GET /large.bin HTTP/1.1\r\nHost: a\r\n\r\n");
    const download = slowDownload(connection, 20);
    await delay(200);
    zhttp.kill("SIGINT");
    zhttp.kill("SIGINT");
    assert.ok(await download > FILE_BYTES, "the download was cut off");
    assert.equal((await zhttp.exited()).code, 0);
    assert.doesNotMatch(zhttp.output, /stopped at once/);
  });

  Deno.test(
    scheme.name("shutdown: at the drain deadline a stalled download is cut off and exit is 0"),
    async () => {
      await using site = await siteWithLargeFile();
      await using zhttp = serveQuietly(site, scheme, "--drain-timeout", "300ms");
      using connection = await connect(zhttp, site, scheme);
      await connection.send("GET /large.bin HTTP/1.1\r\nHost: a\r\n\r\n");
      await delay(200);
      zhttp.kill("SIGINT");
      const status = await zhttp.exited();
      assert.equal(status.code, 0);
      assert.match(zhttp.output, /stopped \(1 request cut off\)/);
    },
  );

  Deno.test(
    scheme.name("shutdown: idle keep-alive connections do not delay the exit"),
    async () => {
      await using site = await siteWithLargeFile();
      await using zhttp = serveQuietly(site, scheme, "--drain-timeout", "60s");
      using connection = await connect(zhttp, site, scheme);
      await connection.send("GET /hello HTTP/1.1\r\nHost: a\r\n\r\n");
      assert.equal((await connection.response()).status, 200);
      zhttp.kill("SIGINT");
      const status = await zhttp.exited();
      assert.equal(status.code, 0);
      assert.equal(await connection.closedByPeer(), true);
    },
  );
}
