import assert from "node:assert/strict";
import fc from "fast-check";
import { sortInSlices, TurnScheduler } from "../../../lib/handlers/static/time_slice.ts";

interface Item {
  key: number;
  position: number;
}

const byKey = (a: Item, b: Item) => a.key - b.key;

/** Spins until `scheduler`'s slice is used up (a job that has worked its slice). */
function workUntilSpent(scheduler: TurnScheduler): void {
  const start = performance.now();
  while (!scheduler.spent) assert.ok(performance.now() - start < 5_000, "the slice never ends");
}

Deno.test("sortInSlices() sorts as Array.prototype.sort does, stably, at any length", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.integer({ min: 0, max: 50 }), { maxLength: 9000 }),
      async (keys) => {
        const items = keys.map((key, position) => ({ key, position }));
        const expected = [...items].sort(byKey);
        const sorted = await sortInSlices(items, byKey, new TurnScheduler());
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
  }, new TurnScheduler(1));
  clearTimeout(timer);
  assert.ok(firedBeforeEnd, "the timer waited for the whole sort");
  for (let i = 1; i < names.length; i++) assert.ok(names[i - 1] <= names[i]);
});

Deno.test("TurnScheduler.pause() resolves at once within a slice, after a turn once it is spent", async () => {
  const scheduler = new TurnScheduler();
  assert.equal(scheduler.spent, false, "a first job starts at once");
  let turned = false;
  const timer = setTimeout(() => turned = true, 0);
  await scheduler.pause();
  assert.equal(turned, false, "within the slice: no wait");
  workUntilSpent(scheduler);
  await scheduler.pause();
  assert.equal(turned, true, "a spent slice lets the timer run first");
  assert.equal(scheduler.spent, false, "and starts afresh");
  clearTimeout(timer);
});

Deno.test("TurnScheduler shares one slice per turn between jobs, resuming them in turn", async () => {
  // Slices long enough that a busy machine does not spend one between a job's resumption
  // and its first look at the clock.
  const scheduler = new TurnScheduler(40);
  const log: string[] = [];
  // Each job works until the shared slice is spent, three times. Two jobs resumed in one
  // turn would show: the second would find the slice already spent.
  const job = async (name: string) => {
    for (let round = 0; round < 3; round++) {
      await scheduler.nextTurn();
      log.push(scheduler.spent ? `${name} (slice already spent)` : name);
      workUntilSpent(scheduler);
    }
  };
  await Promise.all([job("a"), job("b"), job("c")]);
  assert.deepEqual(log.join(""), "abcabcabc", "a fresh slice each, in turn, none starved");
});
