import assert from "node:assert/strict";
import fc from "fast-check";
import { sortInSlices, TimeSlice } from "../../../lib/handlers/static/time_slice.ts";

interface Item {
  key: number;
  position: number;
}

const byKey = (a: Item, b: Item) => a.key - b.key;

Deno.test("sortInSlices() sorts as Array.prototype.sort does, stably, at any length", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.integer({ min: 0, max: 50 }), { maxLength: 9000 }),
      async (keys) => {
        const items = keys.map((key, position) => ({ key, position }));
        const expected = [...items].sort(byKey);
        const sorted = await sortInSlices(items, byKey, new TimeSlice());
        assert.equal(sorted, items, "in place");
        assert.deepEqual(sorted, expected);
      },
    ),
    { numRuns: 60 },
  );
});

Deno.test("sortInSlices() lets a timer fire before a long sort ends", async () => {
  const names = Array.from({ length: 200_000 }, (_, i) => `name ${(i * 7919) % 200_003}`);
  let fired = false;
  const timer = setTimeout(() => fired = true, 0);
  let firedBeforeEnd = false;
  await sortInSlices(names, (a, b) => {
    if (fired) firedBeforeEnd = true;
    return a < b ? -1 : a > b ? 1 : 0;
  }, new TimeSlice());
  clearTimeout(timer);
  assert.ok(firedBeforeEnd, "the timer waited for the whole sort");
  for (let i = 1; i < names.length; i++) assert.ok(names[i - 1] <= names[i]);
});

Deno.test("TimeSlice.pause() resolves at once in a fresh slice, after a turn in a spent one", async () => {
  const slice = new TimeSlice();
  assert.equal(slice.spent, false);
  let turned = false;
  const timer = setTimeout(() => turned = true, 0);
  await slice.pause();
  assert.equal(turned, false, "a fresh slice does not wait");
  const start = performance.now();
  while (!slice.spent) assert.ok(performance.now() - start < 5_000);
  await slice.pause();
  assert.equal(turned, true, "a spent slice lets the timer run first");
  assert.equal(slice.spent, false, "and starts afresh");
  clearTimeout(timer);
});
