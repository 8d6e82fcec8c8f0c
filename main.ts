/**
 * zhttp: serves a folder over HTTP/1.1. argv → plan (folder, zhttp.json, config) → server;
 * banner; signals; exit codes: 0 after a clean stop, 2 for a startup mistake (one sentence,
 * never a stack trace), 130 when a second Ctrl+C cut the shutdown short.
 */
import { formatBanner } from "./lib/cli/banner.ts";
import { ConfigError } from "./lib/cli/config.ts";
import { runHashPassword } from "./lib/cli/hash_password.ts";
import { HELP_TEXT } from "./lib/cli/help.ts";
import { configureLogging, flushLogs } from "./lib/cli/logging.ts";
import { isWildcardHost } from "./lib/cli/bind.ts";
import { bannerTls, type Serving, startServing, workerThreads } from "./lib/cli/serving.ts";
import { onStopSignals } from "./lib/cli/signals.ts";
import {
  browserCommand,
  lanAddresses,
  planStartup,
  shouldWaitBeforeExit,
  type StartupFacts,
} from "./lib/cli/startup.ts";
import type { ShutdownReport } from "./lib/server/server.ts";
import { dataFolder } from "./lib/tls/data_folder.ts";
import { VERSION } from "./lib/cli/version.ts";

export async function main(args: readonly string[]): Promise<number> {
  let started: Serving;
  let plan;
  try {
    plan = planStartup(args, machineFacts());
    if (plan.action === "help") {
      console.log(HELP_TEXT);
      return 0;
    }
    if (plan.action === "version") {
      console.log(`zhttp ${VERSION}`);
      return 0;
    }
    if (plan.action === "hash-password") {
      return await runHashPassword({ stdin: Deno.stdin, stdout: Deno.stdout, stderr: Deno.stderr });
    }
    const threads = workerThreads(plan.config.workers, Deno.build.os);
    // With several server threads, each line says which one wrote it (w1 is this one).
    await configureLogging({ quiet: plan.config.quiet, tag: threads > 1 ? "w1" : undefined });
    started = await startServing(plan);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`zhttp: ${error.message}`);
    await waitBeforeClosing(args);
    return 2;
  }

  const { server, busyPort, https, redirectPort, live, workers } = started;
  const config = plan.config;
  const wildcard = isWildcardHost(config.host);
  console.log(formatBanner({
    version: VERSION,
    config,
    port: server.addr.port,
    lanAddresses: wildcard ? lanAddresses(Deno.networkInterfaces()) : [],
    busyPort,
    configFile: plan.configFile,
    tls: https === null ? undefined : bannerTls(https),
    redirectPort,
    threads: workers?.threads ?? 1,
  }));
  if (config.open) {
    openBrowser(`${https === null ? "http" : "https"}://localhost:${server.addr.port}/`);
  }

  let stopping: Promise<ShutdownReport> | null = null;
  let stoppingLive: Promise<void> | undefined;
  const removeListeners = onStopSignals(
    {
      os: Deno.build.os,
      now: () => performance.now(),
      addSignalListener: Deno.addSignalListener,
      removeSignalListener: Deno.removeSignalListener,
    },
    () => {
      // Live-reload streams are no downloads to wait for: they end now, before the drain.
      const inFlight = server.requestsInFlight - (live?.events.clientCount ?? 0);
      stoppingLive = live?.close();
      const others = workers?.shutdown(config.drainMs);
      stopping = Promise.all([server.shutdown(), others?.done]).then(([own, rest]) => ({
        inFlight: own.inFlight + (rest?.inFlight ?? 0),
        forced: own.forced + (rest?.forced ?? 0),
      }));
      // The other threads say what they are answering within a few milliseconds.
      (others?.inFlight ?? Promise.resolve(0)).then((theirs) =>
        console.log(
          `stopping: ${
            plural(inFlight + theirs, "request")
          } in flight… (Ctrl+C again to quit at once)`,
        )
      );
    },
    () => {
      console.log("stopped at once");
      Deno.exit(130);
    },
  );
  await server.finished;
  await stoppingLive;
  if (stopping !== null) {
    const { forced } = await stopping;
    console.log(forced === 0 ? "stopped" : `stopped (${plural(forced, "request")} cut off)`);
  }
  await flushLogs();
  // Removed last: a Ctrl+C while the log drains still means "quit now", not a default kill.
  removeListeners();
  return 0;
}

/** zhttp's data folder, when this machine's environment locates it. */
function locateDataFolder(): string | null {
  try {
    return dataFolder(Deno.build.os, (name) => Deno.env.get(name));
  } catch {
    // No HOME (or LOCALAPPDATA): nothing to hide; --https says so when asked for.
    return null;
  }
}

/** The real machine, as planStartup sees it. */
function machineFacts(): StartupFacts {
  const execPath = Deno.execPath();
  // Under `deno run` the executable is Deno itself, whose folder is no place for zhttp.json.
  const name = execPath.split(/[\\/]/).pop()!.toLowerCase();
  const compiled = name !== "deno" && name !== "deno.exe";
  return {
    os: Deno.build.os,
    cwd: Deno.cwd(),
    executable: compiled ? execPath : null,
    readTextFile(file) {
      try {
        return Deno.readTextFileSync(file);
      } catch (error) {
        if (error instanceof Deno.errors.NotFound) return null;
        throw new ConfigError(`cannot read ${file}: ${(error as Error).message}`);
      }
    },
    isDirectory(file) {
      try {
        return Deno.statSync(file).isDirectory;
      } catch {
        return null;
      }
    },
    dataFolder: locateDataFolder(),
  };
}

/**
 * Opens `url` in the default browser. When that fails (no opener installed, or it exits
 * with an error, as xdg-open does without a desktop), one sentence says so: the person
 * asked for a browser and must not be left waiting for one.
 */
function openBrowser(url: string): void {
  const [command, args] = browserCommand(Deno.build.os, url);
  const failed = (why: string) =>
    console.error(`zhttp: could not open a browser (${why}); open ${url} yourself.`);
  try {
    const child = new Deno.Command(command, { args, stdout: "null", stderr: "null" }).spawn();
    child.status.then(
      // explorer exits 1 even when it has opened the page, so only POSIX openers are judged
      // by their exit code.
      ({ code }) => {
        if (code !== 0 && Deno.build.os !== "windows") {
          failed(`${command} exited with code ${code}`);
        }
      },
      (error) => failed((error as Error).message),
    );
  } catch (error) {
    failed(
      error instanceof Deno.errors.NotFound || error instanceof Deno.errors.NotCapable
        ? `${command} is not installed`
        : (error as Error).message,
    );
  }
}

/** Keeps a double-clicked console open long enough to read why zhttp stopped. */
async function waitBeforeClosing(args: readonly string[]): Promise<void> {
  const facts = { os: Deno.build.os, args, stdinIsTerminal: Deno.stdin.isTerminal() };
  if (!shouldWaitBeforeExit(facts)) return;
  console.error("Press Enter to close this window.");
  await Deno.stdin.read(new Uint8Array(64));
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}

if (import.meta.main) {
  // A server must not die of one forgotten promise: log it and keep serving.
  globalThis.addEventListener("unhandledrejection", (event) => {
    event.preventDefault();
    console.error("zhttp: an operation failed unexpectedly:", event.reason);
  });
  let code: number;
  try {
    code = await main(Deno.args);
  } catch (error) {
    // A bug: say so with the detail needed to report it, and keep a double-clicked console
    // open long enough to read it.
    console.error("zhttp stopped on an unexpected error:", error);
    await waitBeforeClosing(Deno.args);
    code = 1;
  }
  Deno.exit(code);
}
