/**
 * Http1ResponseWriter over a fake connection: every case compares the raw bytes the writer queued
 * (status line, fields, framing, body) with the bytes a client should receive.
 */
import assert from "node:assert/strict";
import { OutputBuffer } from "../../lib/http/output.ts";
import {
  endWithStatus,
  Http1ResponseWriter,
  type ResponseChannel,
  type ResponseContext,
} from "../../lib/http/response.ts";

/** The fake channel's Server and Date lines, fixed so the expected bytes can be written out. */
const SERVER_DATE = "Server: zhttp\r\nDate: Sun, 06 Nov 1994 08:49:37 GMT\r\n";

type RequestLine = "GET HTTP/1.1" | "HEAD HTTP/1.1" | "GET HTTP/1.0" | "HEAD HTTP/1.0";

interface FakeExchange {
  res: Http1ResponseWriter;
  output: OutputBuffer;
  context: ResponseContext;
  /** How many times the writer asked the connection to flush. */
  flushes: () => number;
}

/** A writer answering `request`, with a connection that queues bytes and never blocks. */
function exchange(request: RequestLine, keepAlive = true): FakeExchange {
  const output = new OutputBuffer();
  let flushes = 0;
  const serverAndDate = latin1(SERVER_DATE);
  const channel: ResponseChannel = {
    output,
    flush: () => {
      flushes++;
      return Promise.resolve();
    },
    serverAndDateLines: () => serverAndDate,
  };
  const context: ResponseContext = {
    headRequest: request.startsWith("HEAD"),
    versionMinor: request.endsWith("1.1") ? 1 : 0,
    keepAlive,
  };
  return {
    res: new Http1ResponseWriter(channel, context),
    output,
    context,
    flushes: () => flushes,
  };
}

/** Everything queued so far, as the client would read it (one character per byte). */
function wire(output: OutputBuffer): string {
  const pieces = output.take();
  output.release();
  let text = "";
  for (const piece of pieces) for (const byte of piece) text += String.fromCharCode(byte);
  return text;
}

function latin1(text: string): Uint8Array {
  return Uint8Array.from(text, (char) => char.charCodeAt(0));
}

interface WireCase {
  name: string;
  request: RequestLine;
  /** Whether the request allows the connection to stay open (the parser's decision). */
  keepAlive?: boolean;
  respond: (res: Http1ResponseWriter) => void | Promise<void>;
  wire: string;
  /** Whether the connection may stay open after the response; true unless given. */
  keepAliveAfter?: boolean;
}

const WIRE_CASES: WireCase[] = [
  // ── end(body): the length is known ─────────────────────────────────────────────────
  {
    name: "end() frames a body with its Content-Length",
    request: "GET HTTP/1.1",
    respond: (res) => res.setHeader("Content-Type", "text/plain").end("hello"),
    wire: `HTTP/1.1 200 OK\r\n${SERVER_DATE}Content-Type: text/plain\r\n` +
      "Content-Length: 5\r\n\r\nhello",
  },
  {
    name: "end() without a body sends Content-Length: 0",
    request: "GET HTTP/1.1",
    respond: (res) => res.end(),
    wire: `HTTP/1.1 200 OK\r\n${SERVER_DATE}Content-Length: 0\r\n\r\n`,
  },
  {
    name: "end() sends bytes as given and counts UTF-8 bytes, not characters",
    request: "GET HTTP/1.1",
    respond: (res) => {
      res.status = 201;
      res.end("é");
    },
    wire: `HTTP/1.1 201 Created\r\n${SERVER_DATE}Content-Length: 2\r\n\r\n\xc3\xa9`,
  },
  {
    name: "end() sends a Uint8Array body byte for byte",
    request: "GET HTTP/1.1",
    respond: (res) => res.end(new Uint8Array([0x00, 0xff, 0x0a])),
    wire: `HTTP/1.1 200 OK\r\n${SERVER_DATE}Content-Length: 3\r\n\r\n\x00\xff\n`,
  },
  {
    name: "end() replaces a declared Content-Length with the body's length",
    request: "GET HTTP/1.1",
    respond: (res) => res.setHeader("Content-Length", 3).end("abcd"),
    wire: `HTTP/1.1 200 OK\r\n${SERVER_DATE}Content-Length: 4\r\n\r\nabcd`,
  },
  {
    name: "end() answers HTTP/1.0 keep-alive with Connection: keep-alive",
    request: "GET HTTP/1.0",
    respond: (res) => res.end("hi"),
    wire: `HTTP/1.0 200 OK\r\n${SERVER_DATE}Content-Length: 2\r\nConnection: keep-alive\r\n\r\nhi`,
  },
  {
    name: "end() answers HTTP/1.0 without keep-alive with Connection: close",
    request: "GET HTTP/1.0",
    keepAlive: false,
    respond: (res) => res.end("hi"),
    wire: `HTTP/1.0 200 OK\r\n${SERVER_DATE}Content-Length: 2\r\nConnection: close\r\n\r\nhi`,
    keepAliveAfter: false,
  },
  {
    name: "end() sends Connection: close on HTTP/1.1 when keep-alive is off",
    request: "GET HTTP/1.1",
    keepAlive: false,
    respond: (res) => res.end("hi"),
    wire: `HTTP/1.1 200 OK\r\n${SERVER_DATE}Content-Length: 2\r\nConnection: close\r\n\r\nhi`,
    keepAliveAfter: false,
  },
  {
    name: "closeAfterResponse() adds Connection: close",
    request: "GET HTTP/1.1",
    respond: (res) => {
      res.closeAfterResponse();
      res.end("hi");
    },
    wire: `HTTP/1.1 200 OK\r\n${SERVER_DATE}Content-Length: 2\r\nConnection: close\r\n\r\nhi`,
    keepAliveAfter: false,
  },
  {
    name: "end() answers HEAD with the body's Content-Length and no body",
    request: "HEAD HTTP/1.1",
    respond: (res) => res.end("hello"),
    wire: `HTTP/1.1 200 OK\r\n${SERVER_DATE}Content-Length: 5\r\n\r\n`,
  },
  {
    name: "end() answers HEAD with the declared Content-Length a GET would get",
    request: "HEAD HTTP/1.1",
    respond: (res) => res.setHeader("Content-Length", 1234).end(),
    wire: `HTTP/1.1 200 OK\r\n${SERVER_DATE}Content-Length: 1234\r\n\r\n`,
  },
  {
    name: "end() answers HEAD on HTTP/1.0 with keep-alive and no body",
    request: "HEAD HTTP/1.0",
    respond: (res) => res.end("hello"),
    wire: `HTTP/1.0 200 OK\r\n${SERVER_DATE}Content-Length: 5\r\nConnection: keep-alive\r\n\r\n`,
  },

  // ── write(): a streamed body ──────────────────────────────────────────────────────────
  {
    name: "write() without Content-Length uses chunked coding on HTTP/1.1",
    request: "GET HTTP/1.1",
    respond: async (res) => {
      await res.write("ab");
      await res.write("");
      await res.write(new Uint8Array([0x63, 0x64, 0x65]));
      res.end();
    },
    wire: `HTTP/1.1 200 OK\r\n${SERVER_DATE}Transfer-Encoding: chunked\r\n\r\n` +
      "2\r\nab\r\n3\r\ncde\r\n0\r\n\r\n",
  },
  {
    name: "write() sizes chunks in hexadecimal",
    request: "GET HTTP/1.1",
    respond: async (res) => {
      await res.write("abcdefghijklmnopqrstuvwxyz");
      res.end();
    },
    wire: `HTTP/1.1 200 OK\r\n${SERVER_DATE}Transfer-Encoding: chunked\r\n\r\n` +
      "1a\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\n\r\n",
  },
  {
    name: "end() after write() sends its body as the last chunk",
    request: "GET HTTP/1.1",
    respond: async (res) => {
      await res.write("ab");
      res.end("cde");
    },
    wire: `HTTP/1.1 200 OK\r\n${SERVER_DATE}Transfer-Encoding: chunked\r\n\r\n` +
      "2\r\nab\r\n3\r\ncde\r\n0\r\n\r\n",
  },
  {
    name: "write() with a declared Content-Length sends the body unframed",
    request: "GET HTTP/1.1",
    respond: async (res) => {
      res.setHeader("Content-Length", 5);
      await res.write("ab");
      res.end("cde");
    },
    wire: `HTTP/1.1 200 OK\r\n${SERVER_DATE}Content-Length: 5\r\n\r\nabcde`,
  },
  {
    name: "write() on HTTP/1.0 without Content-Length ends the body by closing",
    request: "GET HTTP/1.0",
    respond: async (res) => {
      await res.write("ab");
      res.end("c");
    },
    wire: `HTTP/1.0 200 OK\r\n${SERVER_DATE}Connection: close\r\n\r\nabc`,
    keepAliveAfter: false,
  },
  {
    name: "write() on HTTP/1.0 with Content-Length keeps the connection alive",
    request: "GET HTTP/1.0",
    respond: async (res) => {
      res.setHeader("Content-Length", "3");
      await res.write("abc");
      res.end();
    },
    wire: `HTTP/1.0 200 OK\r\n${SERVER_DATE}Content-Length: 3\r\nConnection: keep-alive\r\n\r\nabc`,
  },
  {
    name: "write() on HTTP/1.1 with keep-alive off sends chunks and Connection: close",
    request: "GET HTTP/1.1",
    keepAlive: false,
    respond: async (res) => {
      await res.write("ab");
      res.end();
    },
    wire:
      `HTTP/1.1 200 OK\r\n${SERVER_DATE}Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n` +
      "2\r\nab\r\n0\r\n\r\n",
    keepAliveAfter: false,
  },
  {
    name: "write() answers HEAD with the chunked head and no chunks",
    request: "HEAD HTTP/1.1",
    respond: async (res) => {
      await res.write("abc");
      res.end("d");
    },
    wire: `HTTP/1.1 200 OK\r\n${SERVER_DATE}Transfer-Encoding: chunked\r\n\r\n`,
  },
  {
    name: "write() answers HEAD with the declared Content-Length and no body",
    request: "HEAD HTTP/1.1",
    respond: async (res) => {
      res.setHeader("Content-Length", 10);
      await res.write("abc");
      res.end();
    },
    wire: `HTTP/1.1 200 OK\r\n${SERVER_DATE}Content-Length: 10\r\n\r\n`,
  },
  {
    name: "flushHeaders() sends the head before the body and picks chunked coding",
    request: "GET HTTP/1.1",
    respond: async (res) => {
      await res.flushHeaders();
      res.end("ab");
    },
    wire: `HTTP/1.1 200 OK\r\n${SERVER_DATE}Transfer-Encoding: chunked\r\n\r\n` +
      "2\r\nab\r\n0\r\n\r\n",
  },

  // ── Bodiless statuses (RFC 9110 §6.4.1, §15.3.5, §15.4.5) ─────────────────────────────
  {
    name: "end() sends 204 without body, Content-Length or chunking",
    request: "GET HTTP/1.1",
    respond: (res) => {
      res.status = 204;
      res.setHeader("Content-Length", 5).end("hello");
    },
    wire: `HTTP/1.1 204 No Content\r\n${SERVER_DATE}\r\n`,
  },
  {
    name: "write() sends 204 without body or chunking",
    request: "GET HTTP/1.1",
    respond: async (res) => {
      res.status = 204;
      await res.write("hello");
      res.end();
    },
    wire: `HTTP/1.1 204 No Content\r\n${SERVER_DATE}\r\n`,
  },
  {
    name: "end() sends 304 with the declared Content-Length and no body",
    request: "GET HTTP/1.1",
    respond: (res) => {
      res.status = 304;
      res.setHeader("ETag", '"v1"').setHeader("Content-Length", 1234).end("ignored");
    },
    wire: `HTTP/1.1 304 Not Modified\r\n${SERVER_DATE}ETag: "v1"\r\nContent-Length: 1234\r\n\r\n`,
  },
  {
    name: "end() sends 304 without Content-Length when none was declared",
    request: "GET HTTP/1.1",
    respond: (res) => {
      res.status = 304;
      res.end();
    },
    wire: `HTTP/1.1 304 Not Modified\r\n${SERVER_DATE}\r\n`,
  },
  {
    name: "write() sends 304 with the declared Content-Length and no chunking",
    request: "GET HTTP/1.1",
    respond: async (res) => {
      res.status = 304;
      res.setHeader("Content-Length", 7);
      await res.write("ignored");
      res.end();
    },
    wire: `HTTP/1.1 304 Not Modified\r\n${SERVER_DATE}Content-Length: 7\r\n\r\n`,
  },
  {
    name: "end() sends 204 on HTTP/1.0 keep-alive with Connection: keep-alive",
    request: "GET HTTP/1.0",
    respond: (res) => {
      res.status = 204;
      res.end();
    },
    wire: `HTTP/1.0 204 No Content\r\n${SERVER_DATE}Connection: keep-alive\r\n\r\n`,
  },

  // ── Fields ───────────────────────────────────────────────────────────────────────────
  {
    name: "end() drops a handler's Transfer-Encoding and Connection fields",
    request: "GET HTTP/1.1",
    respond: (res) => {
      res.setHeader("Transfer-Encoding", "gzip, chunked");
      res.setHeader("connection", "keep-alive, Upgrade");
      res.setHeader("X-Kept", "1");
      res.end("ok");
    },
    wire: `HTTP/1.1 200 OK\r\n${SERVER_DATE}X-Kept: 1\r\nContent-Length: 2\r\n\r\nok`,
  },
  {
    name: "write() drops a handler's Transfer-Encoding and Connection fields",
    request: "GET HTTP/1.1",
    keepAlive: false,
    respond: async (res) => {
      res.setHeader("transfer-encoding", "identity");
      res.setHeader("Connection", "keep-alive");
      await res.write("ab");
      res.end();
    },
    wire:
      `HTTP/1.1 200 OK\r\n${SERVER_DATE}Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n` +
      "2\r\nab\r\n0\r\n\r\n",
    keepAliveAfter: false,
  },
  {
    name: "appendHeader() keeps repeated fields in order, as spelled",
    request: "GET HTTP/1.1",
    respond: (res) => {
      res.appendHeader("Set-Cookie", "a=1").appendHeader("set-cookie", "b=2").end();
    },
    wire: `HTTP/1.1 200 OK\r\n${SERVER_DATE}Set-Cookie: a=1\r\nset-cookie: b=2\r\n` +
      "Content-Length: 0\r\n\r\n",
  },
  {
    name: "setHeader() replaces every field of that name, whatever its case",
    request: "GET HTTP/1.1",
    respond: (res) => {
      res.appendHeader("Vary", "Accept").setHeader("X-Other", 1).appendHeader("vary", "Origin");
      res.setHeader("VARY", "*").end();
    },
    wire: `HTTP/1.1 200 OK\r\n${SERVER_DATE}X-Other: 1\r\nVARY: *\r\nContent-Length: 0\r\n\r\n`,
  },
  {
    name: "removeHeader() removes every field of that name, whatever its case",
    request: "GET HTTP/1.1",
    respond: (res) => {
      res.appendHeader("X-A", "1").appendHeader("x-a", "2").setHeader("X-B", 3);
      res.removeHeader("x-A").removeHeader("X-Missing").end();
    },
    wire: `HTTP/1.1 200 OK\r\n${SERVER_DATE}X-B: 3\r\nContent-Length: 0\r\n\r\n`,
  },
  {
    name: "setHeader() sends numbers in decimal and keeps empty values and obs-text",
    request: "GET HTTP/1.1",
    respond: (res) => {
      res.setHeader("X-Count", 42).setHeader("X-Empty", "").setHeader("X-Latin1", "caf\xe9");
      res.end();
    },
    wire: `HTTP/1.1 200 OK\r\n${SERVER_DATE}X-Count: 42\r\nX-Empty: \r\nX-Latin1: caf\xe9\r\n` +
      "Content-Length: 0\r\n\r\n",
  },
  {
    name: "discardHeaders() forgets every field set so far",
    request: "GET HTTP/1.1",
    respond: (res) => {
      res.setHeader("X-A", 1).setHeader("Content-Length", 99).setHeader("ETag", '"x"');
      res.discardHeaders();
      res.end("x");
    },
    wire: `HTTP/1.1 200 OK\r\n${SERVER_DATE}Content-Length: 1\r\n\r\nx`,
  },
  {
    name: "end() names an unknown status Unknown",
    request: "GET HTTP/1.1",
    respond: (res) => {
      res.status = 299;
      res.end();
    },
    wire: `HTTP/1.1 299 Unknown\r\n${SERVER_DATE}Content-Length: 0\r\n\r\n`,
  },

  // ── endWithStatus() ──────────────────────────────────────────────────────────────────
  {
    name: "endWithStatus() sends the status as plain text and drops a declared length",
    request: "GET HTTP/1.1",
    respond: (res) => {
      res.setHeader("Content-Length", 50).setHeader("X-Request-Id", "7");
      endWithStatus(res, 404, false);
    },
    wire: `HTTP/1.1 404 Not Found\r\n${SERVER_DATE}X-Request-Id: 7\r\n` +
      "Content-Type: text/plain; charset=utf-8\r\nContent-Length: 14\r\n\r\n404 Not Found\n",
  },
  {
    name: "endWithStatus() closes the connection when asked",
    request: "GET HTTP/1.1",
    respond: (res) => endWithStatus(res, 500, true),
    wire: `HTTP/1.1 500 Internal Server Error\r\n${SERVER_DATE}` +
      "Content-Type: text/plain; charset=utf-8\r\nContent-Length: 26\r\nConnection: close\r\n\r\n" +
      "500 Internal Server Error\n",
    keepAliveAfter: false,
  },
  {
    name: "endWithStatus() answers HEAD with the text's length and no body",
    request: "HEAD HTTP/1.1",
    respond: (res) => {
      res.setHeader("Content-Length", 999);
      endWithStatus(res, 416, false);
    },
    wire: `HTTP/1.1 416 Range Not Satisfiable\r\n${SERVER_DATE}` +
      "Content-Type: text/plain; charset=utf-8\r\nContent-Length: 26\r\n\r\n",
  },
  {
    name: "endWithStatus() answers HTTP/1.0 and names unknown codes Unknown",
    request: "GET HTTP/1.0",
    keepAlive: false,
    respond: (res) => endWithStatus(res, 599, false),
    wire: `HTTP/1.0 599 Unknown\r\n${SERVER_DATE}` +
      "Content-Type: text/plain; charset=utf-8\r\nContent-Length: 12\r\nConnection: close\r\n\r\n" +
      "599 Unknown\n",
    keepAliveAfter: false,
  },
];

for (const row of WIRE_CASES) {
  Deno.test(`Http1ResponseWriter.${row.name}`, async () => {
    const { res, output } = exchange(row.request, row.keepAlive);
    await row.respond(res);
    assert.equal(wire(output), row.wire);
    assert.equal(res.ended, true);
    assert.equal(res.headersSent, true);
    assert.equal(res.incomplete, false);
    assert.equal(res.keepAlive, row.keepAliveAfter ?? true);
  });
}

Deno.test("Http1ResponseWriter.write() resolves after the connection flushed each piece", async () => {
  const { res, flushes } = exchange("GET HTTP/1.1");
  await res.write("a");
  await res.write("b");
  assert.equal(flushes(), 2);
});

Deno.test("Http1ResponseWriter.end() queues the response without flushing it", () => {
  const { res, output, flushes } = exchange("GET HTTP/1.1");
  res.end("hello");
  assert.equal(flushes(), 0);
  assert.ok(output.size > 0);
});

Deno.test("Http1ResponseWriter.bytesWritten counts body bytes without framing", async () => {
  const cases: [RequestLine, (res: Http1ResponseWriter) => void | Promise<void>, number][] = [
    ["GET HTTP/1.1", (res) => res.end("hello"), 5],
    ["GET HTTP/1.1", async (res) => {
      await res.write("abc");
      res.end("de");
    }, 5],
    ["HEAD HTTP/1.1", (res) => res.end("hello"), 0],
    ["GET HTTP/1.1", (res) => {
      res.status = 204;
      res.end("hello");
    }, 0],
  ];
  for (const [request, respond, expected] of cases) {
    const { res } = exchange(request);
    await respond(res);
    assert.equal(res.bytesWritten, expected);
  }
});

Deno.test("Http1ResponseWriter.incomplete is true only when the body fell short of its Content-Length", async () => {
  const cases: {
    name: string;
    request: RequestLine;
    respond: (res: Http1ResponseWriter) => void | Promise<void>;
    incomplete: boolean;
  }[] = [
    {
      name: "2 of 5 declared bytes",
      request: "GET HTTP/1.1",
      respond: async (res) => {
        res.setHeader("Content-Length", 5);
        await res.write("ab");
        res.end();
      },
      incomplete: true,
    },
    {
      name: "head sent, no body yet",
      request: "GET HTTP/1.1",
      respond: async (res) => {
        res.setHeader("Content-Length", 5);
        await res.flushHeaders();
      },
      incomplete: true,
    },
    {
      name: "all 5 declared bytes",
      request: "GET HTTP/1.1",
      respond: async (res) => {
        res.setHeader("Content-Length", 5);
        await res.write("ab");
        res.end("cde");
      },
      incomplete: false,
    },
    {
      name: "HEAD with a declared length",
      request: "HEAD HTTP/1.1",
      respond: async (res) => {
        res.setHeader("Content-Length", 5);
        await res.write("ab");
        res.end();
      },
      incomplete: false,
    },
    {
      name: "chunked",
      request: "GET HTTP/1.1",
      respond: async (res) => {
        await res.write("ab");
        res.end();
      },
      incomplete: false,
    },
    {
      name: "304 with a declared length",
      request: "GET HTTP/1.1",
      respond: (res) => {
        res.status = 304;
        res.setHeader("Content-Length", 5);
        res.end();
      },
      incomplete: false,
    },
  ];
  for (const { name, request, respond, incomplete } of cases) {
    const { res } = exchange(request);
    await respond(res);
    assert.equal(res.incomplete, incomplete, name);
  }
});

Deno.test("Http1ResponseWriter.write() rejects a body longer than the declared Content-Length", async () => {
  const { res, output } = exchange("GET HTTP/1.1");
  res.setHeader("Content-Length", 3);
  await res.write("ab");
  await assert.rejects(res.write("cd"), /exceeds its Content-Length/);
  assert.throws(() => res.end("cd"), /exceeds its Content-Length/);
  // Nothing of the refused pieces reached the output.
  assert.equal(wire(output), `HTTP/1.1 200 OK\r\n${SERVER_DATE}Content-Length: 3\r\n\r\nab`);
  assert.equal(res.bytesWritten, 2);
  assert.equal(res.incomplete, true);
});

Deno.test("Http1ResponseWriter.write() rejects a first piece longer than the declared Content-Length", async () => {
  const { res, output } = exchange("GET HTTP/1.1");
  res.setHeader("Content-Length", 3);
  await assert.rejects(res.write("abcd"), /exceeds its Content-Length/);
  assert.equal(wire(output), `HTTP/1.1 200 OK\r\n${SERVER_DATE}Content-Length: 3\r\n\r\n`);
});

Deno.test("Http1ResponseWriter.getHeader() finds the first value whatever the case", () => {
  const { res } = exchange("GET HTTP/1.1");
  res.appendHeader("Set-Cookie", "a=1").appendHeader("set-cookie", "b=2").setHeader("X-N", 7);
  const cases: [string, string | undefined][] = [
    ["Set-Cookie", "a=1"],
    ["SET-COOKIE", "a=1"],
    ["x-n", "7"],
    ["X-Missing", undefined],
    ["Set-Cookie2", undefined],
  ];
  for (const [name, value] of cases) assert.equal(res.getHeader(name), value, name);
  res.removeHeader("set-COOKIE");
  assert.equal(res.getHeader("Set-Cookie"), undefined);
});

/** Ways to get the head out; each leaves headersSent true. */
const SEND_HEAD: [string, (res: Http1ResponseWriter) => void | Promise<void>][] = [
  ["end()", (res) => res.end()],
  ["write()", (res) => res.write("a")],
  ["flushHeaders()", (res) => res.flushHeaders()],
];

Deno.test("Http1ResponseWriter header methods throw once the head is sent, getHeader() still reads", async () => {
  for (const [how, sendHead] of SEND_HEAD) {
    const { res, output } = exchange("GET HTTP/1.1");
    res.setHeader("X-A", "1");
    await sendHead(res);
    const queued = output.size;
    assert.equal(res.headersSent, true, how);
    assert.throws(() => res.setHeader("X-B", "2"), /already sent/, how);
    assert.throws(() => res.appendHeader("X-B", "2"), /already sent/, how);
    assert.throws(() => res.removeHeader("X-A"), /already sent/, how);
    assert.throws(() => res.discardHeaders(), /already sent/, how);
    assert.equal(res.getHeader("x-a"), "1", how);
    res.closeAfterResponse();
    assert.equal(res.keepAlive, true, `${how}: the head already promised keep-alive`);
    assert.equal(output.size, queued, how);
  }
});

Deno.test("Http1ResponseWriter.end() throws when called twice and queues nothing more", () => {
  const { res, output } = exchange("GET HTTP/1.1");
  res.end("a");
  const queued = output.size;
  assert.throws(() => res.end("b"), /called twice/);
  assert.throws(() => res.end(), /called twice/);
  assert.equal(output.size, queued);
});

Deno.test("Http1ResponseWriter.write() after end() rejects and queues nothing", async () => {
  for (const request of ["GET HTTP/1.1", "GET HTTP/1.0"] as const) {
    const { res, output } = exchange(request);
    await res.write("a");
    res.end();
    const queued = output.size;
    await assert.rejects(res.write("b"), /after end/);
    await assert.rejects(res.write(""), /after end/);
    assert.equal(output.size, queued, request);
  }
});

/** Fields a handler may set by mistake; each must be refused before any byte is queued. */
const BAD_FIELDS: { name: string; value: string }[] = [
  { name: "X-Evil", value: "a\r\nSet-Cookie: x=1" },
  { name: "X-Evil", value: "a\nb" },
  { name: "X-Evil", value: "a\rb" },
  { name: "X-Nul", value: "a\x00b" },
  { name: "X-Del", value: "\x7f" },
  { name: "X-Euro", value: "5 €" },
  { name: "Bad Name", value: "x" },
  { name: "Bad:Name", value: "x" },
  { name: "X-Evil\r\nInjected", value: "x" },
  { name: "", value: "x" },
  { name: "\xdcber", value: "x" },
  { name: "X-名前", value: "x" },
  { name: "Content-Length", value: "12abc" },
  { name: "Content-Length", value: "-1" },
];

for (const [how, sendHead] of SEND_HEAD) {
  Deno.test(`Http1ResponseWriter.${how} refuses a bad field and leaves the output untouched`, async () => {
    for (const { name, value } of BAD_FIELDS) {
      const label = JSON.stringify([name, value]);
      const { res, output } = exchange("GET HTTP/1.1");
      res.setHeader("X-Good", "1").appendHeader(name, value);
      await assert.rejects(async () => await sendHead(res), TypeError, label);
      assert.equal(output.size, 0, label);
      assert.equal(res.headersSent, false, label);
      assert.equal(res.ended, false, label);
      // The connection's way out: forget the handler's fields and answer 500.
      res.discardHeaders();
      endWithStatus(res, 500, true);
      assert.equal(
        wire(output),
        `HTTP/1.1 500 Internal Server Error\r\n${SERVER_DATE}` +
          "Content-Type: text/plain; charset=utf-8\r\nContent-Length: 26\r\nConnection: close\r\n" +
          "\r\n500 Internal Server Error\n",
        label,
      );
    }
  });
}

Deno.test("Http1ResponseWriter.end() refuses a status outside 100-999 and leaves the output untouched", () => {
  for (const status of [0, 99, 1000, -200, 200.5, NaN]) {
    const { res, output } = exchange("GET HTTP/1.1");
    res.status = status;
    assert.throws(() => res.end("x"), RangeError, String(status));
    assert.equal(output.size, 0, String(status));
    assert.equal(res.headersSent, false, String(status));
  }
});

Deno.test("Http1ResponseWriter sends one Content-Length: equal repeats merge, differing ones throw", async () => {
  const same = exchange("GET HTTP/1.1");
  same.res.appendHeader("Content-Length", 5).appendHeader("content-length", "5");
  await same.res.write("hello");
  same.res.end();
  assert.equal(
    wire(same.output),
    `HTTP/1.1 200 OK\r\n${SERVER_DATE}Content-Length: 5\r\n\r\nhello`,
  );

  const differing = exchange("GET HTTP/1.1");
  differing.res.appendHeader("Content-Length", 5).appendHeader("Content-Length", 10);
  await assert.rejects(() => differing.res.write("hello"), TypeError);
  assert.equal(differing.output.size, 0);
});

Deno.test("Http1ResponseWriter keeps an HTTP/1.0 keep-alive when its streamed head was refused", async () => {
  const { res, output } = exchange("GET HTTP/1.0");
  res.setHeader("X-Bad", "a\r\nb");
  await assert.rejects(() => res.write("x"), TypeError);
  res.discardHeaders();
  res.end("ok");
  assert.match(wire(output), /Connection: keep-alive\r\n\r\nok$/);
});
