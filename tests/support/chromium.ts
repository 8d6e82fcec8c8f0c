/**
 * Headless Chromium for tests that must see what a browser does with a response: show it,
 * download it, run its scripts, play it, lay it out. `dumpDom()` loads one page and returns
 * what Chromium made of it; a `Browser` is one page driven over the DevTools protocol with
 * Deno's own WebSocket (navigate, evaluate, wait, resize, colour scheme). Each run gets a
 * fresh profile, removed afterwards, and the flags that keep Chromium off the network and
 * away from everything but the page asked for. Tests skip, saying so, where it is missing:
 * `ignore: skipWithout(import.meta.url, [CHROMIUM])`.
 */
import { delay } from "./raw_http.ts";

/** The program, as Debian's chromium package installs it. */
export const CHROMIUM = "chromium";

/** The flags every run gets: headless, no sandbox (tests run as root), no background traffic. */
const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--hide-scrollbars",
] as const;

/** How long Chromium may take to start, to load a page or to hold a condition, on a loaded machine. */
const CHROMIUM_TIMEOUT_MS = 60_000;

/** How long a browser asked to close may take before it is killed. */
const CLOSE_TIMEOUT_MS = 10_000;

/** How often `Browser.waitFor()` asks again, and the DevToolsActivePort file is looked for. */
const POLL_MS = 10;

/** What Chromium made of one page load. */
export interface DumpedPage {
  /** The DOM as Chromium serialized it once the page settled (empty for a download). */
  dom: string;
  /** What Chromium logged: a failed load is a line `Page load failed: net::ERR_...`. */
  log: string;
}

/**
 * Loads `url` and returns the page once it settled. `virtualTimeMs` lets the page's scripts
 * and media run that long first; `home` is the HOME Chromium runs with, so the NSS database
 * (the certificates it trusts) below it.
 */
export async function dumpDom(
  url: string,
  options: { virtualTimeMs?: number; home?: string } = {},
): Promise<DumpedPage> {
  const profile = await Deno.makeTempDir({ prefix: "zhttp_chromium_" });
  try {
    const budget = options.virtualTimeMs === undefined
      ? []
      : [`--virtual-time-budget=${options.virtualTimeMs}`];
    const { code, stdout, stderr } = await new Deno.Command(CHROMIUM, {
      args: [...FLAGS, `--user-data-dir=${profile}`, ...budget, "--dump-dom", url],
      env: options.home === undefined ? undefined : { HOME: options.home },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      signal: AbortSignal.timeout(CHROMIUM_TIMEOUT_MS),
    }).output();
    const decoder = new TextDecoder();
    const log = decoder.decode(stderr);
    if (code !== 0) throw new Error(`Chromium exited with code ${code} on ${url}: ${log}`);
    return { dom: decoder.decode(stdout), log };
  } finally {
    await removeProfile(profile);
  }
}

/** One message of the DevTools protocol: an answer (with `id`) or an event (with `method`). */
interface DevToolsMessage {
  id?: number;
  method?: string;
  sessionId?: string;
  params?: Record<string, unknown>;
  result?: Record<string, unknown>;
  error?: { message: string };
}

/**
 * One Chromium process showing one page, driven over the DevTools protocol. `await using`
 * closes the browser and removes its profile, whichever way the test ends.
 */
export class Browser implements AsyncDisposable {
  readonly #child: Deno.ChildProcess;
  readonly #profile: string;
  readonly #socket: WebSocket;
  readonly #pending = new Map<number, (message: DevToolsMessage) => void>();
  readonly #listeners = new Set<(message: DevToolsMessage) => void>();
  #nextId = 1;
  #session = "";

  private constructor(child: Deno.ChildProcess, profile: string, socket: WebSocket) {
    this.#child = child;
    this.#profile = profile;
    this.#socket = socket;
    socket.onmessage = (event) => {
      const message = JSON.parse(event.data) as DevToolsMessage;
      if (message.id === undefined) {
        for (const listener of [...this.#listeners]) listener(message);
        return;
      }
      this.#pending.get(message.id)?.(message);
      this.#pending.delete(message.id);
    };
  }

  /** Starts Chromium with a fresh profile, showing a blank page. */
  static async launch(): Promise<Browser> {
    const profile = await Deno.makeTempDir({ prefix: "zhttp_chromium_" });
    const child = new Deno.Command(CHROMIUM, {
      args: [...FLAGS, `--user-data-dir=${profile}`, "--remote-debugging-port=0", "about:blank"],
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn();
    try {
      const endpoint = await devToolsEndpoint(profile, child);
      const socket = new WebSocket(endpoint);
      await new Promise((resolve, reject) => {
        socket.onopen = resolve;
        socket.onerror = () => reject(new Error(`Chromium did not accept ${endpoint}.`));
      });
      const browser = new Browser(child, profile, socket);
      const { targetId } = await browser.#send("Target.createTarget", { url: "about:blank" });
      const { sessionId } = await browser.#send("Target.attachToTarget", {
        targetId,
        flatten: true,
      });
      browser.#session = sessionId as string;
      await browser.#send("Page.enable", {}, true);
      return browser;
    } catch (error) {
      child.kill("SIGKILL");
      await child.status;
      await removeProfile(profile);
      throw error;
    }
  }

  /** Opens `url` and resolves once it has loaded. */
  async open(url: string): Promise<void> {
    const load = this.#nextLoad();
    try {
      await this.#send("Page.navigate", { url }, true);
    } catch (error) {
      load.cancel();
      throw error;
    }
    await load.done;
  }

  /**
   * Runs `expression` in the page and returns its value (awaited when it is a promise).
   * With `navigates`, also waits for the page it leads to (a click on a link).
   */
  async evaluate<T>(expression: string, options: { navigates?: boolean } = {}): Promise<T> {
    const load = options.navigates ? this.#nextLoad() : null;
    const { result, exceptionDetails } = await this.#send("Runtime.evaluate", {
      expression,
      awaitPromise: true,
      returnByValue: true,
    }, true).catch((error) => {
      load?.cancel();
      throw error;
    });
    if (exceptionDetails !== undefined) {
      load?.cancel();
      throw new Error(`${expression} threw: ${JSON.stringify(exceptionDetails)}.`);
    }
    await load?.done;
    return (result as { value: T }).value;
  }

  /**
   * Asks `expression` again until it is truthy and returns its value; a question the page
   * cannot answer (it is between two documents, reloading) is asked again too.
   */
  async waitFor<T>(expression: string, timeoutMs = CHROMIUM_TIMEOUT_MS): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await this.evaluate<T>(expression).catch(() => undefined);
      if (value) return value;
      if (Date.now() > deadline) throw new Error(`${expression} did not hold in ${timeoutMs} ms.`);
      await delay(POLL_MS);
    }
  }

  /** Sets the viewport (CSS pixels) as a desktop window or a phone would have it. */
  async resize(width: number, height: number, mobile = false): Promise<void> {
    await this.#send("Emulation.setDeviceMetricsOverride", {
      width,
      height,
      deviceScaleFactor: mobile ? 3 : 1,
      mobile,
    }, true);
  }

  /** Makes the page see `prefers-color-scheme: dark` or `light`. */
  async colorScheme(scheme: "light" | "dark"): Promise<void> {
    await this.#send("Emulation.setEmulatedMedia", {
      features: [{ name: "prefers-color-scheme", value: scheme }],
    }, true);
  }

  /**
   * Closes the browser as a person would (its helper processes go with it, and stop writing
   * into the profile), killing it only if it does not go; then removes the profile.
   */
  async [Symbol.asyncDispose](): Promise<void> {
    const closed = this.#socket.readyState === WebSocket.CLOSED
      ? Promise.resolve()
      : new Promise((resolve) => this.#socket.onclose = resolve);
    // Chromium may close the connection before it answers.
    this.#send("Browser.close", {}).catch(() => {});
    let timer: ReturnType<typeof setTimeout> | undefined;
    const exited = await Promise.race([
      this.#child.status.then(() => true),
      new Promise<false>((resolve) => timer = setTimeout(resolve, CLOSE_TIMEOUT_MS, false)),
    ]);
    clearTimeout(timer);
    if (!exited) this.#child.kill("SIGKILL");
    await this.#child.status;
    if (this.#socket.readyState !== WebSocket.CLOSED) this.#socket.close();
    await closed;
    await removeProfile(this.#profile);
  }

  /** The next load of the page; `cancel()` stops waiting for it (a navigation that failed). */
  #nextLoad(): { done: Promise<void>; cancel(): void } {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let listener: (message: DevToolsMessage) => void = () => {};
    const cancel = () => {
      clearTimeout(timer);
      this.#listeners.delete(listener);
    };
    const done = new Promise<void>((resolve, reject) => {
      timer = setTimeout(() => {
        cancel();
        reject(new Error(`The page did not load in ${CHROMIUM_TIMEOUT_MS} ms.`));
      }, CHROMIUM_TIMEOUT_MS);
      listener = (message) => {
        if (message.method !== "Page.loadEventFired") return;
        cancel();
        resolve();
      };
      this.#listeners.add(listener);
    });
    return { done, cancel };
  }

  /** Sends a DevTools command to the browser, or with `inPage` to the page's session. */
  #send(
    method: string,
    params: Record<string, unknown>,
    inPage = false,
  ): Promise<Record<string, unknown>> {
    const id = this.#nextId++;
    const message: DevToolsMessage = { id, method, params };
    if (inPage) message.sessionId = this.#session;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, (answer) => {
        if (answer.error !== undefined) reject(new Error(`${method}: ${answer.error.message}.`));
        else resolve(answer.result ?? {});
      });
      this.#socket.send(JSON.stringify(message));
    });
  }
}

/**
 * The browser's DevTools WebSocket address, from the DevToolsActivePort file Chromium
 * writes into its profile once it listens (port on the first line, path on the second).
 */
async function devToolsEndpoint(profile: string, child: Deno.ChildProcess): Promise<string> {
  let exited = false;
  child.status.then(() => exited = true);
  const deadline = Date.now() + CHROMIUM_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (exited) throw new Error("Chromium exited before it listened.");
    try {
      const [port, path] = (await Deno.readTextFile(`${profile}/DevToolsActivePort`)).split("\n");
      if (path?.startsWith("/devtools/")) return `ws://127.0.0.1:${port}${path}`;
    } catch {
      // Not written yet.
    }
    await delay(POLL_MS);
  }
  throw new Error(`Chromium did not listen in ${CHROMIUM_TIMEOUT_MS} ms.`);
}

/** Attempts at removing a profile that a helper process still writes into as it dies. */
const REMOVE_ATTEMPTS = 20;

async function removeProfile(profile: string): Promise<void> {
  for (let attempt = 1;; attempt++) {
    try {
      return await Deno.remove(profile, { recursive: true });
    } catch (error) {
      if (attempt === REMOVE_ATTEMPTS) throw error;
      await delay(50);
    }
  }
}
