/**
 * `deno task start` and `deno task dev`: runs main.ts as the compiled binary runs on this OS.
 *
 * A task in deno.json is one fixed string for every OS, so it could only allow the browser
 * opener of every OS, and Deno printed "Info Failed to resolve 'explorer' for allow-run" at
 * each start on Linux. This launcher picks this OS's set (scripts/permissions.ts) and the V8
 * flags, and starts main.ts with them as a child process.
 *
 * Arguments after the task name go to zhttp. Without a folder among them, the bundled
 * static/ site is served; with one (`deno task start ~/site`), that folder is. zhttp runs in
 * the folder the task was started from (INIT_CWD, which `deno task` sets), so a relative
 * folder means what the person typing it meant. `--watch` as the first argument (the dev
 * task) restarts zhttp when a source file changes.
 *
 * Ctrl+C reaches the launcher and zhttp alike (one process group, or one console on
 * Windows). On POSIX the launcher also passes each stop signal on, so that a signal sent to
 * the task alone (`kill -INT`) still reaches zhttp, which counts signals that arrive
 * together as one (lib/cli/signals.ts). The launcher exits with zhttp's exit code.
 */
import { fileURLToPath } from "node:url";
import { ConfigError, parseCommandLine } from "../lib/cli/config.ts";
import { stopSignals } from "../lib/cli/signals.ts";
import { serverPermissions } from "./permissions.ts";
import { V8_FLAGS_ARG } from "./v8_flags.ts";

/** The bundled welcome site, served when no folder is named. */
export const BUNDLED_SITE = fileURLToPath(new URL("../static", import.meta.url));
const MAIN = fileURLToPath(new URL("../main.ts", import.meta.url));

/** The launcher's own flag (first argument only): run zhttp under `deno run --watch`. */
export const WATCH_FLAG = "--watch";

/** The `deno` arguments that run zhttp on `os` for the task arguments `args`. */
export function zhttpRunArgs(os: typeof Deno.build.os, args: readonly string[]): string[] {
  const watch = args[0] === WATCH_FLAG;
  const zhttpArgs = watch ? args.slice(1) : [...args];
  return [
    "run",
    ...(watch ? [WATCH_FLAG] : []),
    ...serverPermissions(os),
    V8_FLAGS_ARG,
    MAIN,
    ...(namesFolder(zhttpArgs) ? [] : [BUNDLED_SITE]),
    ...zhttpArgs,
  ];
}

/**
 * Whether zhttp's arguments name a folder (or need none: --help, --version). Arguments zhttp
 * will refuse are passed on as they are, for zhttp to say what is wrong with them.
 */
function namesFolder(args: readonly string[]): boolean {
  try {
    const command = parseCommandLine(args);
    return command.action !== "serve" || command.rootArgument !== undefined;
  } catch (error) {
    if (error instanceof ConfigError) return true;
    throw error;
  }
}

if (import.meta.main) {
  const child = new Deno.Command(Deno.execPath(), {
    args: zhttpRunArgs(Deno.build.os, Deno.args),
    cwd: Deno.env.get("INIT_CWD"),
  }).spawn();
  // Listening keeps the launcher alive through Ctrl+C while zhttp stops.
  const listeners = stopSignals(Deno.build.os).map((signal) => {
    const listener = () => passOn(child, signal);
    Deno.addSignalListener(signal, listener);
    return { signal, listener };
  });
  const status = await child.status;
  for (const { signal, listener } of listeners) Deno.removeSignalListener(signal, listener);
  Deno.exit(status.code);
}

/** Sends `signal` on to zhttp; on Windows the console has already given it to zhttp. */
function passOn(child: Deno.ChildProcess, signal: Deno.Signal): void {
  if (Deno.build.os === "windows") return;
  try {
    child.kill(signal);
  } catch {
    // zhttp has already exited.
  }
}
