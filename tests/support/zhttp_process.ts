/**
 * Runs main.ts as a real process, with exactly the permissions the compiled binary has, and
 * reads its console: the port from the banner, and everything it prints. Or runs it the way
 * a developer does, through `deno task start`, in a process group of its own that signals
 * reach as a terminal's Ctrl+C does.
 */
import { serverPermissions } from "../../scripts/permissions.ts";
import { V8_FLAGS_ARG } from "../../scripts/v8_flags.ts";

const MAIN = new URL("../../main.ts", import.meta.url).pathname;
const DENO_JSON = new URL("../../deno.json", import.meta.url).pathname;

export class ZhttpProcess {
  readonly child: Deno.ChildProcess;
  /** Everything printed so far, stdout and stderr interleaved as they arrived. */
  output = "";
  readonly #exited: Promise<Deno.CommandStatus>;
  readonly #reading: Promise<void>[];
  /** Signals go to the whole process group (deno task, the launcher, zhttp). */
  readonly #group: boolean;

  private constructor(child: Deno.ChildProcess, group = false) {
    this.child = child;
    this.#group = group;
    this.#reading = [this.#collect(child.stdout), this.#collect(child.stderr)];
    this.#exited = child.status;
  }

  /**
   * Starts zhttp with `args`, with `cwd` as its working folder and `env` added. `prefix` is
   * a command that runs it (`prlimit --nofile=64`, `setpriv ...`): it must exec its
   * arguments, so that signals and the exit status are zhttp's.
   */
  static start(
    args: readonly string[],
    options: { cwd?: string; env?: Record<string, string>; prefix?: readonly string[] } = {},
  ): ZhttpProcess {
    const command = [
      ...(options.prefix ?? []),
      Deno.execPath(),
      "run",
      ...serverPermissions(Deno.build.os),
      V8_FLAGS_ARG,
      MAIN,
      ...args,
    ];
    const child = new Deno.Command(command[0], {
      args: command.slice(1),
      cwd: options.cwd,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      env: { NO_COLOR: "1", ...options.env },
    }).spawn();
    return new ZhttpProcess(child);
  }

  /**
   * Runs `deno task <task> <args>` of this repository from `cwd`, as the leader of a new
   * process group (setsid), so that kill() reaches every process of the task at once.
   */
  static startTask(
    task: "start" | "dev",
    args: readonly string[],
    options: { cwd?: string; env?: Record<string, string> } = {},
  ): ZhttpProcess {
    // As from a person's terminal: `deno task` sets INIT_CWD to where it was started only
    // when it is not set yet, and the `deno task test` running this test has set it.
    const { INIT_CWD: _outer, ...env } = Deno.env.toObject();
    const child = new Deno.Command("setsid", {
      args: [Deno.execPath(), "task", "--config", DENO_JSON, task, ...args],
      cwd: options.cwd,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      clearEnv: true,
      env: { ...env, NO_COLOR: "1", ...options.env },
    }).spawn();
    return new ZhttpProcess(child, true);
  }

  /** Resolves once `pattern` appears in the output; rejects if the process ends first. */
  async waitFor(pattern: RegExp, timeoutMs = 20_000): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeoutMs;
    let ended = false;
    this.#exited.then(() => ended = true);
    for (;;) {
      const match = this.output.match(pattern);
      if (match !== null) return match;
      if (ended) {
        await Promise.all(this.#reading);
        const late = this.output.match(pattern);
        if (late !== null) return late;
        throw new Error(`zhttp exited before printing ${pattern}:\n${this.output}`);
      }
      if (Date.now() > deadline) throw new Error(`no ${pattern} in:\n${this.output}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** The port from the banner's "Local" line. */
  async port(): Promise<number> {
    const match = await this.waitFor(/Local\s+https?:\/\/[^:]+:(\d+)\//);
    return Number(match[1]);
  }

  /** Sends `signal` to zhttp, or to every process of a task, as a terminal's Ctrl+C does. */
  kill(signal: Deno.Signal): void {
    try {
      if (this.#group) Deno.kill(-this.child.pid, signal);
      else this.child.kill(signal);
    } catch {
      // Already gone.
    }
  }

  /** Waits for the exit, with all output read. */
  async exited(): Promise<Deno.CommandStatus> {
    const status = await this.#exited;
    await Promise.all(this.#reading);
    return status;
  }

  /** Kills the process if still running and waits for it. */
  async stop(): Promise<void> {
    this.kill("SIGKILL");
    await this.exited();
  }

  /** `await using zhttp = ZhttpProcess.start(…)` stops it at the end of the scope. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }

  async #collect(stream: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    for await (const chunk of stream) this.output += decoder.decode(chunk, { stream: true });
  }
}
