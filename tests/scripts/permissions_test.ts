/**
 * `deno task start` and `dev` run zhttp with exactly the permissions (and V8 flags) of the
 * compiled binary, so a permission the binary lacks fails in development too, not first in a
 * user's hands.
 */
import assert from "node:assert/strict";
import denoJson from "../../deno.json" with { type: "json" };
import { serverPermissions, TASK_PERMISSIONS } from "../../scripts/permissions.ts";
import { V8_FLAGS_ARG } from "../../scripts/v8_flags.ts";

/** The `deno run` flags of a task, and what follows them: the script and its arguments. */
function runFlags(task: string): { flags: string[]; script: string[] } {
  const words = task.trim().split(/\s+/);
  assert.deepEqual(words.slice(0, 2), ["deno", "run"], `not a deno run task: ${task}`);
  const script = words.findIndex((word, at) => at >= 2 && !word.startsWith("-"));
  assert.ok(script > 0, `no script in: ${task}`);
  return { flags: words.slice(2, script), script: words.slice(script) };
}

const taskCases: { task: "start" | "dev"; otherFlags: string[] }[] = [
  { task: "start", otherFlags: [V8_FLAGS_ARG] },
  { task: "dev", otherFlags: ["--watch", V8_FLAGS_ARG] },
];

for (const { task, otherFlags } of taskCases) {
  Deno.test(`deno.json "${task}" task runs main.ts with exactly TASK_PERMISSIONS and V8_FLAGS`, () => {
    const { flags, script } = runFlags(denoJson.tasks[task]);
    const permissions = flags.filter((flag) => !otherFlags.includes(flag));
    assert.deepEqual(permissions.toSorted(), [...TASK_PERMISSIONS].toSorted());
    assert.deepEqual(flags.filter((flag) => otherFlags.includes(flag)), otherFlags);
    assert.deepEqual(script, ["main.ts", "static"]);
  });
}

Deno.test("serverPermissions() names the programs and system calls it allows", () => {
  // net and read stay open: the user picks the port and the folder at run time.
  for (const os of ["linux", "darwin", "windows"] as const) {
    for (const flag of serverPermissions(os)) {
      assert.match(flag, /^--allow-(net|read|sys=[\w,]+|run=[\w.-]+)$/, `too broad: ${flag}`);
    }
  }
});

Deno.test("TASK_PERMISSIONS are the binary's, with every OS's browser opener", () => {
  const withoutRun = (flags: readonly string[]) =>
    flags.filter((f) => !f.startsWith("--allow-run"));
  assert.deepEqual(withoutRun(TASK_PERMISSIONS), withoutRun(serverPermissions("linux")));
  const runs = TASK_PERMISSIONS.find((f) => f.startsWith("--allow-run="))!.split("=")[1].split(",");
  for (const os of ["linux", "darwin", "windows"] as const) {
    const [binaryRun] = serverPermissions(os).filter((f) => f.startsWith("--allow-run="));
    assert.ok(runs.includes(binaryRun.split("=")[1]), os);
  }
});
