/**
 * BodyReader over a scripted connection buffer: what the handler reads, when the reader waits
 * for the network (and asks for 100-continue first), and the status of each failure.
 */
import assert from "node:assert/strict";
import { type BodyFraming, BodyReader, type BufferedSource } from "../../lib/server/body.ts";
import { HttpError } from "../../lib/http/errors.ts";

/** The request head in front of every body: the reader must never touch these bytes. */
const HEAD = "POST /upload HTTP/1.1\r\n\r\n";

/**
 * A connection's read buffer whose reads deliver `arrivals` one by one, each cut to the room
 * left in the buffer as a socket read would be. A full buffer is compacted down to `floor`
 * first, as the connection does. Records "wait" for beforeFirstWait() and "fill" per read.
 */
class ScriptedSource implements BufferedSource {
  buffer: Uint8Array;
  position: number;
  end: number;
  readonly events: string[] = [];
  readonly #arrivals: Uint8Array[];

  constructor(buffered: string, arrivals: readonly string[], bufferBytes: number) {
    this.buffer = new Uint8Array(bufferBytes);
    const initial = latin1(HEAD + buffered);
    this.buffer.set(initial);
    this.position = HEAD.length;
    this.end = initial.length;
    this.#arrivals = arrivals.map(latin1);
  }

  fill(floor: number): Promise<boolean> {
    this.events.push("fill");
    if (this.end === this.buffer.length) {
      this.buffer.copyWithin(floor, this.position, this.end);
      this.end -= this.position - floor;
      this.position = floor;
    }
    const next = this.#arrivals[0];
    if (next === undefined) return Promise.resolve(false);
    const room = this.buffer.length - this.end;
    assert.ok(room > 0, "fill() with no room left in the buffer");
    const piece = next.subarray(0, room);
    this.buffer.set(piece, this.end);
    this.end += piece.length;
    if (piece.length === next.length) this.#arrivals.shift();
    else this.#arrivals[0] = next.subarray(room);
    return Promise.resolve(true);
  }

  beforeFirstWait(): Promise<void> {
    this.events.push("wait");
    return Promise.resolve();
  }

  /** The head, which must survive every compaction. */
  get head(): string {
    return text(this.buffer.subarray(0, HEAD.length));
  }

  /** The bytes left after the body: the next pipelined request. */
  get rest(): string {
    return text(this.buffer.subarray(this.position, this.end));
  }
}

function latin1(value: string): Uint8Array {
  return Uint8Array.from(value, (char) => char.charCodeAt(0));
}

function text(bytes: Uint8Array): string {
  let result = "";
  for (const byte of bytes) result += String.fromCharCode(byte);
  return result;
}

type Framing = "none" | "chunked" | { length: number };

function framingOf(framing: Framing): BodyFraming {
  if (typeof framing === "object") {
    return { kind: "length", contentLength: framing.length, start: HEAD.length };
  }
  return { kind: framing, contentLength: 0, start: HEAD.length };
}

/** `length` letters, so a misplaced byte shows in the body text. */
function letters(length: number): string {
  let result = "";
  for (let i = 0; i < length; i++) result += String.fromCharCode(0x61 + i % 26);
  return result;
}

/** `data` as one chunk of chunked coding. */
function chunk(data: string): string {
  return `${data.length.toString(16)}\r\n${data}\r\n`;
}

const DEFAULT_BUFFER_BYTES = 128;
const NO_LIMIT = { maxBodyBytes: 1 << 20 };

interface ReadCase {
  name: string;
  framing: Framing;
  /** Body bytes that arrived together with the head. */
  buffered: string;
  /** What each later socket read delivers. */
  arrivals: string[];
  bufferBytes?: number;
  body: string;
  /** Bytes after the body, left for the next request. */
  rest?: string;
  /** "wait" for beforeFirstWait(), "fill" for each read from the socket. */
  events: string[];
}

const PIPELINED = "GET /next HTTP/1.1\r\n\r\n";
const CHUNKED_BODY = "3;name=value\r\nabc\r\n" + chunk("de") + "0\r\nX-Trailer: t\r\n\r\n";
const LONG_BODY = letters(100);
const LONG_CHUNKED = chunk(letters(20)) + chunk(letters(20)) + chunk(letters(20)) + "0\r\n\r\n";

const READ_CASES: ReadCase[] = [
  {
    name: "reads nothing and never waits for a request without a body",
    framing: "none",
    buffered: PIPELINED,
    arrivals: [],
    body: "",
    rest: PIPELINED,
    events: [],
  },
  {
    name: "reads nothing and never waits for Content-Length: 0",
    framing: { length: 0 },
    buffered: "",
    arrivals: ["never read"],
    body: "",
    events: [],
  },
  {
    name: "reads a Content-Length body buffered with the head without waiting",
    framing: { length: 5 },
    buffered: "hello",
    arrivals: [],
    body: "hello",
    events: [],
  },
  {
    name: "leaves a pipelined request after a Content-Length body alone",
    framing: { length: 5 },
    buffered: `hello${PIPELINED}`,
    arrivals: [],
    body: "hello",
    rest: PIPELINED,
    events: [],
  },
  {
    name: "reads a Content-Length body arriving in pieces, asking for it once",
    framing: { length: 5 },
    buffered: "",
    arrivals: ["he", "l", "lo"],
    body: "hello",
    events: ["wait", "fill", "fill", "fill"],
  },
  {
    name: "waits only for the part of a Content-Length body not yet buffered",
    framing: { length: 5 },
    buffered: "he",
    arrivals: ["llo"],
    body: "hello",
    events: ["wait", "fill"],
  },
  {
    name: "stops a Content-Length body at its length when the next request follows",
    framing: { length: 5 },
    buffered: "",
    arrivals: ["hel", `lo${PIPELINED}`],
    body: "hello",
    rest: PIPELINED,
    events: ["wait", "fill", "fill"],
  },
  {
    name: "reads a Content-Length body larger than the buffer, keeping the head",
    framing: { length: LONG_BODY.length },
    buffered: "",
    arrivals: [LONG_BODY],
    // 48 bytes minus the 25 of the head: 23 per read.
    bufferBytes: 48,
    body: LONG_BODY,
    events: ["wait", "fill", "fill", "fill", "fill", "fill"],
  },
  {
    name: "reads a chunked body buffered with the head without waiting",
    framing: "chunked",
    buffered: CHUNKED_BODY,
    arrivals: [],
    body: "abcde",
    events: [],
  },
  {
    name: "leaves a pipelined request after a chunked body alone",
    framing: "chunked",
    buffered: chunk("a") + "0\r\n\r\n" + PIPELINED,
    arrivals: [],
    body: "a",
    rest: PIPELINED,
    events: [],
  },
  {
    name: "reads a chunked body arriving one byte at a time, asking for it once",
    framing: "chunked",
    buffered: "",
    arrivals: [...CHUNKED_BODY],
    // Room for 15 bytes after the head: the buffer is compacted twice on the way.
    bufferBytes: 40,
    body: "abcde",
    events: ["wait", ...[...CHUNKED_BODY].map(() => "fill")],
  },
  {
    name: "waits only for the part of a chunked body not yet buffered",
    framing: "chunked",
    buffered: "5\r\nhel",
    arrivals: ["lo\r\n0\r\n\r\n"],
    body: "hello",
    events: ["wait", "fill"],
  },
  {
    name: "reads a chunked body larger than the buffer, keeping the head",
    framing: "chunked",
    buffered: "",
    arrivals: [LONG_CHUNKED + PIPELINED],
    bufferBytes: 48,
    body: letters(20).repeat(3),
    // 83 bytes of body at 23 per read: the fourth read also brings 9 bytes of the next request.
    rest: "GET /next",
    events: ["wait", "fill", "fill", "fill", "fill"],
  },
];

for (const row of READ_CASES) {
  Deno.test(`BodyReader.read() ${row.name}`, async () => {
    const source = new ScriptedSource(
      row.buffered,
      row.arrivals,
      row.bufferBytes ?? DEFAULT_BUFFER_BYTES,
    );
    const reader = new BodyReader(source, framingOf(row.framing), NO_LIMIT);
    const length = typeof row.framing === "object" ? row.framing.length : 0;
    assert.equal(reader.knownRemaining, length);
    assert.equal(reader.bytesRead, 0);

    let body = "";
    for (;;) {
      const piece = await reader.read();
      if (piece === null) break;
      body += text(piece);
      assert.equal(reader.bytesRead, body.length);
      assert.equal(reader.knownRemaining, length - Math.min(length, body.length));
    }
    assert.equal(body, row.body);
    assert.equal(reader.done, true);
    assert.equal(reader.bytesRead, row.body.length);
    assert.equal(reader.knownRemaining, 0);
    assert.deepEqual(source.events, row.events);
    assert.equal(source.head, HEAD);
    assert.equal(source.rest, row.rest ?? "");

    // Once done, read() keeps answering null without touching the socket.
    assert.equal(await reader.read(), null);
    assert.deepEqual(source.events, row.events);
  });
}

Deno.test("BodyReader.read() gives the same body however the bytes are split", async () => {
  const cases: [Framing, string, string][] = [
    [{ length: 11 }, "hello world", "hello world"],
    ["chunked", CHUNKED_BODY, "abcde"],
  ];
  for (const [framing, wire, body] of cases) {
    const input = wire + PIPELINED;
    for (let buffered = 0; buffered <= wire.length; buffered++) {
      for (let cut = buffered; cut <= input.length; cut++) {
        const label = `${JSON.stringify(wire)} buffered ${buffered}, cut at ${cut}`;
        const arrivals = [input.slice(buffered, cut), input.slice(cut)].filter((a) => a !== "");
        // 80 bytes hold the head and any buffered part; a long first read of the chunked
        // input fills them, so the next read compacts the buffer.
        const source = new ScriptedSource(input.slice(0, buffered), arrivals, 80);
        const reader = new BodyReader(source, framingOf(framing), NO_LIMIT);
        let read = "";
        for (let piece = await reader.read(); piece !== null; piece = await reader.read()) {
          read += text(piece);
        }
        assert.equal(read, body, label);
        assert.equal(source.head, HEAD, label);
        assert.ok(PIPELINED.startsWith(source.rest), label);
        assert.ok(source.events.filter((event) => event === "wait").length <= 1, label);
        assert.equal(source.events[0] === "wait", source.events.length > 0, label);
      }
    }
  }
});

Deno.test("BodyReader.done turns true with the last byte of a Content-Length body", async () => {
  const source = new ScriptedSource("", ["he", "llo"], DEFAULT_BUFFER_BYTES);
  const reader = new BodyReader(source, framingOf({ length: 5 }), NO_LIMIT);
  const progress: [string, number, number, boolean][] = [];
  for (let piece = await reader.read(); piece !== null; piece = await reader.read()) {
    progress.push([text(piece), reader.bytesRead, reader.knownRemaining, reader.done]);
  }
  assert.deepEqual(progress, [
    ["he", 2, 3, false],
    ["llo", 5, 0, true],
  ]);
});

Deno.test("BodyReader.knownRemaining stays 0 for a chunked body while bytesRead counts", async () => {
  const source = new ScriptedSource(
    chunk("abc") + chunk("de"),
    ["0\r\n\r\n"],
    DEFAULT_BUFFER_BYTES,
  );
  const reader = new BodyReader(source, framingOf("chunked"), NO_LIMIT);
  const progress: [string, number, number][] = [];
  for (let piece = await reader.read(); piece !== null; piece = await reader.read()) {
    progress.push([text(piece), reader.bytesRead, reader.knownRemaining]);
  }
  assert.deepEqual(progress, [["abc", 3, 0], ["de", 5, 0]]);
  assert.equal(reader.done, true);
});

Deno.test("BodyReader() refuses a Content-Length over the limit with 413 before reading", () => {
  const cases: [length: number, limit: number, refused: boolean][] = [
    [5, 4, true],
    [5, 5, false],
    [0, 0, false],
    [1, 0, true],
    [2 ** 40, 2 ** 20, true],
  ];
  for (const [length, limit, refused] of cases) {
    const source = new ScriptedSource("", [], DEFAULT_BUFFER_BYTES);
    const create = () => new BodyReader(source, framingOf({ length }), { maxBodyBytes: limit });
    if (refused) {
      assert.throws(create, isHttpError(413), `${length} > ${limit}`);
    } else {
      create();
    }
    assert.deepEqual(source.events, [], "nothing was read or announced");
  }
});

interface FailureCase {
  name: string;
  framing: Framing;
  maxBodyBytes?: number;
  buffered: string;
  arrivals: string[];
  /** What read() handed out before it failed. */
  bodyBefore: string;
  status: number;
  events: string[];
}

const FAILURE_CASES: FailureCase[] = [
  {
    name: "fails with 400 when the stream ends before any of a Content-Length body",
    framing: { length: 5 },
    buffered: "",
    arrivals: [],
    bodyBefore: "",
    status: 400,
    events: ["wait", "fill"],
  },
  {
    name: "fails with 400 when the stream ends inside a Content-Length body",
    framing: { length: 5 },
    buffered: "he",
    arrivals: ["l"],
    bodyBefore: "hel",
    status: 400,
    events: ["wait", "fill", "fill"],
  },
  {
    name: "fails with 400 when the stream ends inside chunk data",
    framing: "chunked",
    buffered: "5\r\nhel",
    arrivals: [],
    bodyBefore: "hel",
    status: 400,
    events: ["wait", "fill"],
  },
  {
    name: "fails with 400 when the stream ends before the last chunk",
    framing: "chunked",
    buffered: chunk("abc"),
    arrivals: ["0\r\n"],
    bodyBefore: "abc",
    status: 400,
    events: ["wait", "fill", "fill"],
  },
  {
    name: "fails with 400 on bad chunked syntax without waiting",
    framing: "chunked",
    buffered: "zz\r\n",
    arrivals: [],
    bodyBefore: "",
    status: 400,
    events: [],
  },
  {
    name: "fails with 413 on a chunk over the limit before its data arrives",
    framing: "chunked",
    maxBodyBytes: 4,
    buffered: "5\r\n",
    arrivals: ["hello\r\n0\r\n\r\n"],
    bodyBefore: "",
    status: 413,
    events: [],
  },
  {
    name: "fails with 413 when chunks add up to more than the limit",
    framing: "chunked",
    maxBodyBytes: 5,
    buffered: chunk("abc"),
    arrivals: [chunk("def")],
    bodyBefore: "abc",
    status: 413,
    events: ["wait", "fill"],
  },
];

for (const row of FAILURE_CASES) {
  Deno.test(`BodyReader.read() ${row.name}`, async () => {
    const source = new ScriptedSource(row.buffered, row.arrivals, DEFAULT_BUFFER_BYTES);
    const limits = { maxBodyBytes: row.maxBodyBytes ?? NO_LIMIT.maxBodyBytes };
    const reader = new BodyReader(source, framingOf(row.framing), limits);
    let body = "";
    await assert.rejects(async () => {
      for (;;) {
        const piece = await reader.read();
        assert.ok(piece !== null, "the body must not end normally");
        body += text(piece);
      }
    }, isHttpError(row.status));
    assert.equal(body, row.bodyBefore);
    assert.equal(reader.bytesRead, row.bodyBefore.length);
    assert.equal(reader.done, false);
    assert.deepEqual(source.events, row.events);
  });
}

Deno.test("BodyReader.read() waits for beforeFirstWait() to settle before reading", async () => {
  const events: string[] = [];
  const source = new ScriptedSource("", ["hel", "lo"], DEFAULT_BUFFER_BYTES);
  source.beforeFirstWait = async () => {
    events.push("100-continue queued");
    await Promise.resolve();
    await Promise.resolve();
    events.push("100-continue sent");
  };
  const fill = source.fill.bind(source);
  source.fill = (floor) => {
    events.push("read");
    return fill(floor);
  };
  const reader = new BodyReader(source, framingOf({ length: 5 }), NO_LIMIT);
  assert.equal(text((await reader.read())!), "hel");
  assert.equal(text((await reader.read())!), "lo");
  assert.deepEqual(events, ["100-continue queued", "100-continue sent", "read", "read"]);
});

/** A predicate for assert.throws/rejects: an HttpError with `status` that closes. */
function isHttpError(status: number): (error: unknown) => boolean {
  return (error) => {
    assert.ok(error instanceof HttpError, `expected HttpError, got ${error}`);
    assert.equal(error.status, status);
    assert.equal(error.closeConnection, true);
    return true;
  };
}
