/**
 * Graceful shutdown of zhttp under the real deno.exe (Wine), over HTTP and over HTTPS (a TLS
 * download in flight), stopped the way a Windows user
 * stops it: Ctrl+C typed into its console (tmux send-keys), not a signal sent by PID. A
 * download in flight finishes intact before the process exits 0; a second Ctrl+C exits at
 * once with 130 (Deno.exit(130) reaches the Linux side unchanged through Wine).
 *
 * Run by scripts/windows-e2e.sh (root, Wine test bed), not by `deno task test`.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { SAME_STOP_WINDOW_MS } from "../../lib/cli/signals.ts";
import { concat } from "../../lib/http/bytes.ts";
import { delay, sha256 } from "../support/raw_http.ts";
import { createFixtureSite, type FixtureSite, patternBytes } from "./fixture_site.ts";
import { SCHEMES, startZhttpOnWindows } from "./zhttp_on_windows.ts";

/**
 * Larger than everything the loopback socket buffers can hold (32 MiB receive and 4 MiB
 * send at most here), so the server is surely still writing when Ctrl+C arrives.
 */
const HUGE_FILE_BYTES = 48 * 1024 * 1024;
/** Received before Ctrl+C: the response is under way. */
const BYTES_BEFORE_INTERRUPT = 1024 * 1024;
/**
 * The slow reader: a pause after each this much, whatever the reads return (TLS hands out
 * 16 KiB records, TCP up to the buffer).
 */
const SLOW_READ_BYTES = 256 * 1024;
const SLOW_READ_PAUSE_MS = 5;

const REQUEST = new TextEncoder().encode("GET /huge.bin HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");

for (const scheme of SCHEMES) {
  Deno.test(
    scheme.name("main.ts on Windows finishes a download in flight on Ctrl+C, then exits 0"),
    async () => {
      await using site = await createFixtureSite();
      const expectedSha256 = await addHugeFile(site);
      // A drain deadline well beyond the slow download, even on a loaded machine under Wine.
      await using zhttp = await startZhttpOnWindows(site, scheme, ["--drain-timeout", "60s"]);
      using connection = await zhttp.connect();
      await connection.write(REQUEST);
      const download = new SlowDownload(connection);
      await download.readAtLeast(BYTES_BEFORE_INTERRUPT);

      await zhttp.deno.interrupt();
      await zhttp.deno.waitForOutput(/stopping: 1 request in flight/);
      const { head, body } = splitResponse(await download.readToEnd());

      assert.match(head, /^HTTP\/1\.1 200 /);
      assert.match(head, new RegExp(`\r\ncontent-length: ${HUGE_FILE_BYTES}\r\n`, "i"));
      assert.equal(body.length, HUGE_FILE_BYTES);
      assert.equal(await sha256(body), expectedSha256);
      assert.equal(await zhttp.deno.waitForExit(), 0);
      const screen = await zhttp.deno.output();
      assert.match(screen, /^stopped$/m, screen);
    },
  );

  Deno.test(
    scheme.name("main.ts on Windows exits at once with 130 on a second Ctrl+C"),
    async () => {
      await using site = await createFixtureSite();
      await addHugeFile(site);
      // A drain deadline far beyond waitForExit()'s: only the second Ctrl+C can end it in time.
      await using zhttp = await startZhttpOnWindows(site, scheme, ["--drain-timeout", "600s"]);
      using connection = await zhttp.connect();
      await connection.write(REQUEST);
      // One read, then none: the download stalls with the server still writing.
      await new SlowDownload(connection).readAtLeast(1);

      await zhttp.deno.interrupt();
      await zhttp.deno.waitForOutput(/stopping: 1 request in flight/);
      // A person presses again after reading that line; sooner is the same Ctrl+C passed on.
      await delay(SAME_STOP_WINDOW_MS);
      await zhttp.deno.interrupt();

      assert.equal(await zhttp.deno.waitForExit(), 130);
      const screen = await zhttp.deno.output();
      // The console echoes the typed Ctrl+C as "^C" at the start of the line.
      assert.match(screen, /^(?:\^C)?stopped at once$/m, screen);
    },
  );
}

/** Writes `huge.bin` into the root and returns its SHA-256. */
async function addHugeFile(site: FixtureSite): Promise<string> {
  const bytes = patternBytes(HUGE_FILE_BYTES, 13);
  await Deno.writeFile(join(site.siteDir, "huge.bin"), bytes);
  return await sha256(bytes);
}

/** A client that reads a response slowly: a pause after every `SLOW_READ_BYTES`. */
class SlowDownload {
  readonly #connection: Deno.Conn;
  readonly #parts: Uint8Array[] = [];
  #received = 0;
  #sincePause = 0;

  constructor(connection: Deno.Conn) {
    this.#connection = connection;
  }

  async readAtLeast(bytes: number): Promise<void> {
    while (this.#received < bytes) {
      if (!await this.#readOnce()) throw new Error(`closed after ${this.#received} bytes`);
    }
  }

  /** Everything until the server closes the connection, including what came before. */
  async readToEnd(): Promise<Uint8Array> {
    while (await this.#readOnce());
    return concat(this.#parts);
  }

  async #readOnce(): Promise<boolean> {
    const chunk = new Uint8Array(SLOW_READ_BYTES);
    const read = await this.#connection.read(chunk);
    if (read === null) return false;
    this.#parts.push(chunk.subarray(0, read));
    this.#received += read;
    this.#sincePause += read;
    if (this.#sincePause >= SLOW_READ_BYTES) {
      this.#sincePause = 0;
      await delay(SLOW_READ_PAUSE_MS);
    }
    return true;
  }
}

/** The head (as text) and the body of one raw response. */
function splitResponse(bytes: Uint8Array): { head: string; body: Uint8Array } {
  const headText = new TextDecoder("latin1").decode(bytes.subarray(0, 4096));
  const headEnd = headText.indexOf("\r\n\r\n");
  assert.ok(headEnd > 0, `no response head in ${JSON.stringify(headText.slice(0, 200))}`);
  return { head: headText.slice(0, headEnd + 2), body: bytes.subarray(headEnd + 4) };
}
