/**
 * Runs the official Windows deno.exe under Wine 10 from Linux tests, so that zhttp can be
 * exercised with Windows path and console semantics while the test talks to it over
 * 127.0.0.1.
 *
 * The process runs in a tmux session so that a real Ctrl+C can be typed at it; its console
 * is copied to a log file. Everything started here is ended by PID on `close()`; the mounts
 * live in a private mount namespace and vanish with its last process. Needs root and a
 * completed `scripts/windows/setup.sh` (see `ensureWindowsTestBed()`).
 *
 * ```ts
 * await using server = await startWindowsDeno({
 *   args: ["run", "--allow-net", "--allow-read", "C:\\zhttp\\main.ts", "C:\\site"],
 *   mounts: { "C:\\site": siteDir },
 * });
 * const [, port] = await server.waitForOutput(/listening on .*:(\d+)/);
 * await server.interrupt();
 * assertEquals(await server.waitForExit(), 0);
 * ```
 *
 * @module
 */

import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** Where the repository appears inside Windows (copy-on-write: writes stay in the run). */
export const WINDOWS_REPO_ROOT = "C:\\zhttp";

/** The cache that setup.sh fills; keep in step with common.sh. */
export const TEST_BED_CACHE = Deno.env.get("ZHTTP_WINE_CACHE") ?? "/var/tmp/zhttp-wine";

/** How long `waitForOutput()` and `waitForExit()` wait unless told otherwise. */
export const DEFAULT_WAIT_MS = 60_000;

/** enter.sh's exit code when the test bed itself failed, as opposed to deno.exe. */
export const HARNESS_FAILURE_EXIT_CODE = 125;

/** What to run, and which Linux folders Windows sees. */
export interface WindowsDenoOptions {
  /** deno.exe's arguments, e.g. `["run", "--allow-net", "C:\\zhttp\\main.ts"]`. */
  args: string[];
  /** Linux folders shown at C:\ paths, read-write: `{ "C:\\site": "/tmp/site" }`. */
  mounts?: Record<string, string>;
  /** Extra environment variables for deno.exe. */
  env?: Record<string, string>;
  /** deno.exe's working folder, a C:\ path; `C:\zhttp` by default. */
  cwd?: string;
  /** The folder shown at `C:\zhttp`; this repository by default. */
  repoDir?: string;
}

/** A running deno.exe. Dispose of it (or call `close()`) in a `finally`. */
export interface WindowsDeno extends AsyncDisposable {
  /** The tmux session that owns the console. */
  readonly session: string;
  /** The run's own tmux server: `tmux -S <tmuxSocket> attach` shows the console live. */
  readonly tmuxSocket: string;
  /** The console's raw bytes, escape sequences included. */
  readonly logPath: string;
  /** Host PIDs of enter.sh, unshare and the namespace's init (the latter two once known). */
  pids(): Promise<number[]>;
  /** The console text so far as a terminal would show it: escape sequences removed, and a
   * carriage return inside a line overwriting what came before it. */
  output(): Promise<string>;
  /** Resolves with the first match in the console text; rejects on exit or timeout. */
  waitForOutput(pattern: RegExp, options?: { timeoutMs?: number }): Promise<RegExpMatchArray>;
  /** Types Ctrl+C into the console (`tmux send-keys C-c`). */
  interrupt(): Promise<void>;
  /** deno.exe's exit code (or `HARNESS_FAILURE_EXIT_CODE`); rejects on timeout. */
  waitForExit(options?: { timeoutMs?: number }): Promise<number>;
  /** Ends every process by PID, kills the session, removes the run's scratch folder. */
  close(): Promise<void>;
}

/** Runs setup.sh (idempotent; about 0.1 s once the cache is complete) and returns its output. */
export async function ensureWindowsTestBed(): Promise<string> {
  const { success, stdout, stderr } = await new Deno.Command(SETUP_SCRIPT, {
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = decoder.decode(stdout) + decoder.decode(stderr);
  if (!success) throw new Error(`scripts/windows/setup.sh failed:\n${text}`);
  return text;
}

/** Starts deno.exe under Wine and returns once its console is being logged. */
export async function startWindowsDeno(options: WindowsDenoOptions): Promise<WindowsDeno> {
  if (Deno.uid() !== 0) throw new Error("startWindowsDeno() needs root (mounts and chroot)");
  const runsDir = join(TEST_BED_CACHE, "runs");
  await Deno.mkdir(runsDir, { recursive: true });
  const runDir = await Deno.makeTempDir({ dir: runsDir, prefix: "run." });
  const session = `zhttp-wine-${runDir.slice(runDir.lastIndexOf(".") + 1)}`;
  const run = new WineRun(session, runDir);
  try {
    await tmux(
      run.tmuxSocket,
      "new-session",
      "-d",
      "-s",
      session,
      "-x",
      String(CONSOLE_COLUMNS),
      "-y",
      String(CONSOLE_ROWS),
      ENTER_SCRIPT,
      ...enterArguments(options, runDir),
    );
    const [serverPid, panePid] = (
      await tmux(run.tmuxSocket, "display-message", "-p", "-t", session, "#{pid} #{pane_pid}")
    ).split(" ").map(Number);
    run.tmuxServer = { pid: serverPid, startTime: startTimeOf(serverPid) };
    run.pane = { pid: panePid, startTime: startTimeOf(panePid) };
    await tmux(run.tmuxSocket, "pipe-pane", "-O", "-t", session, `exec cat >> '${run.logPath}'`);
    await Deno.writeTextFile(join(runDir, LOG_ATTACHED_FILE), "");
  } catch (error) {
    await run.close();
    throw error;
  }
  return run;
}

const decoder = new TextDecoder();
const SCRIPTS_DIR = fileURLToPath(new URL(".", import.meta.url));
const SETUP_SCRIPT = join(SCRIPTS_DIR, "setup.sh");
const ENTER_SCRIPT = join(SCRIPTS_DIR, "enter.sh");
// Each run has its own tmux server, with its socket in the run's folder. A shared server
// exits when its last session ends, and a run started meanwhile failed with "server exited
// unexpectedly" (or lost its session): runs must not share that lifetime.
const TMUX_SOCKET_FILE = "tmux.sock";
// Wide enough that Wine's console does not wrap the lines a test waits for.
const CONSOLE_COLUMNS = 250;
const CONSOLE_ROWS = 50;
const LOG_ATTACHED_FILE = "log-attached";
const EXIT_CODE_FILE = "exit-code";
const POLL_MS = 50;
// How long close() waits for processes to go after SIGHUP, and again after SIGKILL.
const END_GRACE_MS = 5_000;

// CSI and OSC sequences, charset selection and single-character escapes that Wine's console
// writes to the terminal.
const TERMINAL_ESCAPES =
  // deno-lint-ignore no-control-regex
  /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[()][0-9A-Za-z]|\x1b[=>78cM]/g;

// Wine's console redraws a line by returning to its start ("\r") and writing it again, and
// ends lines with "\r\r\n".
function renderConsole(raw: string): string {
  return raw.replace(TERMINAL_ESCAPES, "").split("\n").map((line) => {
    const text = line.replace(/\r+$/, "");
    return text.slice(text.lastIndexOf("\r") + 1);
  }).join("\n");
}

function enterArguments(options: WindowsDenoOptions, runDir: string): string[] {
  const args = [
    "--run-dir",
    runDir,
    "--exit-code-file",
    join(runDir, EXIT_CODE_FILE),
    "--wait-for-file",
    join(runDir, LOG_ATTACHED_FILE),
    "--owner-pid",
    String(Deno.pid),
  ];
  for (const [windowsPath, linuxDir] of Object.entries(options.mounts ?? {})) {
    args.push("--mount", `${windowsPath}=${linuxDir}`);
  }
  for (const [name, value] of Object.entries(options.env ?? {})) {
    args.push("--env", `${name}=${value}`);
  }
  if (options.cwd !== undefined) args.push("--cwd", options.cwd);
  if (options.repoDir !== undefined) args.push("--repo", options.repoDir);
  return [...args, "--", ...options.args];
}

class WineRun implements WindowsDeno {
  readonly logPath: string;
  readonly tmuxSocket: string;
  pane: OwnedProcess | undefined;
  tmuxServer: OwnedProcess | undefined;
  #closed: Promise<void> | undefined;

  constructor(readonly session: string, readonly runDir: string) {
    this.logPath = join(runDir, "console.log");
    this.tmuxSocket = join(runDir, TMUX_SOCKET_FILE);
  }

  async pids(): Promise<number[]> {
    const owned = [...(this.pane ? [this.pane] : []), ...(await this.#namespacePids())];
    return owned.map(({ pid }) => pid);
  }

  async output(): Promise<string> {
    const raw = await Deno.readFile(this.logPath).catch(() => new Uint8Array());
    return renderConsole(decoder.decode(raw));
  }

  async waitForOutput(
    pattern: RegExp,
    { timeoutMs = DEFAULT_WAIT_MS } = {},
  ): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeoutMs;
    while (true) {
      // Read the exit code first: output written before exit is then surely in the log.
      const exitCode = await this.#exitCode();
      const text = await this.output();
      const match = text.match(pattern);
      if (match) return match;
      if (exitCode !== undefined) {
        throw new Error(`deno.exe exited with ${exitCode} before printing ${pattern}:\n${text}`);
      }
      if (Date.now() > deadline) {
        throw new Error(`no ${pattern} within ${timeoutMs} ms; console so far:\n${text}`);
      }
      await delay(POLL_MS);
    }
  }

  async interrupt(): Promise<void> {
    await tmux(this.tmuxSocket, "send-keys", "-t", this.session, "C-c");
  }

  async waitForExit({ timeoutMs = DEFAULT_WAIT_MS } = {}): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    while (true) {
      const exitCode = await this.#exitCode();
      if (exitCode !== undefined) return exitCode;
      if (this.pane && !isRunning(this.pane)) {
        // enter.sh writes the exit code just before it ends: look once more.
        const lastLook = await this.#exitCode();
        if (lastLook !== undefined) return lastLook;
        throw new Error(`enter.sh ended without an exit code:\n${await this.output()}`);
      }
      if (Date.now() > deadline) {
        throw new Error(`deno.exe still running after ${timeoutMs} ms:\n${await this.output()}`);
      }
      await delay(POLL_MS);
    }
  }

  close(): Promise<void> {
    this.#closed ??= this.#end();
    return this.#closed;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  async #end(): Promise<void> {
    // Killing the namespace's init ends every process in the PID namespace at once (the
    // kernel's rule), which releases the mount namespace and all its mounts.
    const namespacePids = await this.#namespacePids();
    const init = namespacePids[0];
    if (init !== undefined) killIfSame(init, "SIGKILL");
    // Ends enter.sh (and unshare, whose --kill-child takes the namespace along) if the run
    // had not got that far, and the run's tmux server with it.
    await tmux(this.tmuxSocket, "kill-server").catch(() => {});
    const owned = [this.pane, this.tmuxServer, ...namespacePids]
      .filter((process) => process !== undefined);
    if (!(await waitUntilGone(owned, END_GRACE_MS))) {
      for (const process of owned) killIfSame(process, "SIGKILL");
      if (!(await waitUntilGone(owned, END_GRACE_MS))) {
        throw new Error(`processes ${owned.map(({ pid }) => pid)} would not end`);
      }
    }
    const leftMounts = (await Deno.readTextFile("/proc/mounts"))
      .split("\n").filter((line) => line.includes(this.runDir));
    if (leftMounts.length > 0) throw new Error(`still mounted:\n${leftMounts.join("\n")}`);
    await Deno.remove(this.runDir, { recursive: true });
  }

  async #exitCode(): Promise<number | undefined> {
    const text = await Deno.readTextFile(join(this.runDir, EXIT_CODE_FILE)).catch(() => "");
    return text.trim() === "" ? undefined : Number(text);
  }

  // enter.sh's namespace init writes "pid starttime" for itself, then for unshare.
  async #namespacePids(): Promise<OwnedProcess[]> {
    const text = await Deno.readTextFile(join(this.runDir, "pids")).catch(() => "");
    return text.trim().split("\n").filter((line) => line !== "").map((line) => {
      const [pid, startTime] = line.split(" ");
      return { pid: Number(pid), startTime };
    });
  }
}

interface OwnedProcess {
  pid: number;
  /** Field 22 of /proc/PID/stat when recorded; guards against a reused PID. */
  startTime: string | undefined;
}

function killIfSame(process: OwnedProcess, signal: Deno.Signal): void {
  if (!isRunning(process)) return;
  try {
    Deno.kill(process.pid, signal);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
}

// The process is alive and is still the one recorded, not a later one that reused its PID.
// A zombie has ended even though /proc still lists it.
function isRunning({ pid, startTime }: OwnedProcess): boolean {
  const fields = statFields(pid);
  return fields !== undefined && fields[0] !== "Z" &&
    (startTime === undefined || fields[19] === startTime);
}

function startTimeOf(pid: number): string | undefined {
  return statFields(pid)?.[19];
}

// Fields 3 onwards of /proc/PID/stat (state, ppid, ... start time at index 19). They start
// after the last ")" because the command name in field 2 may hold spaces and parentheses.
function statFields(pid: number): string[] | undefined {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  } catch {
    return undefined;
  }
}

async function waitUntilGone(processes: OwnedProcess[], timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (processes.some(isRunning)) {
    if (Date.now() > deadline) return false;
    await delay(POLL_MS);
  }
  return true;
}

async function tmux(socket: string, ...args: string[]): Promise<string> {
  const { success, stdout, stderr } = await new Deno.Command("tmux", {
    args: ["-S", socket, ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!success) throw new Error(`tmux ${args[0]} failed: ${decoder.decode(stderr).trim()}`);
  return decoder.decode(stdout).trim();
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
