/**
 * `deno task start` and `dev` run zhttp through scripts/start.ts, which gives it exactly the
 * permissions (and V8 flags) of the binary built for the OS it runs on, so a permission the
 * binary lacks fails in development too, not first in a user's hands.
 */
import assert from "node:assert/strict";
import denoJson from "../../deno.json" with { type: "json" };
import { serverPermissions } from "../../scripts/permissions.ts";
import { dataFolderEnvVars } from "../../lib/tls/data_folder.ts";

/** The `deno run` flags of a task, and what follows them: the script and its arguments. */
function runFlags(task: string): { flags: string[]; script: string[] } {
  const words = task.trim().split(/\s+/);
  assert.deepEqual(words.slice(0, 2), ["deno", "run"], `not a deno run task: ${task}`);
  const script = words.findIndex((word, at) => at >= 2 && !word.startsWith("-"));
  assert.ok(script > 0, `no script in: ${task}`);
  return { flags: words.slice(2, script), script: words.slice(script) };
}

const taskCases: { task: "start" | "dev"; script: string[] }[] = [
  { task: "start", script: ["scripts/start.ts"] },
  { task: "dev", script: ["scripts/start.ts", "--watch"] },
];

for (const { task, script } of taskCases) {
  Deno.test(`deno.json "${task}" task runs scripts/start.ts, which may only start processes`, () => {
    const run = runFlags(denoJson.tasks[task]);
    assert.deepEqual(run.script, script);
    // The launcher reads INIT_CWD and starts zhttp (Deno itself, at a path known only at
    // run time); zhttp's own permissions are the ones scripts/start.ts passes.
    assert.deepEqual(run.flags.toSorted(), ["--allow-env=INIT_CWD", "--allow-run", "--quiet"]);
  });
}

Deno.test("serverPermissions() names the programs, variables and system calls it allows", () => {
  // net, read and write stay open: the user picks the port and the folder at run time, and
  // the data folder is the user's (see scripts/permissions.ts).
  for (const os of ["linux", "darwin", "windows"] as const) {
    for (const flag of serverPermissions(os)) {
      assert.match(
        flag,
        /^--allow-(net|read|write|sys=[\w,]+|env=[\w,]+|run=[\w.-]+)$|^--unstable-net$/,
        `too broad: ${flag}`,
      );
    }
  }
});

Deno.test("serverPermissions() lets listeners share a port on Linux only (--workers)", () => {
  assert.ok(serverPermissions("linux").includes("--unstable-net"));
  for (const os of ["darwin", "windows"] as const) {
    assert.ok(!serverPermissions(os).includes("--unstable-net"), os);
  }
});

Deno.test("serverPermissions() reads only the variables that locate the data folder", () => {
  const rows: [typeof Deno.build.os, string[]][] = [
    ["windows", ["LOCALAPPDATA", "USERPROFILE"]],
    ["darwin", ["HOME"]],
    ["linux", ["XDG_DATA_HOME", "HOME"]],
  ];
  for (const [os, variables] of rows) {
    assert.deepEqual(dataFolderEnvVars(os), variables);
    assert.ok(serverPermissions(os).includes(`--allow-env=${variables.join(",")}`), os);
  }
});

Deno.test("serverPermissions() allows the computer's name, for the certificate --https makes", () => {
  for (const os of ["linux", "darwin", "windows"] as const) {
    const sys = serverPermissions(os).find((flag) => flag.startsWith("--allow-sys="));
    assert.deepEqual(sys?.slice("--allow-sys=".length).split(",").toSorted(), [
      "hostname",
      "networkInterfaces",
    ]);
  }
});
