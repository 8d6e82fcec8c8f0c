/**
 * Accept-Encoding from tables of raw values: what parses (q-values, "*", identity, case,
 * x-gzip) and what is garbage, then which coding a server sends for each.
 */
import assert from "node:assert/strict";
import {
  acceptEncodingOf,
  IDENTITY,
  MAX_ACCEPT_ENCODING_MEMBERS,
  NOT_ACCEPTABLE,
  parseAcceptEncoding,
  selectCoding,
} from "../../lib/http/accept_encoding.ts";

/** A parse result as a plain object: codings in order, then "*" and identity (-1: absent). */
type Parsed = { codings: Record<string, number>; star: number; identity: number } | null;

function parsed(value: string): Parsed {
  const accept = parseAcceptEncoding(value);
  if (accept === null) return null;
  return {
    codings: Object.fromEntries(accept.codings),
    star: accept.star,
    identity: accept.identity,
  };
}

const parseCases: { value: string; expected: Parsed }[] = [
  { value: "gzip", expected: { codings: { gzip: 1000 }, star: -1, identity: -1 } },
  {
    value: "br;q=1.0, gzip;q=0.8, *;q=0.1",
    expected: { codings: { br: 1000, gzip: 800 }, star: 100, identity: -1 },
  },
  {
    value: "gzip, deflate, br, zstd",
    expected: {
      codings: { gzip: 1000, deflate: 1000, br: 1000, zstd: 1000 },
      star: -1,
      identity: -1,
    },
  },
  { value: "identity;q=0", expected: { codings: {}, star: -1, identity: 0 } },
  { value: "*;q=0", expected: { codings: {}, star: 0, identity: -1 } },
  { value: "*", expected: { codings: {}, star: 1000, identity: -1 } },
  // Names are case-insensitive (RFC 9110 §8.4.1), and so is the "q" (RFC 5234 §2.3).
  {
    value: "GZip;Q=0.5, BR",
    expected: { codings: { gzip: 500, br: 1000 }, star: -1, identity: -1 },
  },
  { value: "Identity;q=0.3", expected: { codings: {}, star: -1, identity: 300 } },
  // RFC 9110 §8.4.1.3: x-gzip is gzip.
  { value: "x-gzip", expected: { codings: { gzip: 1000 }, star: -1, identity: -1 } },
  // OWS around ";" and ",", empty list members skipped (RFC 9110 §5.6.1).
  {
    value: " br ; q=0.9 ,, gzip\t;\tq=0.1 , ",
    expected: { codings: { br: 900, gzip: 100 }, star: -1, identity: -1 },
  },
  { value: "", expected: { codings: {}, star: -1, identity: -1 } },
  { value: " , ", expected: { codings: {}, star: -1, identity: -1 } },
  // qvalue: "0" up to three decimals, "1" only with zeros.
  { value: "gzip;q=0", expected: { codings: { gzip: 0 }, star: -1, identity: -1 } },
  { value: "gzip;q=0.", expected: { codings: { gzip: 0 }, star: -1, identity: -1 } },
  { value: "gzip;q=0.001", expected: { codings: { gzip: 1 }, star: -1, identity: -1 } },
  { value: "gzip;q=0.05", expected: { codings: { gzip: 50 }, star: -1, identity: -1 } },
  { value: "gzip;q=1.", expected: { codings: { gzip: 1000 }, star: -1, identity: -1 } },
  { value: "gzip;q=1.000", expected: { codings: { gzip: 1000 }, star: -1, identity: -1 } },
  // The first mention of a coding counts.
  { value: "gzip;q=0, gzip", expected: { codings: { gzip: 0 }, star: -1, identity: -1 } },
  { value: "gzip, x-gzip;q=0", expected: { codings: { gzip: 1000 }, star: -1, identity: -1 } },
  // Garbage: treated as absent.
  { value: "gzip;q=1.5", expected: null },
  { value: "gzip;q=1.001", expected: null },
  { value: "gzip;q=0.0001", expected: null },
  { value: "gzip;q=2", expected: null },
  { value: "gzip;q=-1", expected: null },
  { value: "gzip;q=", expected: null },
  { value: "gzip;q", expected: null },
  { value: "gzip;", expected: null },
  { value: "gzip;;", expected: null },
  { value: "gzip;level=9", expected: null },
  { value: "gzip;q=0.5;q=0.1", expected: null },
  { value: "gzip br", expected: null },
  { value: "gzip/br", expected: null },
  { value: '"gzip"', expected: null },
  { value: "gz*p", expected: null },
  { value: ";q=0.5", expected: null },
  { value: "gzip;q=0.5x", expected: null },
  { value: "gzip\u00e9", expected: null },
];

for (const { value, expected } of parseCases) {
  Deno.test(`parseAcceptEncoding() reads ${JSON.stringify(value)}`, () => {
    assert.deepEqual(parsed(value), expected);
  });
}

Deno.test("parseAcceptEncoding() treats more than MAX_ACCEPT_ENCODING_MEMBERS codings as absent", () => {
  const names = Array.from({ length: MAX_ACCEPT_ENCODING_MEMBERS + 1 }, (_, i) => `c${i}`);
  assert.equal(parseAcceptEncoding(names.join(", ")), null);
  assert.notEqual(parseAcceptEncoding(names.slice(1).join(", ")), null);
});

Deno.test("acceptEncodingOf() remembers each value and reads it as parseAcceptEncoding() does", () => {
  const value = "br;q=0.9, gzip";
  assert.equal(acceptEncodingOf(value), acceptEncodingOf(value));
  assert.deepEqual(acceptEncodingOf(value), parseAcceptEncoding(value));
  assert.equal(acceptEncodingOf("gzip;q=9"), null);
  const long = `${"x".repeat(300)}, gzip`;
  assert.deepEqual(acceptEncodingOf(long), parseAcceptEncoding(long));
});

/** Our orders: for bodies held whole, and for streams. */
const WHOLE = ["br", "zstd", "gzip"];
const STREAMED = ["zstd", "br", "gzip"];

const selectCases: {
  value: string | null;
  candidates: string[];
  expected: string | "identity" | 406;
}[] = [
  // No field, or one that does not parse: the identity.
  { value: null, candidates: WHOLE, expected: "identity" },
  { value: "gzip;q=5", candidates: WHOLE, expected: "identity" },
  // An empty value: the client wants no coding.
  { value: "", candidates: WHOLE, expected: "identity" },
  // Equal q: our order.
  { value: "gzip, deflate, br, zstd", candidates: WHOLE, expected: "br" },
  { value: "gzip, deflate, br, zstd", candidates: STREAMED, expected: "zstd" },
  { value: "br, gzip", candidates: STREAMED, expected: "br" },
  { value: "*", candidates: WHOLE, expected: "br" },
  // Higher q wins over our order.
  { value: "br;q=0.5, gzip", candidates: WHOLE, expected: "gzip" },
  { value: "br;q=1.0, gzip;q=0.8, *;q=0.1", candidates: STREAMED, expected: "br" },
  { value: "gzip;q=0.8, *;q=0.9", candidates: WHOLE, expected: "br" },
  { value: "br;q=0.1, *;q=0.2", candidates: WHOLE, expected: "zstd" },
  // q=0 refuses a coding, also against "*".
  { value: "br;q=0, *", candidates: WHOLE, expected: "zstd" },
  { value: "br;q=0, zstd;q=0, gzip", candidates: WHOLE, expected: "gzip" },
  // Codings we do not make are of no help.
  { value: "deflate, compress", candidates: WHOLE, expected: "identity" },
  // The identity, named with a higher q, is preferred; on a tie the coding is.
  { value: "gzip;q=0.5, identity", candidates: WHOLE, expected: "identity" },
  { value: "gzip;q=0.5, identity;q=0.5", candidates: WHOLE, expected: "gzip" },
  // Not named, the identity is acceptable but comes after any coding the client accepts.
  { value: "gzip;q=0.001", candidates: WHOLE, expected: "gzip" },
  // The identity refused: a coding if one is acceptable, else 406.
  { value: "identity;q=0", candidates: WHOLE, expected: 406 },
  { value: "identity;q=0, gzip", candidates: WHOLE, expected: "gzip" },
  { value: "*;q=0", candidates: WHOLE, expected: 406 },
  { value: "*;q=0, br", candidates: WHOLE, expected: "br" },
  { value: "*;q=0, identity", candidates: WHOLE, expected: "identity" },
  { value: "identity;q=0, deflate", candidates: WHOLE, expected: 406 },
  { value: "identity;q=0, *", candidates: WHOLE, expected: "br" },
  { value: "identity;q=0, gzip", candidates: [], expected: 406 },
  // A candidate may appear twice (a precompressed file and our own encoding): the first.
  { value: "br", candidates: ["gzip", "br", "br"], expected: "br@1" },
  { value: "x-gzip", candidates: WHOLE, expected: "gzip" },
];

for (const { value, candidates, expected } of selectCases) {
  Deno.test(`selectCoding() answers ${JSON.stringify(value)} among ${candidates} with ${expected}`, () => {
    const accept = value === null ? null : acceptEncodingOf(value);
    const chosen = selectCoding(accept, candidates);
    const got = chosen === IDENTITY
      ? "identity"
      : chosen === NOT_ACCEPTABLE
      ? 406
      : expected.toString().includes("@")
      ? `${candidates[chosen]}@${chosen}`
      : candidates[chosen];
    assert.equal(got, expected);
  });
}
