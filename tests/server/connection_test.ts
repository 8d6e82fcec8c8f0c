/**
 * Connection against a scripted socket: what goes into each socket write, which a real
 * socket cannot show (the kernel may merge or split segments). Everything else about
 * connections is tested end to end over real sockets (server_test).
 */
import assert from "node:assert/strict";
import { createApp } from "../../lib/app.ts";
import { Connection } from "../../lib/server/connection.ts";
import { DEFAULT_PARSER_LIMITS } from "../../lib/http/parser.ts";
import { ReadGate } from "../../lib/server/read_gate.ts";
import { DEFAULT_TIMEOUTS } from "../../lib/server/server.ts";

/** A socket whose reads return the given chunks, one per read, then the end of input. */
class ScriptedSocket {
  readonly remoteAddr: Deno.NetAddr = { transport: "tcp", hostname: "127.0.0.1", port: 1 };
  /** A copy of the bytes of each write, in order. */
  readonly writes: Uint8Array[] = [];
  readonly #chunks: Uint8Array[];

  constructor(chunks: string[]) {
    this.#chunks = chunks.map((chunk) => new TextEncoder().encode(chunk));
  }

  read(into: Uint8Array): Promise<number | null> {
    const chunk = this.#chunks.shift();
    if (chunk === undefined) return Promise.resolve(null);
    into.set(chunk);
    return Promise.resolve(chunk.length);
  }

  write(bytes: Uint8Array): Promise<number> {
    this.writes.push(bytes.slice());
    return Promise.resolve(bytes.length);
  }

  closeWrite(): Promise<void> {
    return Promise.resolve();
  }

  close(): void {}
}

/** Serves the scripted chunks on one connection until the input ends. */
async function serveScript(chunks: string[]): Promise<string[]> {
  const socket = new ScriptedSocket(chunks);
  const gate = new ReadGate();
  const connection = new Connection(socket as unknown as Deno.TcpConn, {
    handler: createApp(),
    limits: { ...DEFAULT_PARSER_LIMITS, maxBodyBytes: 1024 },
    timeouts: DEFAULT_TIMEOUTS,
    clock: Date.now,
    readGate: gate,
  });
  await connection.serve();
  gate.close();
  return socket.writes.map((bytes) => new TextDecoder().decode(bytes));
}

const HELLO = "GET /hello HTTP/1.1\r\nHost: a\r\n\r\n";

function statusLines(text: string): string[] {
  return text.match(/^HTTP\/1\.1 \d{3} [^\r]*/gm) ?? [];
}

Deno.test("Connection: the answers to pipelined requests read at once leave in one write", async () => {
  const writes = await serveScript([
    HELLO.repeat(4) + "HEAD /hello HTTP/1.1\r\nHost: a\r\n\r\n" +
    "GET /missing HTTP/1.1\r\nHost: a\r\n\r\n" + HELLO.repeat(4),
  ]);
  assert.equal(writes.length, 1);
  assert.deepEqual(statusLines(writes[0]), [
    ...Array(5).fill("HTTP/1.1 200 OK"),
    "HTTP/1.1 404 Not Found",
    ...Array(4).fill("HTTP/1.1 200 OK"),
  ]);
  assert.equal(writes[0].match(/Hello, World!\n/g)?.length, 8);
});

Deno.test("Connection: requests that arrive apart are answered apart", async () => {
  const writes = await serveScript([HELLO, HELLO + HELLO]);
  assert.deepEqual(writes.map((text) => statusLines(text).length), [1, 2]);
});
