/**
 * The permissions zhttp runs with, in one place: baked into the compiled binary by
 * scripts/compile.ts, used by `deno task start`/`dev` (through scripts/start.ts, which picks
 * the set of the OS it runs on), and by every test that runs main.ts as a process, so a
 * missing permission shows up here first.
 *
 * - net: listen on the address and port the user picks.
 * - read: serve whichever folder the user picks (and find zhttp.json beside the program).
 * - sys=networkInterfaces: print the LAN addresses in the banner (and name them in the
 *   certificate of --https --lan); sys=hostname: name this computer in that certificate.
 * - env: only the variables that locate zhttp's data folder on that OS (dataFolderEnvVars).
 * - write: the data folder, where --https keeps its CA and certificates. Unscoped, because
 *   baked flags cannot name it: it is the user's (%LOCALAPPDATA%, $HOME), known only when
 *   the program runs. zhttp itself writes nowhere else (no upload, no cache on disk).
 * - run: the one program that opens the browser for --open on that OS. Only that one: a
 *   listed program that is missing makes Deno print an "Info Failed to resolve" line at
 *   every start, which has no place on a double-clicked console.
 * - --unstable-net (Linux): listeners that share a port (SO_REUSEPORT), for --workers. Not a
 *   permission, but like them it decides what the program can do, and it must be baked in.
 *   Elsewhere --workers runs one thread, so the flag is not asked for.
 */
import { browserCommand } from "../lib/cli/startup.ts";
import { dataFolderEnvVars } from "../lib/tls/data_folder.ts";

const ALWAYS = [
  "--allow-net",
  "--allow-read",
  "--allow-write",
  "--allow-sys=hostname,networkInterfaces",
] as const;

/** The permission flags of the binary built for (or the process running on) `os`. */
export function serverPermissions(os: typeof Deno.build.os): string[] {
  return [
    ...ALWAYS,
    `--allow-env=${dataFolderEnvVars(os).join(",")}`,
    `--allow-run=${browserOpener(os)}`,
    ...(os === "linux" ? ["--unstable-net"] : []),
  ];
}

function browserOpener(os: typeof Deno.build.os): string {
  return browserCommand(os, "")[0];
}
