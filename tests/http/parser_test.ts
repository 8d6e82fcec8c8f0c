import assert from "node:assert/strict";
import { concat } from "../../lib/http/bytes.ts";
import { HttpError } from "../../lib/http/errors.ts";
import {
  DEFAULT_PARSER_LIMITS,
  HeadParser,
  MAX_HEADER_BYTES,
  MAX_HEADER_COUNT,
  MAX_REQUEST_LINE_BYTES,
  type ParserLimits,
  type RequestHead,
} from "../../lib/http/parser.ts";
import { type Expected, latin1Bytes, loadRequestFixtures } from "./request_fixtures.ts";

/** What a call to parse() did, with head positions relative to where parsing started. */
type Outcome =
  | {
    kind: "head";
    start: number;
    end: number;
    method: string;
    target: string;
    versionMinor: 0 | 1;
    targetForm: string;
    headers: [string, string][];
    bodyKind: string;
    contentLength: number;
    keepAlive: boolean;
    expectContinue: boolean;
  }
  | { kind: "need-more" }
  | { kind: "error"; status: number; message: string; closeConnection: boolean };

/** Parses buf[start, end) and records the outcome; anything but a head, null or HttpError fails. */
function observe(
  parser: HeadParser,
  buf: Uint8Array,
  start: number,
  end: number,
): Outcome {
  let head: RequestHead | null;
  try {
    head = parser.parse(buf, start, end);
  } catch (error) {
    if (!(error instanceof HttpError)) throw error;
    return {
      kind: "error",
      status: error.status,
      message: error.message,
      closeConnection: error.closeConnection,
    };
  }
  if (head === null) return { kind: "need-more" };
  assert.equal(head.buffer, buf, "the head views the buffer it was parsed from");
  return {
    kind: "head",
    start: head.start - start,
    end: head.end - start,
    method: head.method,
    target: head.target,
    versionMinor: head.versionMinor,
    targetForm: head.targetForm,
    headers: [...head.headers.entries()],
    bodyKind: head.bodyKind,
    contentLength: head.contentLength,
    keepAlive: head.keepAlive,
    expectContinue: head.expectContinue,
  };
}

function assertExpected(outcome: Outcome, expected: Expected, length: number): void {
  if (expected.kind === "need-more") {
    assert.deepEqual(outcome, { kind: "need-more" });
  } else if (expected.kind === "error") {
    assert.equal(outcome.kind, "error", `expected ${expected.status}, got ${outcome.kind}`);
    assert.equal(outcome.status, expected.status, outcome.message);
    assert.equal(outcome.closeConnection, true, "a bad head leaves the stream unframed");
  } else {
    const want = expected.head;
    assert.equal(outcome.kind, "head", outcome.kind === "error" ? outcome.message : undefined);
    assert.deepEqual(
      {
        method: outcome.method,
        target: outcome.target,
        versionMinor: outcome.versionMinor,
        targetForm: outcome.targetForm,
        headers: want.headers === null ? outcome.headers.length : outcome.headers,
        bodyKind: outcome.bodyKind,
        contentLength: outcome.contentLength,
        keepAlive: outcome.keepAlive,
        expectContinue: outcome.expectContinue,
        start: outcome.start,
        end: outcome.end,
      },
      {
        method: want.method,
        target: want.target,
        versionMinor: want.versionMinor,
        targetForm: want.targetForm,
        headers: want.headers ?? want.headerCount,
        bodyKind: want.bodyKind,
        contentLength: want.contentLength,
        keepAlive: want.keepAlive,
        expectContinue: want.expectContinue,
        start: want.start,
        end: length,
      },
    );
  }
}

/** Bytes placed before `start`: parsed, they would be an error. */
const LEADING_JUNK = latin1Bytes("\n\u0000junk\r\n");
/** Bytes placed after `end` where no next request is wanted: read, they would end a head. */
const TRAILING_JUNK = latin1Bytes("\r\n\r\n\r\n");
/** A request after the fixture; small enough for every fixture's limits. */
const NEXT_REQUEST = latin1Bytes("PUT / HTTP/1.0\r\n\r\n");

for (const fixture of loadRequestFixtures()) {
  const { raw, limits, expected } = fixture;
  const n = raw.length;
  Deno.test(`HeadParser.parse() [${fixture.group}] ${fixture.name}`, async (t) => {
    const whole = observe(new HeadParser(limits), raw, 0, n);
    assertExpected(whole, expected, n);

    await t.step("gives the same outcome split in two at every offset", () => {
      for (let k = 0; k < n; k++) {
        const parser = new HeadParser(limits);
        const first = observe(parser, raw, 0, k);
        if (first.kind !== "need-more") {
          assert.deepEqual(first, whole, `after the first ${k} bytes`);
          continue;
        }
        assert.deepEqual(observe(parser, raw, 0, n), whole, `split at ${k}`);
      }
    });

    await t.step("gives the same outcome when the bytes move to another buffer", () => {
      const moved = concat([LEADING_JUNK, raw, TRAILING_JUNK]);
      const start = LEADING_JUNK.length;
      for (let k = 0; k < n; k++) {
        const parser = new HeadParser(limits);
        if (observe(parser, raw, 0, k).kind !== "need-more") continue;
        assert.deepEqual(observe(parser, moved, start, start + n), whole, `moved at ${k}`);
      }
    });

    await t.step("gives the same outcome fed one byte at a time", () => {
      const parser = new HeadParser(limits);
      let outcome: Outcome = observe(parser, raw, 0, 0);
      for (let end = 1; end <= n && outcome.kind === "need-more"; end++) {
        outcome = observe(parser, raw, 0, end);
        if (end < n && outcome.kind === "head") assert.fail(`a head after ${end} of ${n} bytes`);
      }
      assert.deepEqual(outcome, whole);
    });

    if (expected.kind === "need-more") return;
    await t.step("gives the same outcome after other bytes, with a request after it", () => {
      const start = LEADING_JUNK.length;
      const bytes = concat([LEADING_JUNK, raw, NEXT_REQUEST]);
      const parser = new HeadParser(limits);
      assert.deepEqual(observe(parser, bytes, start, bytes.length), whole);
      if (whole.kind !== "head") return;
      const next = observe(parser, bytes, start + n, bytes.length);
      assert.equal(next.kind, "head");
      assert.deepEqual([next.method, next.end], ["PUT", NEXT_REQUEST.length]);
    });
  });
}

/** The status parsing `text` ends in: 0 for a head, or the HttpError status. */
function statusOf(text: string): number {
  const bytes = latin1Bytes(text);
  try {
    const head = new HeadParser().parse(bytes, 0, bytes.length);
    assert.ok(head !== null, "a complete head");
    return 0;
  } catch (error) {
    if (error instanceof HttpError) return error.status;
    throw error;
  }
}

const BYTE_VALUES = Array.from({ length: 256 }, (_, byte) => byte);
const isTchar = (byte: number) => /[!#$%&'*+\-.^_`|~0-9A-Za-z]/.test(String.fromCharCode(byte));

Deno.test("HeadParser.parse() accepts exactly VCHAR in the target, every byte checked", () => {
  for (const byte of BYTE_VALUES) {
    const valid = byte >= 0x21 && byte <= 0x7e;
    const text = `GET /a${String.fromCharCode(byte)}b HTTP/1.1\r\nHost: a\r\n\r\n`;
    assert.equal(statusOf(text), valid ? 0 : 400, `byte 0x${byte.toString(16)}`);
  }
});

Deno.test("HeadParser.parse() accepts exactly tchar in a field name, every byte checked", () => {
  for (const byte of BYTE_VALUES) {
    if (byte === 0x3a) continue; // a colon just ends the name earlier
    const text = `GET / HTTP/1.1\r\nHost: a\r\nX${String.fromCharCode(byte)}Y: v\r\n\r\n`;
    assert.equal(statusOf(text), isTchar(byte) ? 0 : 400, `byte 0x${byte.toString(16)}`);
  }
});

Deno.test("HeadParser.parse() accepts exactly field-vchar, SP and HTAB in a value, at every position", () => {
  for (const byte of BYTE_VALUES) {
    const valid = byte === 0x09 || (byte >= 0x20 && byte !== 0x7f);
    // Values of several lengths put the byte at each position of a 4-byte word.
    for (let at = 0; at < 9; at++) {
      const value = "v".repeat(at) + String.fromCharCode(byte) + "v".repeat(9 - at);
      const text = `GET / HTTP/1.1\r\nHost: a\r\nX: ${value}\r\n\r\n`;
      assert.equal(statusOf(text), valid ? 0 : 400, `byte 0x${byte.toString(16)} at ${at}`);
    }
  }
});

Deno.test("HeadParser.parse() reads each byte a bounded number of times when fed byte by byte", () => {
  const raw = latin1Bytes(
    "GET /" + "p".repeat(500) + " HTTP/1.1\r\nHost: example.com\r\n" +
      "X-Long: " + "v ".repeat(1000) + "\r\n" + "X-Many: 1\r\n".repeat(50) + "\r\n",
  );
  let reads = 0;
  const counting = new Proxy(raw, {
    get(target, key) {
      if (typeof key === "string" && /^\d+$/.test(key)) reads++;
      const value = Reflect.get(target, key, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  const parser = new HeadParser();
  let head: RequestHead | null = null;
  for (let end = 1; end <= raw.length && head === null; end++) {
    head = parser.parse(counting, 0, end);
  }
  assert.notEqual(head, null);
  // Each byte is scanned once; trimming and the Host check look at a few bytes again.
  assert.ok(reads < raw.length * 2, `${reads} reads for ${raw.length} bytes`);
});

Deno.test("HeadParser.parse() keeps earlier heads valid while it parses later ones", () => {
  const count = 300;
  let text = "";
  for (let i = 0; i < count; i++) {
    text += `GET /${i} HTTP/1.1\r\nHost: h${i}\r\n` + `X-${i}: ${i}\r\n`.repeat(i % 7) + "\r\n";
  }
  const bytes = latin1Bytes(text);
  const parser = new HeadParser();
  const heads: RequestHead[] = [];
  for (let at = 0; at < bytes.length;) {
    const head = parser.parse(bytes, at, bytes.length);
    assert.ok(head !== null);
    heads.push(head);
    at = head.end;
  }
  assert.equal(heads.length, count);
  heads.forEach((head, i) => {
    assert.equal(head.target, `/${i}`);
    assert.equal(head.headers.get("host"), `h${i}`);
    assert.equal(head.headers.count, 1 + (i % 7));
    assert.equal(head.headers.get(`x-${i}`), i % 7 === 0 ? null : Array(i % 7).fill(i).join(", "));
  });
});

Deno.test("HeadParser.parse() points end at the body and parses the request after it", () => {
  const bytes = latin1Bytes(
    "POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello" +
      "GET /after HTTP/1.1\r\nHost: a\r\n\r\n",
  );
  const parser = new HeadParser();
  const post = parser.parse(bytes, 0, bytes.length);
  assert.ok(post !== null);
  assert.equal(new TextDecoder().decode(bytes.subarray(post.end, post.end + 5)), "hello");
  const get = parser.parse(bytes, post.end + post.contentLength, bytes.length);
  assert.ok(get !== null);
  assert.equal(get.target, "/after");
  assert.equal(get.end, bytes.length);
});

Deno.test("HeadParser.parse() starts afresh after an error", () => {
  const parser = new HeadParser();
  const bad = latin1Bytes("GET / HTTP/1.1\r\nHost: a\r\nX\u0000: y");
  assert.throws(() => parser.parse(bad, 0, bad.length), HttpError);
  const good = latin1Bytes("GET /ok HTTP/1.1\r\nHost: a\r\n\r\n");
  assert.equal(parser.parse(good, 0, good.length)?.target, "/ok");
});

Deno.test("HeadParser.reset() drops a partly parsed head", () => {
  const parser = new HeadParser();
  const partial = latin1Bytes("POST /half HTTP/1.1\r\nContent-Length: 9\r\n");
  assert.equal(parser.parse(partial, 0, partial.length), null);
  parser.reset();
  const fresh = latin1Bytes("GET /fresh HTTP/1.1\r\nHost: a\r\n\r\n");
  const head = parser.parse(fresh, 0, fresh.length);
  assert.equal(head?.target, "/fresh");
  assert.equal(head?.bodyKind, "none");
});

Deno.test("HeadParser.parse() refuses a range shorter than what it already scanned", () => {
  const parser = new HeadParser();
  const bytes = latin1Bytes("GET / HTTP/1.1\r\n");
  assert.equal(parser.parse(bytes, 0, bytes.length), null);
  assert.throws(() => parser.parse(bytes, 0, 3), RangeError);
  assert.throws(() => new HeadParser().parse(bytes, 0, bytes.length + 1), RangeError);
});

Deno.test("HeadParser.parse() returns common methods and targets by value", () => {
  for (const method of ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "TRACE", "QUERY"]) {
    const bytes = latin1Bytes(`${method} / HTTP/1.1\r\nHost: a\r\n\r\n`);
    const head = new HeadParser().parse(bytes, 0, bytes.length);
    assert.equal(head?.method, method);
    assert.equal(head?.method, head?.method, "cached");
    assert.equal(head?.target, "/");
  }
});

Deno.test("new HeadParser() rejects limits that are not positive integers", () => {
  const bad: Partial<ParserLimits>[] = [
    { maxRequestLineBytes: 0 },
    { maxHeaderBytes: -1 },
    { maxHeaderCount: 1.5 },
    { maxHeaderCount: Number.NaN },
    { maxHeaderBytes: Number.POSITIVE_INFINITY },
  ];
  for (const limits of bad) assert.throws(() => new HeadParser(limits), RangeError);
});

Deno.test("DEFAULT_PARSER_LIMITS holds the exported constants", () => {
  assert.deepEqual(DEFAULT_PARSER_LIMITS, {
    maxRequestLineBytes: MAX_REQUEST_LINE_BYTES,
    maxHeaderBytes: MAX_HEADER_BYTES,
    maxHeaderCount: MAX_HEADER_COUNT,
  });
  assert.ok(Object.isFrozen(DEFAULT_PARSER_LIMITS));
});
