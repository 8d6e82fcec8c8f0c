/**
 * Logging never holds the server: with a console nobody reads (a Windows console frozen by a
 * click in QuickEdit mode behaves like a full pipe), requests are still answered; only log
 * lines wait or are dropped.
 */
import assert from "node:assert/strict";
import { serverPermissions } from "../../scripts/permissions.ts";
import { V8_FLAGS_ARG } from "../../scripts/v8_flags.ts";
import { RawConnection } from "../support/raw_http.ts";

const MAIN = new URL("../../main.ts", import.meta.url).pathname;
const STATIC = new URL("../../static", import.meta.url).pathname;
/** Far more access-log bytes than a pipe holds (64 KiB on Linux). */
const REQUESTS = 5000;
/** A liveness bound, not a speed target: a blocked server never finishes at all. */
const DEADLINE_MS = 60_000;

Deno.test("logging: a console that stops reading never blocks the server", async () => {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", ...serverPermissions(Deno.build.os), V8_FLAGS_ARG, MAIN, STATIC, "--port", "0"],
    stdin: "null",
    stdout: "piped",
    stderr: "null",
    env: { NO_COLOR: "1" },
  }).spawn();
  const reader = child.stdout.getReader();
  try {
    // Read the banner for the port, then never read again: the pipe fills up.
    let banner = "";
    const decoder = new TextDecoder();
    let match: RegExpMatchArray | null = null;
    while (match === null) {
      const { value, done } = await reader.read();
      assert.ok(!done, `zhttp exited early:\n${banner}`);
      banner += decoder.decode(value, { stream: true });
      match = banner.match(/Local\s+http:\/\/[^:]+:(\d+)\//);
    }
    using connection = await RawConnection.open(Number(match[1]));
    let answered = 0;
    const serving = (async () => {
      for (let i = 0; i < REQUESTS; i++) {
        await connection.send(`GET /hello?request=${i} HTTP/1.1\r\nHost: a\r\n\r\n`);
        if ((await connection.response()).status === 200) answered++;
      }
    })();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const outcome = await Promise.race([
      serving.then(() => "served"),
      new Promise((resolve) => timer = setTimeout(() => resolve("blocked"), DEADLINE_MS)),
    ]);
    clearTimeout(timer);
    assert.equal(outcome, "served", `only ${answered} of ${REQUESTS} answered`);
    assert.equal(answered, REQUESTS);
  } finally {
    child.kill("SIGKILL");
    await reader.cancel();
    await child.status;
  }
});
