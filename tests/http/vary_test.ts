/** Vary: coverage from a table of field values, and addVary() on a real response writer. */
import assert from "node:assert/strict";
import { addVary, varyCovers } from "../../lib/http/vary.ts";
import { testExchange } from "../support/exchange.ts";

const coverCases: { value: string; covered: boolean }[] = [
  { value: "Accept-Encoding", covered: true },
  { value: "accept-encoding", covered: true },
  { value: "Origin, Accept-Encoding", covered: true },
  { value: "Origin,accept-encoding ", covered: true },
  { value: "*", covered: true },
  { value: "Origin", covered: false },
  { value: "Accept-Encoding-Extra", covered: false },
  { value: "Accept", covered: false },
  { value: "", covered: false },
];

for (const { value, covered } of coverCases) {
  Deno.test(`varyCovers() says ${covered} for Accept-Encoding in ${JSON.stringify(value)}`, () => {
    assert.equal(varyCovers(value, "Accept-Encoding"), covered);
  });
}

Deno.test("addVary() adds the field beside what a handler set, keeping its line", () => {
  const { res, written } = testExchange("GET", "/");
  res.appendHeader("Vary", "Origin");
  res.appendHeader("Vary", "Cookie");
  addVary(res, "Accept-Encoding");
  res.end("x");
  assert.match(written(), /\r\nVary: Origin\r\nVary: Cookie\r\nVary: Accept-Encoding\r\n/);
});

Deno.test("addVary() adds the field once when called again", () => {
  const { res, written } = testExchange("GET", "/");
  addVary(res, "Accept-Encoding");
  addVary(res, "accept-encoding");
  res.end("x");
  assert.equal(written().match(/Vary/g)?.length, 1);
});

Deno.test("addVary() leaves a Vary of * alone", () => {
  const { res, written } = testExchange("GET", "/");
  res.setHeader("Vary", "*");
  addVary(res, "Accept-Encoding");
  res.end("x");
  assert.doesNotMatch(written(), /Accept-Encoding/);
});
