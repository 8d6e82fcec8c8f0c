/**
 * Password hashes: scrypt as RFC 7914 defines it (its test vector), the PHC string round
 * trip, and the strings that are refused. Hashes are made at a low cost here, for speed;
 * the cost is a field of the hash, so the code under test is the same.
 */
import assert from "node:assert/strict";
import {
  DEFAULT_COST,
  dummyHash,
  formatPasswordHash,
  hashPassword,
  hashPasswordSync,
  MAX_SCRYPT_MEMORY_BYTES,
  parsePasswordHash,
  type PasswordHash,
  verifyPassword,
} from "../../lib/auth/password_hash.ts";

const CHEAP = { log2N: 4, r: 8, p: 1 };

function hex(text: string): Uint8Array {
  return Uint8Array.from(text.match(/../g)!, (byte) => parseInt(byte, 16));
}

Deno.test("verifyPassword() agrees with the scrypt test vector of RFC 7914 §12", async () => {
  const vector: PasswordHash = {
    log2N: 10,
    r: 8,
    p: 16,
    salt: new TextEncoder().encode("NaCl"),
    hash: hex(
      "fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b373162" +
        "2eaf30d92e22a3886ff109279d9830dac727afb94a83ee6d8360cbdfa2cc0640",
    ),
  };
  assert.equal(await verifyPassword("password", vector), true);
  assert.equal(await verifyPassword("Password", vector), false);
});

Deno.test("hashPassword() makes a hash that verifies its password and no other", async () => {
  const hash = await hashPassword("correct horse", CHEAP);
  assert.equal(await verifyPassword("correct horse", hash), true);
  for (const wrong of ["correct hors", "correct horse ", "Correct horse", ""]) {
    assert.equal(await verifyPassword(wrong, hash), false, JSON.stringify(wrong));
  }
});

Deno.test("hashPassword() salts: the same password hashes differently each time", async () => {
  const [a, b] = [await hashPassword("same", CHEAP), await hashPassword("same", CHEAP)];
  assert.notDeepEqual(a.salt, b.salt);
  assert.notDeepEqual(a.hash, b.hash);
  assert.equal(await verifyPassword("same", b), true);
});

Deno.test("hashPassword() and verifyPassword() read passwords in NFC: é is é however typed", async () => {
  const hash = await hashPassword("caf\u00e9", CHEAP);
  assert.equal(await verifyPassword("cafe\u0301", hash), true);
  const decomposed = hashPasswordSync("cafe\u0301", CHEAP);
  assert.equal(await verifyPassword("caf\u00e9", decomposed), true);
});

Deno.test("hashPasswordSync() hashes as hashPassword() does, at the default cost", async () => {
  const hash = hashPasswordSync("pässwörd");
  assert.deepEqual({ log2N: hash.log2N, r: hash.r, p: hash.p }, DEFAULT_COST);
  assert.equal(hash.salt.length, 16);
  assert.equal(hash.hash.length, 32);
  assert.equal(await verifyPassword("pässwörd", hash), true);
});

Deno.test("formatPasswordHash() writes a PHC string that parsePasswordHash() reads back", async () => {
  const hash = await hashPassword("round trip", CHEAP);
  const text = formatPasswordHash(hash);
  assert.match(text, /^\$scrypt\$ln=4,r=8,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
  const parsed = parsePasswordHash(text);
  assert.deepEqual(parsed, hash);
  assert.equal(await verifyPassword("round trip", parsed as PasswordHash), true);
});

Deno.test("dummyHash() has the cost asked for and matches no password", async () => {
  const dummy = dummyHash(CHEAP);
  assert.deepEqual({ log2N: dummy.log2N, r: dummy.r, p: dummy.p }, CHEAP);
  for (const guess of ["", "password", "dummy"]) {
    assert.equal(await verifyPassword(guess, dummy), false);
  }
});

const SALT = "c2FsdHNhbHRzYWx0c2FsdA"; // 16 bytes
const KEY = "a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2U"; // 29 bytes

const REFUSED: { text: string; reason: string; why: string }[] = [
  { text: "", reason: "no scrypt hash", why: "empty" },
  { text: "hunter2", reason: "no scrypt hash", why: "a password, not a hash" },
  {
    text: "$2y$10$abcdefghijklmnopqrstuuN5kQmW0v1p1b0Hw8Q0E6b8F6c0m0a1e",
    reason: "no scrypt hash",
    why: "bcrypt",
  },
  {
    text: `$argon2id$v=19$m=65536,t=3,p=4$${SALT}$${KEY}`,
    reason: "no scrypt hash",
    why: "argon2id",
  },
  { text: `$scrypt$ln=15,r=8$${SALT}$${KEY}`, reason: "a damaged scrypt hash", why: "no p" },
  { text: `$scrypt$ln=15,r=8,p=1$${SALT}`, reason: "a damaged scrypt hash", why: "no key" },
  {
    text: `$scrypt$ln=15,r=8,p=1$${SALT}$${KEY}=`,
    reason: "a damaged scrypt hash",
    why: "padding",
  },
  {
    text: `$scrypt$ln=15,r=8,p=1$${SALT}$${KEY} `,
    reason: "a damaged scrypt hash",
    why: "trailing space",
  },
  {
    text: `$scrypt$ln=015,r=8,p=1$${SALT}$${KEY}`,
    reason: "a damaged scrypt hash",
    why: "leading zero",
  },
  {
    text: `$scrypt$ln=15,r=33,p=1$${SALT}$${KEY}`,
    reason: "scrypt parameters out of range",
    why: "r above 32",
  },
  {
    text: `$scrypt$ln=15,r=8,p=17$${SALT}$${KEY}`,
    reason: "scrypt parameters out of range",
    why: "p above 16",
  },
  {
    text: `$scrypt$ln=19,r=8,p=1$${SALT}$${KEY}`,
    reason: `a scrypt cost above ${MAX_SCRYPT_MEMORY_BYTES / 1024 / 1024} MiB`,
    why: "512 MiB",
  },
  {
    text: `$scrypt$ln=30,r=8,p=1$${SALT}$${KEY}`,
    reason: `a scrypt cost above ${MAX_SCRYPT_MEMORY_BYTES / 1024 / 1024} MiB`,
    why: "a typo asking for 1 TiB",
  },
  {
    text: `$scrypt$ln=15,r=8,p=1$c2FsdA$${KEY}`,
    reason: "a damaged scrypt salt",
    why: "a 4-byte salt",
  },
  {
    text: `$scrypt$ln=15,r=8,p=1$c2FsdHNhbHRzYWx0c2FsdB$${KEY}`,
    reason: "a damaged scrypt salt",
    why: "leftover bits in the salt",
  },
  {
    text: `$scrypt$ln=15,r=8,p=1$${SALT}$a2V5a2V5`,
    reason: "a damaged scrypt hash",
    why: "a 6-byte key",
  },
];

for (const { text, reason, why } of REFUSED) {
  Deno.test(`parsePasswordHash() refuses ${why}: ${JSON.stringify(text.slice(0, 40))}`, () => {
    assert.deepEqual(parsePasswordHash(text), { refused: reason });
  });
}

Deno.test("parsePasswordHash() reads the cost passlib's scrypt writes (ln=16) and others", () => {
  for (const [ln, r, p] of [[16, 8, 1], [14, 8, 1], [15, 8, 3], [1, 1, 1], [18, 8, 1]]) {
    const parsed = parsePasswordHash(`$scrypt$ln=${ln},r=${r},p=${p}$${SALT}$${KEY}`);
    assert.ok(!("refused" in parsed), `ln=${ln},r=${r},p=${p}`);
    assert.deepEqual([parsed.log2N, parsed.r, parsed.p, parsed.hash.length], [ln, r, p, 29]);
  }
});
