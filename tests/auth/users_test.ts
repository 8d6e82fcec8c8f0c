/** The user table: verdicts, unknown users checked at the users' own cost, and the turn limit. */
import assert from "node:assert/strict";
import { hashPasswordSync, type ScryptCost } from "../../lib/auth/password_hash.ts";
import { MAX_CONCURRENT_VERIFICATIONS, UserTable } from "../../lib/auth/users.ts";

const CHEAP: ScryptCost = { log2N: 4, r: 8, p: 1 };
const ann = { name: "ann", hash: hashPasswordSync("ann's secret", CHEAP) };
const jurgen = { name: "Ju\u0308rgen", hash: hashPasswordSync("pässwörd", CHEAP) };

Deno.test("UserTable.verify() accepts each user's own password only", async () => {
  const users = new UserTable([ann, jurgen]);
  assert.equal(await users.verify("ann", "ann's secret"), "accepted");
  assert.equal(await users.verify("ann", "pässwörd"), "refused");
  assert.equal(await users.verify("Ann", "ann's secret"), "refused", "names are case-sensitive");
  assert.equal(await users.verify("J\u00fcrgen", "pässwörd"), "accepted", "names kept in NFC");
});

Deno.test("UserTable.verify() refuses an unknown user, whatever the password", async () => {
  const users = new UserTable([ann]);
  for (const password of ["ann's secret", "", "x"]) {
    assert.equal(await users.verify("bob", password), "refused");
  }
});

Deno.test("UserTable checks unknown names at the cost most users' hashes have", () => {
  const strong = { log2N: 6, r: 8, p: 1 };
  const table = new UserTable([
    ann,
    { name: "b", hash: hashPasswordSync("b", strong) },
    { name: "c", hash: hashPasswordSync("c", strong) },
  ]);
  assert.deepEqual(table.dummyCost, strong);
  assert.deepEqual(new UserTable([ann]).dummyCost, CHEAP);
  // On a tie, the dearer cost: an unknown name must not be the quick answer.
  assert.deepEqual(
    new UserTable([ann, { name: "b", hash: hashPasswordSync("b", strong) }]).dummyCost,
    strong,
  );
});

Deno.test("UserTable.verify() gives up without scrypt when the client left before its turn", async () => {
  const users = new UserTable([ann]);
  const gone = new AbortController();
  gone.abort();
  assert.equal(await users.verify("ann", "ann's secret", gone.signal), "abandoned");
});

Deno.test("UserTable.verify() runs MAX_CONCURRENT_VERIFICATIONS at once and queues the rest", async () => {
  // A dearer hash (~50 ms) keeps the first checks busy while the test looks at the next one.
  const slow = { name: "slow", hash: hashPasswordSync("slow", { log2N: 14, r: 8, p: 1 }) };
  const users = new UserTable([slow]);
  const first = Array.from(
    { length: MAX_CONCURRENT_VERIFICATIONS },
    () => users.verify("slow", "slow"),
  );
  // Its client leaves a moment later: had it started at once, it would be past that check.
  const leaving = new AbortController();
  const waiting = users.verify("slow", "slow", leaving.signal);
  setTimeout(() => leaving.abort(), 0);
  assert.equal(await waiting, "abandoned");
  assert.deepEqual(await Promise.all(first), first.map(() => "accepted"));
});

Deno.test("UserTable needs a user", () => {
  assert.throws(() => new UserTable([]), RangeError);
});
