import assert from "node:assert/strict";
import { HeaderTable } from "../../lib/http/headers.ts";
import { decodeLatin1 } from "../../lib/http/latin1.ts";
import { HeadParser } from "../../lib/http/parser.ts";
import { latin1Bytes } from "./request_fixtures.ts";

/** The header table of a request whose field lines are `fields` (each without CRLF). */
function tableOf(...fields: string[]): HeaderTable {
  const bytes = latin1Bytes(`GET / HTTP/1.1\r\n${fields.map((f) => `${f}\r\n`).join("")}\r\n`);
  const head = new HeadParser().parse(bytes, 0, bytes.length);
  assert.ok(head !== null);
  return head.headers;
}

Deno.test("HeaderTable.get() finds a field whatever case it was sent in", () => {
  const cases: [string, string][] = [
    ["Host: a", "host"],
    ["HOST: a", "host"],
    ["hOsT: a", "host"],
    ["Host: a\r\nContent-Type: text/plain", "content-type"],
    ["Host: a\r\nX-REQUEST-ID: 7", "x-request-id"],
  ];
  for (const [fields, name] of cases) {
    const table = tableOf(fields);
    assert.ok(table.get(name) !== null, `${name} in ${JSON.stringify(fields)}`);
    assert.ok(table.has(name));
  }
});

Deno.test("HeaderTable.get() also accepts a name that is not lowercase", () => {
  const table = tableOf("Host: a", "Content-Type: text/html");
  assert.equal(table.get("Content-Type"), "text/html");
  assert.equal(table.get("CONTENT-TYPE"), "text/html");
});

Deno.test("HeaderTable.get() returns null for a missing field", () => {
  const table = tableOf("Host: a", "Accept: */*");
  for (const name of ["accept-encoding", "accep", "acceptx", "", "host "]) {
    assert.equal(table.get(name), null, name);
    assert.equal(table.has(name), false, name);
  }
});

Deno.test("HeaderTable.get() compares names exactly beyond ASCII letters", () => {
  // Folding case by setting bit 0x20 would make "^" match "~" and "_" match DEL.
  const table = tableOf("Host: a", "X^: caret", "X_: underscore", "X~: tilde");
  assert.equal(table.get("x^"), "caret");
  assert.equal(table.get("x~"), "tilde");
  assert.equal(table.get("x_"), "underscore");
  assert.equal(table.get("x\u007f"), null);
  assert.equal(table.get("x\u015e"), null, "a character above U+00FF never matches a byte");
});

Deno.test("HeaderTable.get() joins repeated fields with a comma in the order sent", () => {
  const table = tableOf("Accept: text/html", "Host: a", "accept: */*", "ACCEPT: image/png");
  assert.equal(table.get("accept"), "text/html, */*, image/png");
});

Deno.test("HeaderTable.get() keeps empty values when joining", () => {
  const table = tableOf("Host: a", "X:", "X: b");
  assert.equal(table.get("x"), ", b");
});

Deno.test("HeaderTable.value() decodes bytes 0x80-0xFF as U+0080-U+00FF (latin1, not windows-1252)", () => {
  let high = "";
  for (let byte = 0x80; byte <= 0xff; byte++) high += String.fromCharCode(byte);
  const table = tableOf("Host: a", `X: ${high}`);
  assert.equal(table.value(1), high);
  assert.equal(table.get("x"), high);
  assert.equal(table.value(1).charCodeAt(0), 0x80, "0x80 is U+0080, not the euro sign");
});

Deno.test("HeaderTable.value() trims OWS and keeps inner whitespace", () => {
  const table = tableOf("Host: a", "X: \t one \t two \t");
  assert.equal(table.value(1), "one \t two");
});

Deno.test("HeaderTable.name() returns the name as sent", () => {
  const table = tableOf("Host: a", "x-MiXeD: 1");
  assert.equal(table.name(0), "Host");
  assert.equal(table.name(1), "x-MiXeD");
  assert.equal(table.count, 2);
});

Deno.test("HeaderTable.name() and value() refuse an index outside the table", () => {
  const table = tableOf("Host: a");
  for (const index of [-1, 1, 0.5, Number.NaN]) {
    assert.throws(() => table.name(index), RangeError);
    assert.throws(() => table.value(index), RangeError);
  }
});

Deno.test("HeaderTable.entries() yields every field line in order without joining", () => {
  const table = tableOf("Host: a", "Accept: x", "Cookie: a=1", "accept: y");
  assert.deepEqual([...table.entries()], [
    ["Host", "a"],
    ["Accept", "x"],
    ["Cookie", "a=1"],
    ["accept", "y"],
  ]);
});

Deno.test("HeaderTable.toHeaders() copies into a standard Headers", () => {
  const table = tableOf("Host: example.com", "Accept: x", "accept: y", "X-Latin: caf\u00e9");
  const headers = table.toHeaders();
  assert.ok(headers instanceof Headers);
  assert.equal(headers.get("host"), "example.com");
  assert.equal(headers.get("accept"), "x, y");
  assert.equal(headers.get("x-latin"), "caf\u00e9");
  assert.deepEqual([...headers.keys()], ["accept", "host", "x-latin"]);
});

Deno.test("HeaderTable has no fields for a head without field lines", () => {
  const bytes = latin1Bytes("GET / HTTP/1.0\r\n\r\n");
  const table = new HeadParser().parse(bytes, 0, bytes.length)?.headers;
  assert.ok(table !== undefined);
  assert.equal(table.count, 0);
  assert.equal(table.get("host"), null);
  assert.deepEqual([...table.entries()], []);
  assert.deepEqual([...table.toHeaders()], []);
});

Deno.test("new HeaderTable() reads offsets relative to its base", () => {
  const bytes = latin1Bytes("junk|Name: value|");
  // Name at [5, 9), value at [11, 16): relative to base 5 that is [0, 4) and [6, 11).
  const table = new HeaderTable(bytes, 5, Int32Array.of(0, 4, 6, 11));
  assert.equal(table.count, 1);
  assert.deepEqual([...table.entries()], [["Name", "value"]]);
  assert.equal(table.get("name"), "value");
});

Deno.test("decodeLatin1() maps every byte to the code point of the same number", () => {
  const all = new Uint8Array(256).map((_, i) => i);
  for (const [start, end] of [[0, 256], [0x80, 0x85], [0xf0, 0x100], [10, 10], [250, 256]]) {
    let expected = "";
    for (let i = start; i < end; i++) expected += String.fromCharCode(i);
    assert.equal(decodeLatin1(all, start, end), expected, `[${start}, ${end})`);
  }
});
