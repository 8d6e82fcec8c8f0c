/**
 * A real terminal for tests: a tmux server of the test's own (its own socket, no user
 * config) running an interactive bash, which puts each command line in a process group of
 * its own in the foreground, as a person's terminal does. Keys go in with send-keys (C-c
 * makes the terminal send SIGINT to that whole group), the screen comes back with
 * capture-pane. `await using` kills the server and with it everything still running there.
 */
export class Tmux implements AsyncDisposable {
  readonly #socket: string;

  private constructor(socket: string) {
    this.#socket = socket;
  }

  /** Starts a tmux server with one 200×50 pane running bash, in `cwd`. */
  static async start(cwd: string): Promise<Tmux> {
    const tmux = new Tmux(`zhttp-test-${Deno.pid}-${crypto.randomUUID()}`);
    await tmux.#run(
      "-f",
      "/dev/null",
      "new-session",
      "-d",
      "-x",
      "200",
      "-y",
      "50",
      "-c",
      cwd,
      "bash --norc --noprofile -i",
    );
    return tmux;
  }

  /** Types `line` and presses Enter. */
  async type(line: string): Promise<void> {
    await this.#run("send-keys", "-l", line);
    await this.#run("send-keys", "Enter");
  }

  /** Presses a key such as "C-c". */
  async press(key: string): Promise<void> {
    await this.#run("send-keys", key);
  }

  /** The screen and its scrollback, wrapped lines joined. */
  async screen(): Promise<string> {
    return await this.#run("capture-pane", "-p", "-J", "-S", "-");
  }

  /** Resolves once `pattern` is on the screen. */
  async waitFor(pattern: RegExp, timeoutMs = 20_000): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const screen = await this.screen();
      const match = screen.match(pattern);
      if (match !== null) return match;
      if (Date.now() > deadline) throw new Error(`no ${pattern} on the screen:\n${screen}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.#run("kill-server").catch(() => {});
  }

  async #run(...args: string[]): Promise<string> {
    const { code, stdout, stderr } = await new Deno.Command("tmux", {
      args: ["-L", this.#socket, ...args],
      env: { NO_COLOR: "1" },
    }).output();
    const decoder = new TextDecoder();
    if (code !== 0) throw new Error(`tmux ${args[0]} failed: ${decoder.decode(stderr)}`);
    return decoder.decode(stdout);
  }
}
