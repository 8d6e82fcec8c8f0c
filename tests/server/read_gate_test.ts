/** ReadGate: head reads take turns, first come first served, once the server is saturated. */
import assert from "node:assert/strict";
import {
  MAX_CONCURRENT_READS,
  PERMIT_TURNS,
  ReadGate,
  ReadPermit,
} from "../../lib/server/read_gate.ts";

/** Resolves after `turns` turns of the event loop (zero-delay timers). */
async function turnsPass(turns: number): Promise<void> {
  for (let turn = 0; turn < turns; turn++) {
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
}

/** `count` distinct readers, each with the permit a connection keeps for its life. */
function readers(count: number): ReadPermit[] {
  return Array.from({ length: count }, () => new ReadPermit());
}

Deno.test("ReadGate.enter() admits up to its capacity without a promise", () => {
  const gate = new ReadGate(3);
  for (const reader of readers(3)) assert.equal(gate.enter(reader), undefined);
  assert.equal(gate.waiting, 0);
});

Deno.test("ReadGate defaults to MAX_CONCURRENT_READS readers at once", () => {
  const gate = new ReadGate();
  for (const reader of readers(MAX_CONCURRENT_READS)) assert.equal(gate.enter(reader), undefined);
  const late = new ReadPermit();
  const turn = gate.enter(late);
  assert.notEqual(turn, undefined);
  gate.withdraw(late);
  gate.close();
});

Deno.test("ReadGate.leave() admits waiters in arrival order", async () => {
  const gate = new ReadGate(1);
  const [holder, ...waiters] = readers(4);
  gate.enter(holder);
  const admitted: number[] = [];
  const turns = waiters.map((reader, index) =>
    gate.enter(reader)!.then(() => admitted.push(index))
  );
  assert.equal(gate.waiting, 3);

  gate.leave(holder);
  await Promise.resolve();
  assert.deepEqual(admitted, [0]);
  gate.leave(waiters[0]);
  gate.leave(waiters[1]);
  await Promise.all(turns);
  assert.deepEqual(admitted, [0, 1, 2]);
  gate.close();
});

Deno.test("ReadGate.enter() queues a newcomer behind waiters even when a permit is free", async () => {
  const gate = new ReadGate(1);
  const [holder, waiter, newcomer] = readers(3);
  gate.enter(holder);
  const waiterTurn = gate.enter(waiter)!;
  gate.leave(holder);
  assert.notEqual(gate.enter(newcomer), undefined);
  await waiterTurn;
  gate.withdraw(newcomer);
  gate.close();
});

Deno.test("ReadGate lets a waiter in once an idle reader's permit is PERMIT_TURNS old", async () => {
  const gate = new ReadGate(1);
  const [idle, waiter] = readers(2);
  gate.enter(idle);
  let admitted = false;
  const turn = gate.enter(waiter)!.then(() => admitted = true);
  await turnsPass(PERMIT_TURNS - 1);
  assert.equal(admitted, false);
  await turn;
  assert.equal(gate.waiting, 0);
  // The idle reader's read completing later must not free a second permit.
  gate.leave(idle);
  assert.notEqual(gate.enter(new ReadPermit()), undefined);
  gate.close();
});

Deno.test("ReadGate.withdraw() lets a closing waiter go and keeps the order of the rest", async () => {
  const gate = new ReadGate(1);
  const [holder, closing, next] = readers(3);
  gate.enter(holder);
  const closingTurn = gate.enter(closing)!;
  let nextAdmitted = false;
  const nextTurn = gate.enter(next)!.then(() => nextAdmitted = true);
  gate.withdraw(closing);
  await closingTurn;
  assert.equal(gate.waiting, 1);
  assert.equal(nextAdmitted, false);
  gate.withdraw(holder);
  await nextTurn;
  gate.close();
});

Deno.test("new ReadGate() refuses a capacity below one", () => {
  assert.throws(() => new ReadGate(0), RangeError);
});
