/** Encoded response lines: field lines, status lines, and the Server and Date lines. */
import assert from "node:assert/strict";
import { fieldLine, serverAndDateLines, statusLine } from "../../lib/http/field_lines.ts";

/** One character per byte, so expected bytes can be written as text. */
function text(bytes: Uint8Array): string {
  let result = "";
  for (const byte of bytes) result += String.fromCharCode(byte);
  return result;
}

Deno.test("fieldLine() encodes name, colon, space, value and CRLF, one byte per character", () => {
  const cases: [string, string, string][] = [
    ["Content-Type", "text/html; charset=utf-8", "Content-Type: text/html; charset=utf-8\r\n"],
    ["etag", '"abc"', 'etag: "abc"\r\n'],
    ["X-Empty", "", "X-Empty: \r\n"],
    ["X-Tab", "a\tb", "X-Tab: a\tb\r\n"],
    ["X-Spaces", "a  b", "X-Spaces: a  b\r\n"],
    ["X-Latin1", "caf\xe9 \x80\xff", "X-Latin1: caf\xe9 \x80\xff\r\n"],
    ["!#$%&'*+-.^_`|~09AZaz", "v", "!#$%&'*+-.^_`|~09AZaz: v\r\n"],
  ];
  for (const [name, value, line] of cases) {
    assert.equal(text(fieldLine(name, value)), line, JSON.stringify([name, value]));
  }
});

Deno.test("fieldLine() rejects a name that is not a token with TypeError", () => {
  const names = [
    "",
    "Bad Name",
    "Bad:Name",
    "Bad\tName",
    "X-Evil\r\nInjected",
    "(comment)",
    '"quoted"',
    "a/b",
    "a@b",
    "\xdcber",
    "X-\x7f",
    "X-名前",
  ];
  for (const name of names) {
    assert.throws(() => fieldLine(name, "x"), TypeError, JSON.stringify(name));
    // Refused again: a bad name is never remembered as good.
    assert.throws(() => fieldLine(name, "x"), TypeError, JSON.stringify(name));
  }
});

Deno.test("fieldLine() rejects a value with a control character or above U+00FF", () => {
  const values = [
    "a\r\nSet-Cookie: x=1",
    "a\rb",
    "a\nb",
    "\x00",
    "a\x1bb",
    "\x7f",
    "5 €",
    "\u{1f600}",
  ];
  for (const value of values) {
    assert.throws(() => fieldLine("X-Value", value), TypeError, JSON.stringify(value));
    assert.throws(() => fieldLine("X-Value", value), TypeError, JSON.stringify(value));
  }
  // The same name still encodes good values.
  assert.equal(text(fieldLine("X-Value", "ok")), "X-Value: ok\r\n");
});

Deno.test("fieldLine() returns the same bytes when asked again", () => {
  const first = fieldLine("Cache-Control", "no-cache");
  const again = fieldLine("Cache-Control", "no-cache");
  assert.equal(again, first);
  assert.equal(text(again), "Cache-Control: no-cache\r\n");
  // Names differing in case are different lines, as sent.
  assert.equal(text(fieldLine("cache-control", "no-cache")), "cache-control: no-cache\r\n");
});

Deno.test("fieldLine() stays correct past the number of lines it keeps", () => {
  // More distinct values for one name, and more distinct names, than the cache holds.
  for (let i = 0; i < 1200; i++) {
    assert.equal(text(fieldLine("ETag", `"${i}"`)), `ETag: "${i}"\r\n`);
    assert.equal(text(fieldLine(`X-Name-${i}`, "v")), `X-Name-${i}: v\r\n`);
  }
  assert.equal(text(fieldLine("ETag", '"0"')), 'ETag: "0"\r\n');
  assert.equal(text(fieldLine("X-Name-0", "v")), "X-Name-0: v\r\n");
  assert.throws(() => fieldLine("X Name", "v"), TypeError);
});

Deno.test("statusLine() encodes the version, code and reason phrase", () => {
  const cases: [0 | 1, number, string][] = [
    [1, 200, "HTTP/1.1 200 OK\r\n"],
    [0, 200, "HTTP/1.0 200 OK\r\n"],
    [1, 404, "HTTP/1.1 404 Not Found\r\n"],
    [0, 404, "HTTP/1.0 404 Not Found\r\n"],
    [1, 100, "HTTP/1.1 100 Continue\r\n"],
    [1, 304, "HTTP/1.1 304 Not Modified\r\n"],
    [1, 431, "HTTP/1.1 431 Request Header Fields Too Large\r\n"],
    [1, 299, "HTTP/1.1 299 Unknown\r\n"],
    [0, 999, "HTTP/1.0 999 Unknown\r\n"],
  ];
  for (const [minor, status, line] of cases) {
    assert.equal(text(statusLine(minor, status)), line);
    assert.equal(text(statusLine(minor, status)), line, "asked again");
  }
});

Deno.test("statusLine() throws RangeError for a code that is not three digits", () => {
  for (const status of [0, 99, 1000, -200, 200.5, NaN, Infinity]) {
    assert.throws(() => statusLine(1, status), RangeError, String(status));
    assert.throws(() => statusLine(0, status), RangeError, String(status));
  }
});

Deno.test("serverAndDateLines() names the server and gives the date as IMF-fixdate", () => {
  const cases: [number, string][] = [
    [0, "Server: zhttp\r\nDate: Thu, 01 Jan 1970 00:00:00 GMT\r\n"],
    [784111777000, "Server: zhttp\r\nDate: Sun, 06 Nov 1994 08:49:37 GMT\r\n"],
    [784111777999, "Server: zhttp\r\nDate: Sun, 06 Nov 1994 08:49:37 GMT\r\n"],
    [1709164800000, "Server: zhttp\r\nDate: Thu, 29 Feb 2024 00:00:00 GMT\r\n"],
    [253402300799000, "Server: zhttp\r\nDate: Fri, 31 Dec 9999 23:59:59 GMT\r\n"],
  ];
  for (const [now, lines] of cases) assert.equal(text(serverAndDateLines(now)), lines, `${now}`);
});

Deno.test("serverAndDateLines() changes only when the second changes", () => {
  const start = 1700000000000;
  const first = text(serverAndDateLines(start));
  for (const offset of [1, 500, 999]) {
    assert.equal(text(serverAndDateLines(start + offset)), first, `+${offset} ms`);
  }
  const next = text(serverAndDateLines(start + 1000));
  assert.notEqual(next, first);
  assert.equal(next, "Server: zhttp\r\nDate: Tue, 14 Nov 2023 22:13:21 GMT\r\n");
  assert.equal(text(serverAndDateLines(start + 1999)), next);
  // A clock that steps back is followed, not ignored.
  assert.equal(text(serverAndDateLines(start)), first);
});

Deno.test("serverAndDateLines() without an argument uses the current time", () => {
  const lines = text(serverAndDateLines());
  assert.match(
    lines,
    /^Server: zhttp\r\nDate: (Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT\r\n$/,
  );
});
