/** RecentTarget: the string of the last target is reused only for exactly the same bytes. */
import assert from "node:assert/strict";
import { RecentTarget } from "../../lib/http/recent_target.ts";
import { HeadParser } from "../../lib/http/parser.ts";

const encoder = new TextEncoder();

/** Decodes `text` placed at an offset in a larger buffer, as a head's bytes are. */
function decodeAt(recent: RecentTarget, text: string, offset = 7): string {
  const bytes = new Uint8Array(offset + text.length + 5).fill(0x20);
  bytes.set(encoder.encode(text), offset);
  return recent.decode(bytes, offset, offset + text.length);
}

Deno.test("RecentTarget decodes each target in a sequence exactly", () => {
  const recent = new RecentTarget();
  const sequence = [
    "/a",
    "/a",
    "/b",
    "/ab",
    "/ba",
    "/ab",
    "/x?q=1",
    "/x?q=2",
    "/%C3%A9",
    "/" + "p".repeat(300),
    "/" + "p".repeat(300),
    "/" + "p".repeat(299) + "q",
    "/a",
    "*",
  ];
  for (const [index, target] of sequence.entries()) {
    assert.equal(decodeAt(recent, target, index + 1), target, `#${index}`);
  }
});

Deno.test("RecentTarget hands back the same string for the same bytes, from any buffer", () => {
  const recent = new RecentTarget();
  const first = decodeAt(recent, "/assets/app.js", 3);
  const second = decodeAt(recent, "/assets/app.js", 40);
  assert.equal(second, first);
  assert.equal(decodeAt(recent, "/assets/app.jt", 3), "/assets/app.jt");
});

Deno.test("RecentTarget: heads of one parser keep their own targets, whatever order asks", () => {
  const parser = new HeadParser();
  const bytes = encoder.encode(
    "GET /one HTTP/1.1\r\nHost: a\r\n\r\nGET /two HTTP/1.1\r\nHost: a\r\n\r\n" +
      "GET /one HTTP/1.1\r\nHost: a\r\n\r\n",
  );
  const first = parser.parse(bytes, 0, bytes.length)!;
  const second = parser.parse(bytes, first.end, bytes.length)!;
  const third = parser.parse(bytes, second.end, bytes.length)!;
  // Asked in another order than parsed, as an async handler might.
  assert.equal(third.target, "/one");
  assert.equal(second.target, "/two");
  assert.equal(first.target, "/one");
});
