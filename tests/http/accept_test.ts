import assert from "node:assert/strict";
import {
  MAX_MEDIA_RANGES,
  namesMediaType,
  negotiateMediaType,
  parseAccept,
} from "../../lib/http/accept.ts";

const LISTING_TYPES = ["text/html", "application/json"];

const NEGOTIATIONS: readonly { accept: string | null; chosen: string; why: string }[] = [
  { accept: null, chosen: "text/html", why: "no Accept" },
  { accept: "", chosen: "text/html", why: "an empty Accept" },
  {
    accept: "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp," +
      "image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7",
    chosen: "text/html",
    why: "Chromium",
  },
  {
    accept: "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    chosen: "text/html",
    why: "Firefox",
  },
  { accept: "*/*", chosen: "text/html", why: "curl" },
  { accept: "application/json", chosen: "application/json", why: "JSON only" },
  { accept: "APPLICATION/JSON", chosen: "application/json", why: "names are case-insensitive" },
  { accept: "application/json, text/plain, */*", chosen: "application/json", why: "axios" },
  { accept: "application/*", chosen: "application/json", why: "a type wildcard" },
  { accept: "text/html;q=0.5, application/json", chosen: "application/json", why: "q decides" },
  { accept: "application/json;q=0.9, text/html", chosen: "text/html", why: "q decides again" },
  {
    accept: "application/json, text/html",
    chosen: "text/html",
    why: "equal weight and specificity: the server's order",
  },
  {
    accept: "*/*;q=0.9, text/html;q=0.1",
    chosen: "application/json",
    why: "the most specific range decides html's weight, even when lower",
  },
  { accept: "application/json;q=0", chosen: "text/html", why: "q=0 refuses JSON" },
  { accept: "text/html;q=0, */*", chosen: "application/json", why: "q=0 refuses HTML" },
  {
    accept: "text/html;q=0, application/json;q=0",
    chosen: "text/html",
    why: "everything refused: the default rather than 406",
  },
  { accept: "image/png", chosen: "text/html", why: "nothing matches: the default" },
  {
    accept: 'application/json;charset="utf-8";q=0.8, text/html;q=0.7',
    chosen: "application/json",
    why: "other parameters, quoted too, are read past",
  },
  { accept: "application/json ; q=1.000", chosen: "application/json", why: "OWS and 1.000" },
  { accept: "application/json;q=2", chosen: "text/html", why: "an invalid q: field ignored" },
  { accept: "application/json;q=0.1234", chosen: "text/html", why: "four decimals: ignored" },
  { accept: "application json", chosen: "text/html", why: "no slash: field ignored" },
  { accept: "*/json", chosen: "text/html", why: "*/subtype is no media-range" },
  { accept: "application/json,,", chosen: "application/json", why: "empty list members" },
];

for (const { accept, chosen, why } of NEGOTIATIONS) {
  Deno.test(`negotiateMediaType() picks ${chosen} for ${why}`, () => {
    assert.equal(negotiateMediaType(accept, LISTING_TYPES), chosen);
  });
}

Deno.test("parseAccept() reads types, subtypes and weights", () => {
  assert.deepEqual(parseAccept("text/html, application/*;q=0.5;x=1, */*;q=0"), [
    { type: "text", subtype: "html", q: 1 },
    { type: "application", subtype: "*", q: 0.5 },
    { type: "*", subtype: "*", q: 0 },
  ]);
});

Deno.test("parseAccept() refuses malformed values with null", () => {
  for (const value of ["text", "text/", "/html", "text/html;q", "text/html;=1", 'a/b;c="x']) {
    assert.equal(parseAccept(value), null, value);
  }
});

Deno.test("parseAccept() refuses more than MAX_MEDIA_RANGES ranges", () => {
  const ranges = (count: number) => Array.from({ length: count }, () => "a/b").join(",");
  assert.equal(parseAccept(ranges(MAX_MEDIA_RANGES))?.length, MAX_MEDIA_RANGES);
  assert.equal(parseAccept(ranges(MAX_MEDIA_RANGES + 1)), null);
});
const NAMED_CASES: [string | null, boolean][] = [
  [null, false],
  ["", false],
  ["text/html", true],
  ["TEXT/HTML", true],
  ["text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", true],
  ["application/json, text/html;q=0.1", true],
  ["text/html ; q=0.5", true],
  ["text/html;level=1", true],
  ["text/html;q=0", false],
  ["text/html;q=0.000", false],
  ["*/*", false],
  ["text/*", false],
  ["application/json", false],
  ["text/htmlx", false],
  ["image/avif,image/webp,*/*;q=0.8", false],
];

Deno.test("namesMediaType() tells whether Accept names text/html itself", () => {
  for (const [accept, expected] of NAMED_CASES) {
    assert.equal(namesMediaType(accept, "text/html"), expected, String(accept));
  }
});
