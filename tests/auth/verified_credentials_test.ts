/** The memory of verified credentials: exact-value hits, expiry, and its bound. */
import assert from "node:assert/strict";
import {
  MAX_VERIFIED,
  VERIFIED_TTL_MS,
  VerifiedCredentials,
} from "../../lib/auth/verified_credentials.ts";

function memoryAt(start = 0) {
  const clock = { now: start };
  return { clock, verified: new VerifiedCredentials(() => clock.now) };
}

Deno.test("VerifiedCredentials.lookup() knows exactly the values remembered", () => {
  const { verified } = memoryAt();
  verified.remember("Basic YW5uOnB3", "ann");
  assert.equal(verified.lookup("Basic YW5uOnB3"), "ann");
  // Another spelling of the same credentials is checked again, never taken on trust.
  for (const other of ["basic YW5uOnB3", "Basic  YW5uOnB3", "Basic YW5uOnB3 ", "Basic YW5uOnB4"]) {
    assert.equal(verified.lookup(other), undefined, other);
  }
});

Deno.test("VerifiedCredentials forgets a value VERIFIED_TTL_MS after it was verified", () => {
  const { clock, verified } = memoryAt(1000);
  verified.remember("Basic YW5uOnB3", "ann");
  clock.now += VERIFIED_TTL_MS - 1;
  assert.equal(verified.lookup("Basic YW5uOnB3"), "ann", "still fresh");
  clock.now += 1;
  assert.equal(verified.lookup("Basic YW5uOnB3"), undefined, "expired");
  assert.equal(verified.size, 0, "an expired value found is dropped");
});

Deno.test("VerifiedCredentials: use does not extend the lifetime, verifying again does", () => {
  const { clock, verified } = memoryAt();
  verified.remember("h", "ann");
  clock.now += VERIFIED_TTL_MS / 2;
  assert.equal(verified.lookup("h"), "ann");
  clock.now += VERIFIED_TTL_MS / 2;
  assert.equal(verified.lookup("h"), undefined);
  verified.remember("h", "ann");
  clock.now += VERIFIED_TTL_MS - 1;
  assert.equal(verified.lookup("h"), "ann");
});

Deno.test("VerifiedCredentials holds at most MAX_VERIFIED values, dropping the oldest", () => {
  const { verified } = memoryAt();
  for (let i = 0; i < MAX_VERIFIED * 2; i++) verified.remember(`Basic ${i}`, `user${i}`);
  assert.equal(verified.size, MAX_VERIFIED);
  assert.equal(verified.lookup("Basic 0"), undefined);
  assert.equal(verified.lookup(`Basic ${MAX_VERIFIED * 2 - 1}`), `user${MAX_VERIFIED * 2 - 1}`);
  assert.equal(verified.lookup(`Basic ${MAX_VERIFIED}`), `user${MAX_VERIFIED}`);
});

Deno.test("VerifiedCredentials forgets what the last lookup found once it is dropped", () => {
  const { verified } = memoryAt();
  verified.remember("Basic first", "ann");
  assert.equal(verified.lookup("Basic first"), "ann");
  for (let i = 0; i < MAX_VERIFIED; i++) verified.remember(`Basic ${i}`, "bob");
  assert.equal(verified.lookup("Basic first"), undefined);
  assert.equal(verified.size, MAX_VERIFIED);
});

Deno.test("VerifiedCredentials takes a clock set back for an expiry", () => {
  const { clock, verified } = memoryAt(1_000_000);
  verified.remember("h", "ann");
  assert.equal(verified.lookup("h"), "ann");
  clock.now -= 3_600_000;
  assert.equal(verified.lookup("h"), undefined, "an hour back must not mean an hour more");
});

Deno.test("VerifiedCredentials: verifying again starts a fresh lifetime, also for the last one found", () => {
  const { clock, verified } = memoryAt();
  verified.remember("h", "ann");
  assert.equal(verified.lookup("h"), "ann");
  clock.now += VERIFIED_TTL_MS - 10;
  verified.remember("h", "ann");
  clock.now += 20;
  assert.equal(verified.lookup("h"), "ann");
});
