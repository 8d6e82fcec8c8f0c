/**
 * The Basic credentials parser (RFC 7617) from a table of raw `Authorization` values, the
 * challenge it pairs with, and the realm rule.
 */
import assert from "node:assert/strict";
import {
  basicChallenge,
  hasControlCharacter,
  isValidRealm,
  MAX_CREDENTIALS_CHARS,
  MAX_REALM_CHARS,
  parseBasicCredentials,
} from "../../lib/http/basic_credentials.ts";

/** Raw field values and what they hold: [user, password], or the reason they are refused. */
const CASES: { value: string; expected: [string, string] | string; why: string }[] = [
  {
    value: "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==",
    expected: ["Aladdin", "open sesame"],
    why: "RFC 7617 §2",
  },
  {
    value: "basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==",
    expected: ["Aladdin", "open sesame"],
    why: "lower-case scheme",
  },
  {
    value: "BASIC QWxhZGRpbjpvcGVuIHNlc2FtZQ==",
    expected: ["Aladdin", "open sesame"],
    why: "upper-case scheme",
  },
  {
    value: "bAsIc QWxhZGRpbjpvcGVuIHNlc2FtZQ==",
    expected: ["Aladdin", "open sesame"],
    why: "mixed-case scheme",
  },
  {
    value: "Basic   QWxhZGRpbjpvcGVuIHNlc2FtZQ==",
    expected: ["Aladdin", "open sesame"],
    why: "1*SP",
  },
  {
    value: " Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ== ",
    expected: ["Aladdin", "open sesame"],
    why: "outer whitespace",
  },
  {
    value: "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ",
    expected: ["Aladdin", "open sesame"],
    why: "padding left out",
  },
  { value: "Basic dGVzdDoxMjPCow==", expected: ["test", "123£"], why: "RFC 7617 §2.1: UTF-8" },
  {
    value: "Basic SsO8cmdlbjrQv9Cw0YDQvtC70Yw=",
    expected: ["Jürgen", "пароль"],
    why: "UTF-8 user and password",
  },
  { value: "Basic ZcyBOng=", expected: ["é", "x"], why: "NFD user name comes back in NFC" },
  {
    value: "Basic YW5uOnBhOnNz",
    expected: ["ann", "pa:ss"],
    why: "the name ends at the first colon",
  },
  {
    value: "Basic YW5uOg==",
    expected: ["ann", ""],
    why: "an empty password is a (wrong) password",
  },
  { value: "", expected: "not the Basic scheme", why: "empty" },
  { value: "Bearer abc.def", expected: "not the Basic scheme", why: "another scheme" },
  {
    value: "Basicx QWxhZGRpbjpvcGVuIHNlc2FtZQ==",
    expected: "not the Basic scheme",
    why: "longer scheme name",
  },
  {
    value: "Basic\tQWxhZGRpbjpvcGVuIHNlc2FtZQ==",
    expected: "not the Basic scheme",
    why: "a tab is not 1*SP",
  },
  { value: "QWxhZGRpbjpvcGVuIHNlc2FtZQ==", expected: "not the Basic scheme", why: "no scheme" },
  { value: "Basic", expected: "no credentials after the scheme", why: "scheme alone" },
  { value: "Basic ", expected: "no credentials after the scheme", why: "scheme and a space" },
  { value: "Basic QWxh ZGRp", expected: "not base64", why: "space inside" },
  { value: "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=", expected: "not base64", why: "half the padding" },
  { value: "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ===", expected: "not base64", why: "too much padding" },
  {
    value: "Basic YW5uOh==",
    expected: "not base64",
    why: "leftover bits not zero: a second spelling",
  },
  { value: "Basic Y", expected: "not base64", why: "a length no encoding gives" },
  { value: "Basic YW5u_nBh", expected: "not base64", why: "base64url alphabet" },
  { value: "Basic YW5u=OnB3", expected: "not base64", why: "padding in the middle" },
  { value: "Basic !!!!", expected: "not base64", why: "not the alphabet" },
  { value: "Basic YW5uOnB3, Basic YW5uOnB3", expected: "not base64", why: "two fields joined" },
  {
    value: "Basic YW5ucHc=",
    expected: "no colon between user name and password",
    why: "missing colon",
  },
  { value: "Basic OnB3", expected: "empty user name", why: "nothing before the colon" },
  { value: "Basic YW5uOv/+", expected: "not UTF-8", why: "bytes that are no UTF-8" },
  { value: "Basic YW5uOmEJYg==", expected: "control character", why: "a tab in the password" },
  { value: "Basic YW5ufzp4", expected: "control character", why: "DEL in the user name" },
  { value: "Basic YW5uOngA", expected: "control character", why: "NUL in the password" },
];

for (const { value, expected, why } of CASES) {
  const outcome = typeof expected === "string" ? `refuses it (${expected})` : "reads it";
  Deno.test(`parseBasicCredentials() ${outcome}: ${JSON.stringify(value)}, ${why}`, () => {
    const parsed = parseBasicCredentials(value);
    if (typeof expected === "string") {
      assert.deepEqual(parsed, { ok: false, reason: expected });
    } else {
      assert.deepEqual(parsed, { ok: true, user: expected[0], password: expected[1] });
    }
  });
}

Deno.test("parseBasicCredentials() refuses a huge value before decoding it", () => {
  const user = "a".repeat(3000);
  const huge = `Basic ${btoa(`${user}:${"b".repeat(3000)}`)}`;
  assert.ok(huge.length > MAX_CREDENTIALS_CHARS);
  assert.deepEqual(parseBasicCredentials(huge), { ok: false, reason: "too long" });
  const justFits = `Basic ${btoa(`${user}:b`)}`;
  assert.ok(justFits.length <= MAX_CREDENTIALS_CHARS);
  assert.deepEqual(parseBasicCredentials(justFits), { ok: true, user, password: "b" });
});

Deno.test("basicChallenge() names the realm and asks for UTF-8 (RFC 7617 §2.1)", () => {
  assert.equal(basicChallenge("zhttp"), 'Basic realm="zhttp", charset="UTF-8"');
  assert.equal(basicChallenge("Ann's photos"), `Basic realm="Ann's photos", charset="UTF-8"`);
});

const REALMS: [string, boolean][] = [
  ["zhttp", true],
  ["Ann's photos 2026", true],
  ["x".repeat(MAX_REALM_CHARS), true],
  ["x".repeat(MAX_REALM_CHARS + 1), false],
  ["", false],
  ['say "hi"', false],
  ["back\\slash", false],
  ["tab\there", false],
  ["café", false],
];

for (const [realm, valid] of REALMS) {
  Deno.test(`isValidRealm() ${valid ? "takes" : "refuses"} ${JSON.stringify(realm.slice(0, 20))}`, () => {
    assert.equal(isValidRealm(realm), valid);
  });
}

Deno.test("hasControlCharacter() finds C0 and DEL, not C1 or other text", () => {
  for (const text of ["\x00", "a\x1fb", "\x7f", "a\nb"]) assert.ok(hasControlCharacter(text), text);
  for (const text of ["", "plain", "é\u0085", " ~"]) assert.ok(!hasControlCharacter(text), text);
});
