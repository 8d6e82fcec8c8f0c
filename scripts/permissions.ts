/**
 * The permissions zhttp runs with, in one place: baked into the compiled binary by
 * scripts/compile.ts, used by `deno task start`/`dev` (a test checks they match), and by
 * every test that runs main.ts as a process, so a missing permission shows up here first.
 *
 * - net: listen on the address and port the user picks.
 * - read: serve whichever folder the user picks (and find zhttp.json beside the program).
 * - sys=networkInterfaces: print the LAN addresses in the banner.
 * - run: open the browser for --open (xdg-open on Linux, open on macOS, explorer on Windows).
 */
export const SERVER_PERMISSIONS: readonly string[] = [
  "--allow-net",
  "--allow-read",
  "--allow-sys=networkInterfaces",
  "--allow-run=xdg-open,open,explorer",
];
