/** StallClock: timeouts do not count time the event loop was stalled. */
import assert from "node:assert/strict";
import { StallClock } from "../../lib/server/stall_clock.ts";

const cases: { name: string; ticks: number[]; stalledMs: number }[] = [
  { name: "ticks on time stall nothing", ticks: [1100, 1200, 1300], stalledMs: 0 },
  { name: "jitter within a period is not a stall", ticks: [1190, 1350, 1500], stalledMs: 0 },
  { name: "a tick 3 s late adds its lateness", ticks: [1100, 4200, 4300], stalledMs: 3000 },
  { name: "stalls add up", ticks: [2100, 2200, 5200], stalledMs: 1000 + 2900 },
];

for (const { name, ticks, stalledMs } of cases) {
  Deno.test(`StallClock.tick() ${name}`, () => {
    const clock = new StallClock(100, 1000);
    for (const tick of ticks) clock.tick(tick);
    assert.equal(clock.stalledMs, stalledMs);
    assert.equal(clock.now(10_000), 10_000 - stalledMs);
  });
}

Deno.test("StallClock keeps a deadline from passing during a stall", () => {
  const clock = new StallClock(100, 0);
  // A connection goes idle at 50 with a 5 s idle timeout.
  const deadline = clock.now(50) + 5000;
  // The event loop stalls for 6 s: the next tick comes at 6100 instead of 100.
  assert.ok(clock.tick(6100) < deadline);
  // 5 s of running on schedule later, it has passed.
  let now = 6100;
  while (now < 11_200) clock.tick(now += 100);
  assert.ok(clock.now(now) >= deadline);
});
