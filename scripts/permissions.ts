/**
 * The permissions zhttp runs with, in one place: baked into the compiled binary by
 * scripts/compile.ts, used by `deno task start`/`dev` (a test checks they match), and by
 * every test that runs main.ts as a process, so a missing permission shows up here first.
 *
 * - net: listen on the address and port the user picks.
 * - read: serve whichever folder the user picks (and find zhttp.json beside the program).
 * - sys=networkInterfaces: print the LAN addresses in the banner.
 * - run: the one program that opens the browser for --open on that OS. Only that one: a
 *   listed program that is missing makes Deno print an "Info Failed to resolve" line at
 *   every start, which has no place on a double-clicked console.
 */
import { browserCommand } from "../lib/cli/startup.ts";

const ALWAYS = ["--allow-net", "--allow-read", "--allow-sys=networkInterfaces"] as const;

/** The permission flags of the binary built for (or the process running on) `os`. */
export function serverPermissions(os: typeof Deno.build.os): string[] {
  return [...ALWAYS, `--allow-run=${browserOpener(os)}`];
}

/**
 * `deno task start` and `dev` run on any developer's machine, so they allow the opener of
 * every OS zhttp is built for; otherwise the same as the binary.
 */
export const TASK_PERMISSIONS: readonly string[] = [
  ...ALWAYS,
  `--allow-run=${(["linux", "darwin", "windows"] as const).map(browserOpener).join(",")}`,
];

function browserOpener(os: typeof Deno.build.os): string {
  return browserCommand(os, "")[0];
}
