import assert from "node:assert/strict";
import {
  codingEtag,
  type EntityTag,
  fileEtag,
  formatEntityTag,
  parseEntityTag,
  parseEtagList,
  strongMatch,
  weakMatch,
} from "../../lib/http/etag.ts";

Deno.test("fileEtag() is strong: the size and the mtime in hex, in quotes", () => {
  assert.equal(fileEtag({ size: 1000, mtimeMs: 1700000000123 }), '"3e8-18bcfe5687b"');
});

Deno.test("fileEtag() is W/ and the same opaque-tag for bytes that are not stable", () => {
  assert.equal(
    fileEtag({ size: 1000, mtimeMs: 1700000000123 }, { weak: true }),
    'W/"3e8-18bcfe5687b"',
  );
});

Deno.test("codingEtag() gives each content coding of a file its own tag: the file's and the coding", () => {
  const tag = fileEtag({ size: 1000, mtimeMs: 1700000000123 });
  assert.equal(codingEtag(tag, "gzip"), '"3e8-18bcfe5687b-gzip"');
  assert.equal(codingEtag(tag, "br", true), 'W/"3e8-18bcfe5687b-br"');
  assert.notEqual(codingEtag(tag, "gzip"), codingEtag(tag, "br"));
});

Deno.test("fileEtag() is stable for the same version", () => {
  const version = { size: 1, mtimeMs: 2 };
  assert.equal(fileEtag(version), fileEtag({ ...version }));
});

Deno.test("fileEtag() changes when the size or the mtime changes", () => {
  const base = fileEtag({ size: 1000, mtimeMs: 1700000000123 });
  assert.notEqual(fileEtag({ size: 1001, mtimeMs: 1700000000123 }), base);
  assert.notEqual(fileEtag({ size: 1000, mtimeMs: 1700000000124 }), base);
});

Deno.test("fileEtag() drops sub-millisecond mtime digits", () => {
  assert.equal(fileEtag({ size: 0, mtimeMs: 15.75 }), '"0-f"');
});

Deno.test("fileEtag() output parses back as the entity-tag it is", () => {
  const version = { size: 255, mtimeMs: 4096 };
  assert.deepEqual(parseEntityTag(fileEtag(version)), { weak: false, opaque: "ff-1000" });
  assert.deepEqual(parseEntityTag(fileEtag(version, { weak: true })), {
    weak: true,
    opaque: "ff-1000",
  });
});

const strong = (opaque: string): EntityTag => ({ weak: false, opaque });
const weak = (opaque: string): EntityTag => ({ weak: true, opaque });

const LIST_CASES: { name: string; value: string; expected: "*" | EntityTag[] | null }[] = [
  { name: "reads * alone", value: "*", expected: "*" },
  { name: "reads one strong tag", value: '"abc"', expected: [strong("abc")] },
  { name: "reads one weak tag", value: 'W/"abc"', expected: [weak("abc")] },
  { name: "reads an empty opaque-tag", value: '""', expected: [strong("")] },
  {
    name: "reads a list with OWS",
    value: '"a", W/"b",\t"c"',
    expected: [strong("a"), weak("b"), strong("c")],
  },
  { name: "skips empty list elements", value: ' , ,"a",, ', expected: [strong("a")] },
  { name: "keeps a comma inside quotes", value: '"a,b"', expected: [strong("a,b")] },
  { name: "accepts obs-text", value: '"caf\u00e9"', expected: [strong("caf\u00e9")] },
  { name: "reads an empty value as an empty list", value: "", expected: [] },
  { name: "rejects an unquoted tag", value: "abc", expected: null },
  { name: "rejects an unterminated tag", value: '"abc', expected: null },
  { name: "rejects * inside a list", value: '*, "a"', expected: null },
  { name: "rejects a lower-case weak prefix", value: 'w/"a"', expected: null },
  { name: "rejects space after W/", value: 'W/ "a"', expected: null },
  { name: "rejects space inside the quotes", value: '"a b"', expected: null },
  { name: "rejects tags without a comma between", value: '"a" "b"', expected: null },
  { name: "rejects a backslash-escaped quote", value: '"a\\"b"', expected: null },
  { name: "rejects a control character", value: '"a\x01"', expected: null },
  { name: "rejects a character beyond latin1", value: '"\u20ac"', expected: null },
];

for (const { name, value, expected } of LIST_CASES) {
  Deno.test(`parseEtagList() ${name}`, () => {
    assert.deepEqual(parseEtagList(value), expected);
  });
}

const SINGLE_CASES: { value: string; expected: EntityTag | null }[] = [
  { value: '"v1"', expected: strong("v1") },
  { value: 'W/"v1"', expected: weak("v1") },
  { value: "v1", expected: null },
  { value: '"v1", "v2"', expected: null },
  { value: '"v1" ', expected: null },
  { value: "*", expected: null },
];

for (const { value, expected } of SINGLE_CASES) {
  Deno.test(`parseEntityTag() reads ${JSON.stringify(value)} as ${JSON.stringify(expected)}`, () => {
    assert.deepEqual(parseEntityTag(value), expected);
  });
}

/** The comparison table of RFC 9110 §8.8.3.2. */
const COMPARISON_CASES: { a: EntityTag; b: EntityTag; strong: boolean; weak: boolean }[] = [
  { a: weak("1"), b: weak("1"), strong: false, weak: true },
  { a: weak("1"), b: weak("2"), strong: false, weak: false },
  { a: weak("1"), b: strong("1"), strong: false, weak: true },
  { a: strong("1"), b: strong("1"), strong: true, weak: true },
];

for (const { a, b, strong: strongly, weak: weakly } of COMPARISON_CASES) {
  const pair = `${a.weak ? "W/" : ""}"${a.opaque}" and ${b.weak ? "W/" : ""}"${b.opaque}"`;
  Deno.test(`strongMatch() is ${strongly} for ${pair} (RFC 9110 §8.8.3.2)`, () => {
    assert.equal(strongMatch(a, b), strongly);
    assert.equal(strongMatch(b, a), strongly);
  });
  Deno.test(`weakMatch() is ${weakly} for ${pair} (RFC 9110 §8.8.3.2)`, () => {
    assert.equal(weakMatch(a, b), weakly);
    assert.equal(weakMatch(b, a), weakly);
  });
}

const CODING_CASES: { tag: string; coding: string; weak: boolean; expected: string | null }[] = [
  { tag: '"1f-18c"', coding: "br", weak: false, expected: '"1f-18c-br"' },
  { tag: 'W/"1f-18c"', coding: "gzip", weak: false, expected: 'W/"1f-18c-gzip"' },
  { tag: '"1f-18c"', coding: "zstd", weak: true, expected: 'W/"1f-18c-zstd"' },
  { tag: '""', coding: "br", weak: false, expected: '"-br"' },
  { tag: "1f-18c", coding: "br", weak: false, expected: null },
  { tag: '"a" "b"', coding: "br", weak: false, expected: null },
];

for (const { tag, coding, weak, expected } of CODING_CASES) {
  Deno.test(`codingEtag() makes ${expected} of ${tag} with ${coding}${weak ? ", weak" : ""}`, () => {
    assert.equal(codingEtag(tag, coding, weak), expected);
  });
}

const FORMAT_CASES: { tag: EntityTag; expected: string }[] = [
  { tag: { weak: false, opaque: "1f-18c" }, expected: '"1f-18c"' },
  { tag: { weak: true, opaque: "1f-18c" }, expected: 'W/"1f-18c"' },
  { tag: { weak: false, opaque: "" }, expected: '""' },
];

for (const { tag, expected } of FORMAT_CASES) {
  Deno.test(`formatEntityTag() writes ${expected}, which parses back as the tag it is`, () => {
    assert.equal(formatEntityTag(tag), expected);
    assert.deepEqual(parseEntityTag(expected), tag);
  });
}
