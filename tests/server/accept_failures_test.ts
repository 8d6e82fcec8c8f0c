/**
 * What the accept loop does with failed accepts: AcceptFailures from tables of failures on
 * an injected clock, and end to end, clients that reset before they are accepted (python3
 * sets SO_LINGER 0, which Deno cannot) must neither delay the next client nor flood the log.
 */
import assert from "node:assert/strict";
import type { LogRecord } from "@logtape/logtape";
import {
  AcceptFailures,
  BACKOFF_MAX_MS,
  BACKOFF_START_MS,
  isDescriptorExhaustion,
  LOG_WINDOW_MS,
} from "../../lib/server/accept_failures.ts";
import { createApp } from "../../lib/app.ts";
import { messageText, withLogRecords } from "../support/log_records.ts";
import { request, startServer } from "../support/raw_http.ts";

function failure(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}
const EMFILE = failure("EMFILE", "Too many open files (os error 24)");
const RESET = new Deno.errors.NotConnected("Transport endpoint is not connected (os error 107)");

/** Runs `fn` with the server's log lines collected (and LogTape reset after). */
function withServerLog(fn: (records: LogRecord[]) => void | Promise<void>): Promise<void> {
  return withLogRecords(["zhttp", "server"], "debug", fn);
}

Deno.test("isDescriptorExhaustion() knows EMFILE and ENFILE only", () => {
  const rows: [unknown, boolean][] = [
    [EMFILE, true],
    [failure("ENFILE", "Too many open files in system (os error 23)"), true],
    [RESET, false],
    [new Deno.errors.ConnectionAborted("aborted"), false],
    [new Error("no code"), false],
    [null, false],
  ];
  for (const [error, expected] of rows) assert.equal(isDescriptorExhaustion(error), expected);
});

Deno.test("AcceptFailures: a client that reset is skipped at once, never paused for", async () => {
  await withServerLog(() => {
    const failures = new AcceptFailures(() => 0);
    for (let i = 0; i < 100; i++) assert.equal(failures.record(RESET), 0);
    failures.close();
  });
});

Deno.test("AcceptFailures: out of descriptors, pauses double up to a limit and reset", async () => {
  await withServerLog(() => {
    const failures = new AcceptFailures(() => 0);
    const pauses = Array.from({ length: 10 }, () => failures.record(EMFILE));
    assert.equal(pauses[0], BACKOFF_START_MS);
    assert.equal(pauses[1], BACKOFF_START_MS * 2);
    assert.equal(pauses.at(-1), BACKOFF_MAX_MS);
    for (let i = 1; i < pauses.length; i++) assert.ok(pauses[i] >= pauses[i - 1]);
    failures.succeeded();
    assert.equal(failures.record(EMFILE), BACKOFF_START_MS);
    failures.close();
  });
});

Deno.test("AcceptFailures: one line per window, with the count, never a stack", async () => {
  await withServerLog((records) => {
    let now = 0;
    const failures = new AcceptFailures(() => now);
    for (let i = 0; i < 233; i++) failures.record(EMFILE);
    assert.equal(records.length, 1);
    assert.equal(records[0].level, "warning");
    assert.equal(messageText(records[0]), "accept failed: Too many open files (os error 24)");
    // The next window opens with the last one's count, then its own first failure.
    now += LOG_WINDOW_MS;
    failures.record(EMFILE);
    assert.deepEqual(records.slice(1).map(messageText), [
      `accept failed 232 times in the last ${LOG_WINDOW_MS / 1000} s: ` +
      "Too many open files (os error 24)",
      "accept failed: Too many open files (os error 24)",
    ]);
    // Resets are their own kind, at debug level.
    failures.record(RESET);
    assert.equal(records.length, 4);
    assert.equal(records[3].level, "debug");
    for (const record of records) assert.equal(record.properties.error, undefined);
    failures.close();
  });
});

Deno.test("AcceptFailures: the rest of a window is summed up in one line when it ends", async () => {
  await withServerLog(async (records) => {
    const failures = new AcceptFailures();
    for (let i = 0; i < 5; i++) failures.record(EMFILE);
    await new Promise((resolve) => setTimeout(resolve, LOG_WINDOW_MS + 100));
    assert.deepEqual(records.map(messageText), [
      "accept failed: Too many open files (os error 24)",
      `accept failed 4 times in the last ${
        LOG_WINDOW_MS / 1000
      } s: Too many open files (os error 24)`,
    ]);
    failures.close();
  });
});

Deno.test({
  name: "Server: clients that reset before accept neither delay the next one nor flood the log",
  ignore: Deno.build.os === "windows",
  async fn() {
    await withServerLog(async (records) => {
      await using server = startServer({ handler: createApp() });
      const resets = 300;
      // Each connects and closes with SO_LINGER 0 at once: a reset before accept() returns.
      const script = `
import socket, struct, sys
for _ in range(${resets}):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.connect(("127.0.0.1", ${server.addr.port}))
    s.close()
`;
      const python = await new Deno.Command("python3", { args: ["-c", script] }).output();
      assert.ok(python.success, new TextDecoder().decode(python.stderr));
      const response = await request(server.addr.port, "GET /hello HTTP/1.1\r\nHost: a\r\n\r\n");
      assert.equal(response.status, 200);
      // However many of the resets accept() saw, at most one line a window says so.
      const acceptLines = records.filter((record) =>
        messageText(record).startsWith("accept failed")
      );
      assert.ok(acceptLines.length <= 1, `${acceptLines.length} lines`);
    });
  },
});
