/**
 * Headless Chromium for end-to-end tests, driven over the DevTools protocol with Deno's own
 * WebSocket: launch it with a fresh profile, open a page, evaluate script in it. No npm
 * package is needed, and everything opened is closed by `await using`.
 */
import { CHROMIUM, CHROMIUM_FLAGS } from "./chromium.ts";

export { CHROMIUM };

/** The flags for a browser driven over the DevTools protocol. */
const FLAGS = [...CHROMIUM_FLAGS, "--remote-debugging-port=0"];

interface Pending {
  resolve(result: Record<string, unknown>): void;
  reject(error: Error): void;
}

export class Chromium implements AsyncDisposable {
  readonly #child: Deno.ChildProcess;
  readonly #profile: string;
  readonly #socket: WebSocket;
  readonly #pending = new Map<number, Pending>();
  #nextId = 1;

  private constructor(child: Deno.ChildProcess, profile: string, socket: WebSocket) {
    this.#child = child;
    this.#profile = profile;
    this.#socket = socket;
    socket.onmessage = (event) => {
      const message = JSON.parse(event.data as string);
      const pending = message.id === undefined ? undefined : this.#pending.get(message.id);
      if (pending === undefined) return;
      this.#pending.delete(message.id);
      if (message.error) pending.reject(new Error(JSON.stringify(message.error)));
      else pending.resolve(message.result);
    };
  }

  /** Starts the browser and connects to it. */
  static async launch(): Promise<Chromium> {
    if (CHROMIUM === null) throw new Error("chromium is not installed");
    const profile = await Deno.makeTempDir({ prefix: "zhttp_chromium_" });
    const child = new Deno.Command(CHROMIUM, {
      args: [...FLAGS, `--user-data-dir=${profile}`, "about:blank"],
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).spawn();
    try {
      const url = await devToolsUrl(child.stderr);
      const socket = new WebSocket(url);
      await new Promise((resolve, reject) => {
        socket.onopen = resolve;
        socket.onerror = () => reject(new Error(`cannot connect to ${url}`));
      });
      return new Chromium(child, profile, socket);
    } catch (error) {
      child.kill("SIGKILL");
      await child.status;
      await Deno.remove(profile, { recursive: true });
      throw error;
    }
  }

  /** Opens a tab on `url`. */
  async open(url: string): Promise<ChromiumPage> {
    const { targetId } = await this.send("Target.createTarget", { url: "about:blank" });
    const { sessionId } = await this.send("Target.attachToTarget", { targetId, flatten: true });
    const page = new ChromiumPage(this, sessionId as string);
    await page.send("Page.enable");
    await page.send("Page.navigate", { url });
    return page;
  }

  /** Sends a DevTools command (to a tab's session when `sessionId` is given). */
  send(
    method: string,
    params: Record<string, unknown> = {},
    sessionId?: string,
  ): Promise<Record<string, unknown>> {
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#socket.send(JSON.stringify({ id, method, params, sessionId }));
    });
  }

  /**
   * Closes the browser as a person would (its helper processes go with it, and stop writing
   * to the profile), killing it only if it does not go; then removes the profile.
   */
  async [Symbol.asyncDispose](): Promise<void> {
    const closed = new Promise((resolve) => this.#socket.onclose = resolve);
    this.send("Browser.close").catch(() => {});
    let timer: ReturnType<typeof setTimeout> | undefined;
    const exited = await Promise.race([
      this.#child.status.then(() => true),
      new Promise<false>((resolve) => timer = setTimeout(() => resolve(false), 10_000)),
    ]);
    clearTimeout(timer);
    if (!exited) this.#child.kill("SIGKILL");
    await this.#child.status;
    this.#socket.close();
    await closed;
    for (let attempt = 0;; attempt++) {
      try {
        await Deno.remove(this.#profile, { recursive: true });
        return;
      } catch (error) {
        // A helper process may still be flushing a file into the profile for a moment.
        if (attempt >= 20) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  }
}

/** One tab. */
export class ChromiumPage {
  readonly #browser: Chromium;
  readonly #sessionId: string;

  constructor(browser: Chromium, sessionId: string) {
    this.#browser = browser;
    this.#sessionId = sessionId;
  }

  send(method: string, params: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
    return this.#browser.send(method, params, this.#sessionId);
  }

  /** The value of a JavaScript expression in the page (promises are awaited). */
  async evaluate<T>(expression: string): Promise<T> {
    const { result, exceptionDetails } = await this.send("Runtime.evaluate", {
      expression,
      returnByValue: true,
      awaitPromise: true,
    }) as { result: { value: T }; exceptionDetails?: unknown };
    if (exceptionDetails !== undefined) {
      throw new Error(`${expression} threw: ${JSON.stringify(exceptionDetails)}`);
    }
    return result.value;
  }

  /** Polls `expression` until it is truthy; returns its value. */
  async waitFor<T>(expression: string, timeoutMs = 10_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      let value: T | undefined;
      try {
        value = await this.evaluate<T>(expression);
      } catch {
        // The page is between two documents (reloading): ask again.
      }
      if (value) return value;
      if (Date.now() > deadline) throw new Error(`${expression} never held`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
}

/** Reads Chromium's stderr until it prints the DevTools address, then drains the rest. */
async function devToolsUrl(stderr: ReadableStream<Uint8Array>): Promise<string> {
  const reader = stderr.getReader();
  const decoder = new TextDecoder();
  let text = "";
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const { value, done } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
    const match = /DevTools listening on (ws:\/\/\S+)/.exec(text);
    if (match !== null) {
      // Keep reading so the browser never blocks on a full pipe; ends when it exits.
      (async () => {
        while (!(await reader.read()).done) { /* discarded */ }
      })().catch(() => {});
      return match[1];
    }
  }
  throw new Error(`chromium did not start:\n${text}`);
}
