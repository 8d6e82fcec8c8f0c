/**
 * Headless Chromium for tests that must see what a browser does with a response: show it,
 * download it, play it. Each run gets a fresh profile (removed afterwards) and the flags
 * that keep Chromium off the network and away from everything but the page asked for.
 */

/** Where Debian's chromium package puts the browser; null when it is not installed. */
export const CHROMIUM: string | null = (() => {
  for (const candidate of ["/usr/bin/chromium", "/usr/bin/chromium-browser"]) {
    try {
      if (Deno.statSync(candidate).isFile) return candidate;
    } catch {
      // Not there.
    }
  }
  return null;
})();

/** The flags every run gets: headless, no sandbox (tests run as root), no background traffic. */
export const CHROMIUM_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
] as const;

/**
 * Opens `url` in a headless Chromium that stays open (remote debugging keeps it running)
 * until the returned handle is disposed, for pages that report back to the test's server.
 */
export async function openPage(url: string): Promise<AsyncDisposable> {
  const profile = await Deno.makeTempDir({ prefix: "zhttp_chromium_" });
  // A process group of its own (setsid), so that disposing ends Chromium's helper processes
  // too, which would otherwise go on writing into the profile.
  const child = new Deno.Command("setsid", {
    args: [
      "chromium",
      ...CHROMIUM_FLAGS,
      `--user-data-dir=${profile}`,
      "--remote-debugging-port=0",
      "--autoplay-policy=no-user-gesture-required",
      url,
    ],
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  return {
    async [Symbol.asyncDispose]() {
      Deno.kill(-child.pid, "SIGKILL");
      await child.status;
      await removeProfile(profile);
    },
  };
}

/** How long one Chromium run may take before it is killed and the test fails. */
const CHROMIUM_TIMEOUT_MS = 30_000;

/**
 * Loads `url` and returns the DOM as Chromium serialized it once the page settled (empty when
 * Chromium downloaded the response instead of showing it). `virtualTimeMs` lets the page's
 * scripts and media run that long first.
 */
export async function dumpDom(
  url: string,
  options: { virtualTimeMs?: number } = {},
): Promise<string> {
  const profile = await Deno.makeTempDir({ prefix: "zhttp_chromium_" });
  try {
    const budget = options.virtualTimeMs === undefined
      ? []
      : [`--virtual-time-budget=${options.virtualTimeMs}`];
    const child = new Deno.Command("chromium", {
      args: [...CHROMIUM_FLAGS, `--user-data-dir=${profile}`, ...budget, "--dump-dom", url],
      stdin: "null",
      stdout: "piped",
      stderr: "null",
    }).spawn();
    const timer = setTimeout(() => child.kill("SIGKILL"), CHROMIUM_TIMEOUT_MS);
    try {
      const { code, stdout } = await child.output();
      if (code !== 0) throw new Error(`chromium exited with code ${code} on ${url}`);
      return new TextDecoder().decode(stdout);
    } finally {
      clearTimeout(timer);
    }
  } finally {
    await removeProfile(profile);
  }
}

/** Attempts at removing a profile that a helper process still writes into as it dies. */
const REMOVE_ATTEMPTS = 20;

async function removeProfile(profile: string): Promise<void> {
  for (let attempt = 1;; attempt++) {
    try {
      return await Deno.remove(profile, { recursive: true });
    } catch (error) {
      if (attempt === REMOVE_ATTEMPTS) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}
