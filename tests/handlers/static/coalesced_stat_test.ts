/** CoalescedStat: requests that arrive together share a stat; none ever sees an older state. */
import assert from "node:assert/strict";
import { CoalescedStat } from "../../../lib/handlers/static/coalesced_stat.ts";

/** A stat that counts its calls and describes files by a size the test controls. */
function countingStat(sizes: Map<string, number>) {
  const calls: string[] = [];
  const stat = (path: string): Deno.FileInfo => {
    calls.push(path);
    const size = sizes.get(path);
    if (size === undefined) throw new Deno.errors.NotFound(`no ${path}`);
    return { ...Deno.statSync(Deno.cwd()), isFile: true, isDirectory: false, size };
  };
  return { calls, stat };
}

Deno.test("CoalescedStat: requests for one path in the same turn share one stat", async () => {
  const { calls, stat } = countingStat(new Map([["/a", 1], ["/b", 2]]));
  const stats = new CoalescedStat(stat);
  const answers = await Promise.all([
    stats.stat("/a"),
    stats.stat("/a"),
    stats.stat("/b"),
    stats.stat("/a"),
  ]);
  assert.deepEqual(answers.map((info) => info.size), [1, 1, 2, 1]);
  assert.deepEqual(calls, ["/a", "/b"]);
});

Deno.test("CoalescedStat: a request after the stat was taken gets a new one", async () => {
  const sizes = new Map([["/a", 1]]);
  const { calls, stat } = countingStat(sizes);
  const stats = new CoalescedStat(stat);
  assert.equal((await stats.stat("/a")).size, 1);
  sizes.set("/a", 2);
  assert.equal((await stats.stat("/a")).size, 2);
  assert.equal(calls.length, 2);
});

Deno.test("CoalescedStat: a change before the shared stat is taken is seen by all", async () => {
  const sizes = new Map([["/a", 1]]);
  const { stat } = countingStat(sizes);
  const stats = new CoalescedStat(stat);
  const first = stats.stat("/a");
  // The file changes after the first request arrived but before its stat was taken: both
  // requests are answered from the new state, which is current for each of them.
  sizes.set("/a", 2);
  const second = stats.stat("/a");
  assert.deepEqual([(await first).size, (await second).size], [2, 2]);
});

Deno.test("CoalescedStat: a failing stat fails every request that shared it", async () => {
  const { calls, stat } = countingStat(new Map());
  const stats = new CoalescedStat(stat);
  const results = await Promise.allSettled([stats.stat("/gone"), stats.stat("/gone")]);
  for (const result of results) {
    assert.equal(result.status, "rejected");
    assert.ok(result.reason instanceof Deno.errors.NotFound);
  }
  assert.equal(calls.length, 1);
});

Deno.test("CoalescedStat: the real stat sees a file rewritten between two requests", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const file = `${dir}/page.html`;
    await Deno.writeTextFile(file, "one");
    const stats = new CoalescedStat();
    assert.equal((await stats.stat(file)).size, 3);
    await Deno.writeTextFile(file, "three");
    assert.equal((await stats.stat(file)).size, 5);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
