/**
 * The login throttle on a clock the test moves: the lockout schedule, brute-force loops
 * from one address while another logs in, attempts counted while in flight, bounded memory,
 * and the per-client keys (IPv4, IPv6 /64, IPv4-mapped IPv6).
 */
import assert from "node:assert/strict";
import {
  clientKey,
  DEFAULT_THROTTLE,
  LoginThrottle,
  MAX_TRACKED_CLIENTS,
} from "../../lib/auth/login_throttle.ts";

/** A throttle with the default policy on a clock that moves only when told. */
function throttleAt(start = 0) {
  const clock = { now: start };
  return { clock, throttle: new LoginThrottle(DEFAULT_THROTTLE, () => clock.now) };
}

/** One wrong password from `client`: whether it was checked, or the Retry-After it got. */
function guess(throttle: LoginThrottle, client: string): "checked" | number {
  const admission = throttle.admit(client);
  if (!admission.allowed) return admission.retryAfterMs;
  throttle.settle(client, "refused");
  return "checked";
}

Deno.test("LoginThrottle lets 5 failures through, then locks out for 1 s, 2 s, 4 s…", () => {
  const { clock, throttle } = throttleAt();
  for (let i = 0; i < 5; i++) assert.equal(guess(throttle, "a"), "checked", `failure ${i + 1}`);
  assert.equal(guess(throttle, "a"), 1000);
  for (const lockoutMs of [1000, 2000, 4000, 8000]) {
    clock.now += lockoutMs - 1;
    assert.equal(guess(throttle, "a"), 1, "one millisecond early");
    clock.now += 1;
    assert.equal(guess(throttle, "a"), "checked");
    assert.equal(guess(throttle, "a"), lockoutMs * 2, "the next lockout doubles");
  }
});

Deno.test("LoginThrottle.settle() returns each lockout it starts, capped at 10 minutes", () => {
  const { clock, throttle } = throttleAt();
  const lockouts = [];
  for (let failure = 1; failure <= 20; failure++) {
    assert.deepEqual(throttle.admit("a"), { allowed: true }, `failure ${failure}`);
    lockouts.push(throttle.settle("a", "refused"));
    clock.now += DEFAULT_THROTTLE.maxLockoutMs;
  }
  assert.deepEqual(lockouts.slice(0, 4), [null, null, null, null]);
  assert.deepEqual(lockouts[4], { failures: 5, lockoutMs: 1000 });
  assert.deepEqual(lockouts[5], { failures: 6, lockoutMs: 2000 });
  assert.deepEqual(lockouts[13], { failures: 14, lockoutMs: 512_000 });
  assert.deepEqual(lockouts[14], { failures: 15, lockoutMs: 600_000 });
  assert.deepEqual(lockouts[19], { failures: 20, lockoutMs: 600_000 });
});

Deno.test("LoginThrottle: 1,000 wrong passwords in a second from one address get 5 checked; another address logs in at once", () => {
  const { clock, throttle } = throttleAt();
  let checked = 0;
  for (let attempt = 0; attempt < 1000; attempt++) {
    if (guess(throttle, "198.51.100.7") === "checked") checked++;
    clock.now += 1;
  }
  assert.equal(checked, 5);
  assert.deepEqual(throttle.admit("203.0.113.9"), { allowed: true });
  assert.equal(throttle.settle("203.0.113.9", "accepted"), null);
});

Deno.test("LoginThrottle: a guess every second for a day gets at most 5 + 10 + one per 10 minutes", () => {
  const { clock, throttle } = throttleAt();
  let checked = 0;
  const day = 24 * 60 * 60;
  for (let second = 0; second < day; second++) {
    if (guess(throttle, "a") === "checked") checked++;
    clock.now += 1000;
  }
  // 5 free, then lockouts of 1 s … 512 s (10 guesses in ~17 min), then one per 600 s.
  const ceiling = 5 + 10 + Math.ceil(day / 600);
  assert.ok(checked <= ceiling && checked >= ceiling - 5, `${checked} guesses, ceiling ${ceiling}`);
});

Deno.test("LoginThrottle counts attempts in flight: 100 parallel guesses get 5 checked", () => {
  const { throttle } = throttleAt();
  const outcomes = Array.from({ length: 100 }, () => throttle.admit("a"));
  assert.equal(outcomes.filter((outcome) => outcome.allowed).length, 5);
  assert.deepEqual(outcomes[5], { allowed: false, retryAfterMs: 1000 });
  for (let i = 0; i < 5; i++) throttle.settle("a", "refused");
  assert.deepEqual(throttle.admit("a"), { allowed: false, retryAfterMs: 1000 });
});

Deno.test("LoginThrottle: once locked out, one attempt at a time is checked", () => {
  const { clock, throttle } = throttleAt();
  for (let i = 0; i < 5; i++) guess(throttle, "a");
  clock.now += 1000;
  assert.deepEqual(throttle.admit("a"), { allowed: true });
  assert.deepEqual(throttle.admit("a"), { allowed: false, retryAfterMs: 1000 });
});

Deno.test("LoginThrottle: a success keeps the failures (a valid login is no licence to guess)", () => {
  const { clock, throttle } = throttleAt();
  for (let i = 0; i < 4; i++) guess(throttle, "a");
  assert.deepEqual(throttle.admit("a"), { allowed: true });
  throttle.settle("a", "accepted");
  assert.equal(guess(throttle, "a"), "checked");
  assert.equal(guess(throttle, "a"), 1000, "the fifth failure locks out");
  clock.now += 1000;
  assert.deepEqual(throttle.admit("a"), { allowed: true });
});

Deno.test("LoginThrottle: an abandoned attempt is not a failure", () => {
  const { throttle } = throttleAt();
  for (let i = 0; i < 20; i++) {
    assert.deepEqual(throttle.admit("a"), { allowed: true });
    assert.equal(throttle.settle("a", "abandoned"), null);
  }
  assert.equal(throttle.size, 0, "nothing is kept for a client without failures");
});

Deno.test("LoginThrottle forgets an address an hour after its last failure", () => {
  const { clock, throttle } = throttleAt();
  for (let i = 0; i < 8; i++) {
    guess(throttle, "a");
    clock.now += 60_000;
  }
  clock.now += DEFAULT_THROTTLE.forgetAfterMs;
  for (let i = 0; i < 5; i++) assert.equal(guess(throttle, "a"), "checked", `fresh ${i + 1}`);
});

Deno.test("LoginThrottle keeps at most MAX_TRACKED_CLIENTS addresses, dropping the least recent", () => {
  const { throttle } = throttleAt();
  for (let i = 0; i < MAX_TRACKED_CLIENTS * 3; i++) guess(throttle, `client-${i}`);
  assert.equal(throttle.size, MAX_TRACKED_CLIENTS);
  // The latest are remembered (a sixth failure is still a failure there), the first are not.
  const latest = `client-${MAX_TRACKED_CLIENTS * 3 - 1}`;
  for (let i = 0; i < 4; i++) guess(throttle, latest);
  assert.equal(typeof guess(throttle, latest), "number");
  for (let i = 0; i < 5; i++) assert.equal(guess(throttle, "client-0"), "checked");
  assert.equal(throttle.size, MAX_TRACKED_CLIENTS);
});

Deno.test("LoginThrottle.settle() of a client dropped meanwhile is ignored", () => {
  const throttle = new LoginThrottle({ ...DEFAULT_THROTTLE, maxClients: 2 });
  assert.deepEqual(throttle.admit("a"), { allowed: true });
  guess(throttle, "b");
  guess(throttle, "c");
  assert.equal(throttle.settle("a", "refused"), null);
  assert.equal(throttle.size, 2);
});

const tcp = (hostname: string): Deno.Addr => ({ transport: "tcp", hostname, port: 40000 });

const KEYS: { addr: Deno.Addr; key: string; why: string }[] = [
  { addr: tcp("192.0.2.1"), key: "192.0.2.1", why: "IPv4 as it is" },
  { addr: tcp("::ffff:192.0.2.1"), key: "192.0.2.1", why: "IPv4 on a dual-stack socket" },
  { addr: tcp("::FFFF:c000:0201"), key: "192.0.2.1", why: "IPv4-mapped in hex" },
  { addr: tcp("2001:db8:1:2:3:4:5:6"), key: "2001:db8:1:2::/64", why: "IPv6: its /64" },
  { addr: tcp("2001:db8:1:2:ffff:ffff:ffff:ffff"), key: "2001:db8:1:2::/64", why: "same /64" },
  { addr: tcp("2001:db8:1:3::1"), key: "2001:db8:1:3::/64", why: "the next /64" },
  { addr: tcp("2001:DB8:0:0::1"), key: "2001:db8:0:0::/64", why: "case and zeros" },
  { addr: tcp("fe80::1%eth0"), key: "fe80:0:0:0::/64", why: "zone left out" },
  { addr: tcp("::1"), key: "0:0:0:0::/64", why: "IPv6 loopback" },
  { addr: tcp("::"), key: "0:0:0:0::/64", why: "all zeros" },
  { addr: tcp("64:ff9b::192.0.2.1"), key: "64:ff9b:0:0::/64", why: "NAT64, not mapped" },
  { addr: tcp("1:2:3:4:5:6:7:8:9"), key: "1:2:3:4:5:6:7:8:9", why: "not an address: as it is" },
  { addr: { transport: "unix", path: "/run/zhttp.sock" }, key: "/run/zhttp.sock", why: "Unix" },
];

for (const { addr, key, why } of KEYS) {
  Deno.test(`clientKey() gives ${key} (${why})`, () => {
    assert.equal(clientKey(addr), key);
  });
}
