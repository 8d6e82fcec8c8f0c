/**
 * What a login costs, per verification: scrypt at the cost `zhttp hash-password` uses, for
 * the right password, a wrong one and an unknown user (the last two must take the same
 * time, or a guesser learns which names exist), and the remembered verification that a
 * logged-in browser gets on every later request instead.
 *
 *   deno run scripts/auth_bench.ts [--rounds 20]
 *
 * The three kinds of scrypt check take turns, round after round and each round starting with
 * the next, so that the drift of a shared machine hits each alike; medians and minimums are printed. The load comparison
 * (logged-in 1 KiB requests against open ones) is `deno task bench --only file-1k-auth`.
 */
import { parseArgs } from "node:util";
import { DEFAULT_COST, hashPasswordSync } from "../lib/auth/password_hash.ts";
import { UserTable } from "../lib/auth/users.ts";
import { VerifiedCredentials } from "../lib/auth/verified_credentials.ts";
import { median } from "./bench/stats.ts";

/** Rounds by default: each is three scrypt runs of ~100 ms. */
const DEFAULT_ROUNDS = 20;
/** Lookups timed together: one takes well under a microsecond. */
const LOOKUPS = 1_000_000;

const { values } = parseArgs({ options: { rounds: { type: "string" } } });
const rounds = Number(values.rounds ?? DEFAULT_ROUNDS);
if (!Number.isInteger(rounds) || rounds < 1) {
  console.error(`auth_bench: --rounds takes a whole number of at least 1, not "${values.rounds}"`);
  Deno.exit(2);
}

const users = new UserTable([{ name: "bench", hash: hashPasswordSync("bench-password") }]);
const checks = {
  "right password": () => users.verify("bench", "bench-password"),
  "wrong password": () => users.verify("bench", "wrong-password"),
  "unknown user": () => users.verify("nobody", "wrong-password"),
};
const times = new Map(Object.keys(checks).map((name) => [name, [] as number[]]));
await checks["right password"](); // Warm-up: the thread pool, the JIT.
const order = Object.entries(checks);
for (let round = 0; round < rounds; round++) {
  // Each round starts with the next kind, so none is always first or last.
  for (let turn = 0; turn < order.length; turn++) {
    const [name, check] = order[(round + turn) % order.length];
    const started = performance.now();
    await check();
    times.get(name)!.push(performance.now() - started);
  }
}

const verified = new VerifiedCredentials();
const header = `Basic ${btoa("bench:bench-password")}`;
verified.remember(header, "bench");
const started = performance.now();
for (let i = 0; i < LOOKUPS; i++) {
  if (verified.lookup(header) !== "bench") throw new Error("not remembered");
}
const lookupNs = (performance.now() - started) * 1e6 / LOOKUPS;

const { log2N, r, p } = DEFAULT_COST;
console.log(`scrypt ln=${log2N}, r=${r}, p=${p}: ${rounds} rounds, the three checks in turn`);
for (const [name, samples] of times) {
  const ms = (value: number) => `${value.toFixed(1)} ms`;
  console.log(
    `  ${name.padEnd(16)} median ${ms(median(samples))}, min ${ms(Math.min(...samples))}`,
  );
}
const ratio = median(times.get("unknown user")!) / median(times.get("wrong password")!);
console.log(`  unknown user ÷ wrong password: ${ratio.toFixed(2)}x`);
console.log(`remembered verification: ${lookupNs.toFixed(0)} ns per logged-in request`);
console.log(
  JSON.stringify({
    zhttpAuthBench: {
      cost: DEFAULT_COST,
      rounds,
      medianMs: Object.fromEntries([...times].map(([name, s]) => [name, median(s)])),
      minMs: Object.fromEntries([...times].map(([name, s]) => [name, Math.min(...s)])),
      unknownOverWrong: ratio,
      rememberedNs: lookupNs,
    },
  }),
);
