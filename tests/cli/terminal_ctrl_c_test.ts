/**
 * Ctrl+C as a person presses it: in a real terminal (tmux), under `deno task start`, where
 * the terminal sends SIGINT to the whole process group and the task runner and launcher
 * pass theirs on too. zhttp must take that as one Ctrl+C: the download in flight finishes
 * and the exit code is 0. A second Ctrl+C, pressed after the "stopping" line, quits at once.
 */
import assert from "node:assert/strict";
import { SAME_STOP_WINDOW_MS } from "../../lib/cli/signals.ts";
import { delay, RawConnection } from "../support/raw_http.ts";
import { tempFolder } from "../support/static_site.ts";
import { Tmux } from "../support/tmux.ts";

const REPO = new URL("../..", import.meta.url).pathname;
const FILE_BYTES = 8 * 1024 * 1024;

/** A folder holding large.bin, FILE_BYTES long. */
function siteWithLargeFile() {
  const bytes = new Uint8Array(FILE_BYTES);
  for (let i = 0; i < bytes.length; i++) bytes[i] = i * 31 % 251;
  return tempFolder({ "large.bin": bytes });
}

/** Runs `deno task start` on `dir` in `terminal`; resolves to the port from the banner. */
async function startTask(terminal: Tmux, dir: string): Promise<number> {
  await terminal.type(`deno task start ${dir} --port 0; echo "exit=$?"`);
  const [, port] = await terminal.waitFor(/Local\s+http:\/\/localhost:(\d+)\//);
  return Number(port);
}

Deno.test("deno task start in a terminal: one Ctrl+C lets a download finish, then exits 0", async () => {
  await using site = await siteWithLargeFile();
  await using terminal = await Tmux.start(REPO);
  using connection = await RawConnection.open(await startTask(terminal, site.dir));
  await connection.send("GET /large.bin HTTP/1.1\r\nHost: a\r\n\r\n");
  // A client that reads slowly, so the download is still in flight at Ctrl+C.
  const download = (async () => {
    const buffer = new Uint8Array(256 * 1024);
    let total = 0;
    for (let read; (read = await connection.conn.read(buffer)) !== null;) {
      total += read;
      await delay(20);
    }
    return total;
  })();
  await delay(300);
  await terminal.press("C-c");

  assert.ok(await download > FILE_BYTES, "the download was cut off");
  const [, code] = await terminal.waitFor(/^exit=(\d+)$/m);
  const screen = await terminal.screen();
  assert.match(screen, /stopping: 1 request in flight/);
  assert.doesNotMatch(screen, /stopped at once/);
  assert.match(screen, /^stopped$/m);
  assert.equal(code, "0");
});

Deno.test("deno task start in a terminal: a second Ctrl+C quits at once with 130", async () => {
  await using site = await siteWithLargeFile();
  await using terminal = await Tmux.start(REPO);
  using connection = await RawConnection.open(await startTask(terminal, site.dir));
  // A download that never progresses: the client does not read.
  await connection.send("GET /large.bin HTTP/1.1\r\nHost: a\r\n\r\n");
  await delay(300);
  await terminal.press("C-c");
  await terminal.waitFor(/stopping: 1 request in flight/);
  await delay(SAME_STOP_WINDOW_MS);
  await terminal.press("C-c");
  const [, code] = await terminal.waitFor(/^exit=(\d+)$/m);
  // The terminal echoes the Ctrl+C as "^C" at the start of the line.
  assert.match(await terminal.screen(), /^(?:\^C)?stopped at once$/m);
  assert.equal(code, "130");
});
