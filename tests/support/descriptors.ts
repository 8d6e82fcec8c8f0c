/**
 * This process's open file descriptors (Linux, /proc/self/fd), for tests that check a
 * server in this process closes every file it opened: Deno's resource sanitizer does not
 * see files left open by the code under test.
 */

/** How many descriptors are open: files and sockets alike. */
export function openFileCount(): number {
  return [...Deno.readDirSync("/proc/self/fd")].length;
}

/** How many descriptors are open on `file`. */
export function descriptorsOn(file: string): number {
  let count = 0;
  for (const entry of Deno.readDirSync("/proc/self/fd")) {
    try {
      if (Deno.readLinkSync(`/proc/self/fd/${entry.name}`) === file) count++;
    } catch {
      // Closed since the listing (the listing's own descriptor, say).
    }
  }
  return count;
}
