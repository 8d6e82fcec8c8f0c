/** The shared scanners of HTTP's grammar, from tables of raw text. */
import assert from "node:assert/strict";
import { readQvalue, scanToken } from "../../lib/http/syntax.ts";

/** [text, what readQvalue() reads at 0: thousandths and the end, or null] */
const QVALUE_CASES: [string, { thousandths: number; end: number } | null][] = [
  ["0", { thousandths: 0, end: 1 }],
  ["1", { thousandths: 1000, end: 1 }],
  ["0.5", { thousandths: 500, end: 3 }],
  ["0.05", { thousandths: 50, end: 4 }],
  ["0.123", { thousandths: 123, end: 5 }],
  ["0.", { thousandths: 0, end: 2 }],
  ["1.000", { thousandths: 1000, end: 5 }],
  ["0.1234", { thousandths: 123, end: 5 }],
  ["0.5, gzip", { thousandths: 500, end: 3 }],
  ["1.5", null],
  ["1.001", null],
  ["2", null],
  [".5", null],
  ["", null],
  ["q=1", null],
];

for (const [text, expected] of QVALUE_CASES) {
  Deno.test(`readQvalue() reads ${JSON.stringify(text)} as ${JSON.stringify(expected)}`, () => {
    assert.deepEqual(readQvalue(text, 0), expected);
  });
}

Deno.test("readQvalue() reads at an offset", () => {
  assert.deepEqual(readQvalue("gzip;q=0.8", 7), { thousandths: 800, end: 10 });
});

/** [text, start, the end scanToken() finds] */
const TOKEN_CASES: [string, number, number][] = [
  ["gzip", 0, 4],
  ["gzip;q=1", 0, 4],
  ["text/html", 0, 4],
  ["text/html", 5, 9],
  ["x-custom!#$%&'*+.^_`|~", 0, 22],
  [" gzip", 0, 0],
  ['"quoted"', 0, 0],
  ["é", 0, 0],
  ["", 0, 0],
];

for (const [text, start, end] of TOKEN_CASES) {
  Deno.test(`scanToken() ends ${JSON.stringify(text)} from ${start} at ${end}`, () => {
    assert.equal(scanToken(text, start), end);
  });
}
