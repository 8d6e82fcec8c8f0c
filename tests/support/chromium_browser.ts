/**
 * Headless Chromium driven over the DevTools protocol, for tests that check what a person
 * sees in a browser: a fresh profile, a page, navigation, script evaluation, emulated
 * screen sizes and colour schemes. `await using` closes the browser and removes its
 * profile, whichever way the test ends.
 */

/** Where Chromium is, or null when it is not installed. */
export function findChromium(): string | null {
  for (const dir of (Deno.env.get("PATH") ?? "").split(":")) {
    for (const name of ["chromium", "chromium-browser", "google-chrome"]) {
      try {
        const candidate = `${dir}/${name}`;
        if (Deno.statSync(candidate).isFile) return candidate;
      } catch {
        // Not here.
      }
    }
  }
  return null;
}

/** How long Chromium may take to start and to load a page. */
const START_TIMEOUT_MS = 30_000;
const LOAD_TIMEOUT_MS = 30_000;

/** The flags a headless Chromium needs on a CI machine (see tools/STANDARDS.md). */
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
  "--remote-debugging-port=0",
];

interface DevToolsMessage {
  id?: number;
  method?: string;
  sessionId?: string;
  params?: Record<string, unknown>;
  result?: Record<string, unknown>;
  error?: { message: string };
}

/** One Chromium process with one page (tab). */
export class Browser implements AsyncDisposable {
  readonly #child: Deno.ChildProcess;
  readonly #profile: string;
  readonly #socket: WebSocket;
  readonly #pending = new Map<number, (message: DevToolsMessage) => void>();
  readonly #listeners: ((message: DevToolsMessage) => void)[] = [];
  #nextId = 1;
  #session = "";

  private constructor(child: Deno.ChildProcess, profile: string, socket: WebSocket) {
    this.#child = child;
    this.#profile = profile;
    this.#socket = socket;
    socket.onmessage = (event) => {
      const message = JSON.parse(event.data) as DevToolsMessage;
      if (message.id !== undefined) {
        this.#pending.get(message.id)?.(message);
        this.#pending.delete(message.id);
      } else {
        for (const listener of [...this.#listeners]) listener(message);
      }
    };
  }

  /** Starts Chromium with a fresh profile and opens a blank page. */
  static async launch(chromium: string): Promise<Browser> {
    const profile = await Deno.makeTempDir({ prefix: "zhttp_chromium_" });
    const child = new Deno.Command(chromium, {
      args: [...FLAGS, `--user-data-dir=${profile}`, "about:blank"],
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn();
    try {
      const endpoint = await devToolsEndpoint(profile, child);
      const socket = new WebSocket(endpoint);
      await new Promise((resolve, reject) => {
        socket.onopen = resolve;
        socket.onerror = () => reject(new Error(`cannot connect to ${endpoint}`));
      });
      const browser = new Browser(child, profile, socket);
      const { targetId } = await browser.#send("Target.createTarget", { url: "about:blank" });
      const { sessionId } = await browser.#send("Target.attachToTarget", {
        targetId,
        flatten: true,
      });
      browser.#session = sessionId as string;
      await browser.#send("Page.enable", {}, true);
      await browser.#send("Runtime.enable", {}, true);
      return browser;
    } catch (error) {
      child.kill("SIGKILL");
      await child.status;
      await Deno.remove(profile, { recursive: true });
      throw error;
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
   * When `navigates`, also waits for the page it leads to (a click on a link).
   */
  async evaluate<T>(expression: string, navigates = false): Promise<T> {
    const load = navigates ? this.#nextLoad() : null;
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
      throw new Error(`${expression}: ${JSON.stringify(exceptionDetails)}`);
    }
    await load?.done;
    return (result as { value: T }).value;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    try {
      await this.#send("Browser.close", {});
    } catch {
      // Already gone: killed below.
    }
    const closed = new Promise((resolve) => this.#socket.onclose = resolve);
    if (this.#socket.readyState !== WebSocket.CLOSED) this.#socket.close();
    await closed;
    const exited = await Promise.race([
      this.#child.status.then(() => true),
      new Promise<false>((resolve) => setTimeout(resolve, 5_000, false)),
    ]);
    if (!exited) {
      this.#child.kill("SIGKILL");
      await this.#child.status;
    }
    await Deno.remove(this.#profile, { recursive: true });
  }

  /** The next load of the page; `cancel()` stops waiting for it (a navigation that failed). */
  #nextLoad(): { done: Promise<void>; cancel(): void } {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let listener: (message: DevToolsMessage) => void = () => {};
    const stop = () => {
      clearTimeout(timer);
      const at = this.#listeners.indexOf(listener);
      if (at >= 0) this.#listeners.splice(at, 1);
    };
    const done = new Promise<void>((resolve, reject) => {
      timer = setTimeout(() => {
        stop();
        reject(new Error("the page did not load"));
      }, LOAD_TIMEOUT_MS);
      listener = (message) => {
        if (message.method !== "Page.loadEventFired") return;
        stop();
        resolve();
      };
      this.#listeners.push(listener);
    });
    return { done, cancel: stop };
  }

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
        if (answer.error !== undefined) reject(new Error(`${method}: ${answer.error.message}`));
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
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (exited) throw new Error("Chromium exited before it listened");
    try {
      const [port, path] = (await Deno.readTextFile(`${profile}/DevToolsActivePort`)).split("\n");
      if (path?.startsWith("/devtools/")) return `ws://127.0.0.1:${port}${path}`;
    } catch {
      // Not written yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`Chromium did not listen within ${START_TIMEOUT_MS} ms`);
}
