import assert from "node:assert/strict";
import { compareNaturally, naturalKey } from "../../../lib/handlers/static/natural_order.ts";

/** `names` sorted as a listing sorts them. */
function naturallySorted(names: readonly string[]): string[] {
  return names.map((name) => ({ name, key: naturalKey(name) })).sort(compareNaturally)
    .map((keyed) => keyed.name);
}

/** Each row: names already in natural order. */
const ORDERS: readonly { name: string; sorted: string[] }[] = [
  { name: "ignores case", sorted: ["a.txt", "B.txt", "c.txt"] },
  { name: "ignores accents", sorted: ["Äpfel", "apple", "banana", "résumé", "rose"] },
  { name: "compares numbers by value", sorted: ["img1.png", "img2.png", "img10.png"] },
  { name: "ignores leading zeros", sorted: ["track 1", "track 002", "track 3"] },
  { name: "puts a shorter prefix first", sorted: ["a", "a.txt", "a1.txt", "ab"] },
  { name: "puts numbers before letters", sorted: ["1 intro", "2 start", "a", "z"] },
  {
    name: "orders numbers of any length",
    sorted: ["v9", "v10", "v999999999", "v1000000000", "v12345678901234567890"],
  },
  { name: "reads several numbers", sorted: ["1.2.9", "1.2.10", "1.10.1", "2.0.0"] },
  { name: "breaks key ties by code unit", sorted: ["A01", "A1", "a01", "a1"] },
  { name: "puts non-Latin scripts after Latin", sorted: ["zebra", "Ωmega", "日本"] },
];

for (const { name, sorted } of ORDERS) {
  Deno.test(`compareNaturally() ${name}`, () => {
    assert.deepEqual(naturallySorted([...sorted].reverse()), sorted);
  });
}

const KEYS: readonly { name: string; key: string }[] = [
  { name: "Readme.MD", key: "readme.md" },
  { name: "Crème Brûlée", key: "creme brulee" },
  { name: "ﬁle", key: "file" },
  { name: "img007.png", key: "img17.png" },
  { name: "0", key: "10" },
  { name: "000", key: "10" },
  { name: "x1234567890", key: "x:1234567890" },
];

for (const { name, key } of KEYS) {
  Deno.test(`naturalKey() turns ${JSON.stringify(name)} into ${JSON.stringify(key)}`, () => {
    assert.equal(naturalKey(name), key);
  });
}

Deno.test("compareNaturally() is 0 only for the same name", () => {
  const keyed = (name: string) => ({ name, key: naturalKey(name) });
  assert.equal(compareNaturally(keyed("a1"), keyed("a1")), 0);
  assert.notEqual(compareNaturally(keyed("a1"), keyed("a01")), 0);
  assert.equal(
    Math.sign(compareNaturally(keyed("a1"), keyed("a01"))),
    -Math.sign(compareNaturally(keyed("a01"), keyed("a1"))),
  );
});
