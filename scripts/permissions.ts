/**
 * The permissions zhttp runs with, in one place: baked into the compiled binary by
 * scripts/compile.ts, used by `deno task start`/`dev` (through scripts/start.ts, which picks
 * the set of the OS it runs on), and by every test that runs main.ts as a process, so a
 * missing permission shows up here first.
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

function browserOpener(os: typeof Deno.build.os): string {
  return browserCommand(os, "")[0];
}
