/** OncePerKey: true once per key, and bounded memory. */
import assert from "node:assert/strict";
import { MAX_KEYS, OncePerKey } from "../../../lib/handlers/static/once_per_key.ts";

Deno.test("OncePerKey.first() is true the first time only", () => {
  const once = new OncePerKey();
  assert.deepEqual(["a", "b", "a", "b", "c"].map((key) => once.first(key)), [
    true,
    true,
    false,
    false,
    true,
  ]);
});

Deno.test("OncePerKey.first() starts over past MAX_KEYS keys instead of growing", () => {
  const once = new OncePerKey();
  for (let i = 0; i < MAX_KEYS; i++) assert.equal(once.first(`key-${i}`), true);
  assert.equal(once.first("key-0"), false);
  // One more distinct key: the memory starts over, so key-0 is new again.
  assert.equal(once.first("one-too-many"), true);
  assert.equal(once.first("key-0"), true);
});
