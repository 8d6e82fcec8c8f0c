/**
 * What a server process costs, read from /proc: resident memory and CPU time of the process
 * and its descendants (nginx serves from a worker child; `deno run` has none).
 */

/** Linux reports CPU times in clock ticks; USER_HZ is 100 on every mainstream kernel build. */
const CLOCK_TICKS_PER_SECOND = 100;

/** The pid and every descendant's pid. */
export function processTree(pid: number): number[] {
  const pids = [pid];
  for (let i = 0; i < pids.length; i++) {
    for (const thread of listDir(`/proc/${pids[i]}/task`)) {
      const children = readOrEmpty(`/proc/${pids[i]}/task/${thread}/children`);
      for (const child of children.split(" ")) if (child !== "") pids.push(Number(child));
    }
  }
  return pids;
}

/** The program name the kernel has for a pid (`deno`, `nginx`), or null if it is gone. */
export function commandName(pid: number): string | null {
  const comm = readOrEmpty(`/proc/${pid}/comm`).trim();
  return comm === "" ? null : comm;
}

/** Resident set size of the process tree, in bytes. */
export function treeRssBytes(pid: number): number {
  let total = 0;
  for (const member of processTree(pid)) total += rssBytes(readOrEmpty(`/proc/${member}/status`));
  return total;
}

/** User + system CPU seconds used so far by the process tree. */
export function treeCpuSeconds(pid: number): number {
  let ticks = 0;
  for (const member of processTree(pid)) ticks += cpuTicks(readOrEmpty(`/proc/${member}/stat`));
  return ticks / CLOCK_TICKS_PER_SECOND;
}

/**
 * CPU seconds a core has spent running anything (user, nice, system) so far. Minus the
 * server's own share, this is how much other programs took from the server's core: the
 * noise in a run on a shared machine.
 */
export function coreBusySeconds(core: number): number {
  const line = readOrEmpty("/proc/stat").split("\n").find((row) => row.startsWith(`cpu${core} `));
  if (line === undefined) return 0;
  const [user, nice, system] = line.split(/\s+/).slice(1, 4).map(Number);
  return (user + nice + system) / CLOCK_TICKS_PER_SECOND;
}

/** VmRSS from a /proc/<pid>/status text, in bytes (0 when absent: a process that just exited). */
export function rssBytes(status: string): number {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(status);
  return match === null ? 0 : Number(match[1]) * 1024;
}

/** utime + stime from a /proc/<pid>/stat text. */
export function cpuTicks(stat: string): number {
  // The command name (field 2) may hold spaces and parentheses: count fields after the last ")".
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // After the name, field 3 (state) is index 0, so utime (14) and stime (15) are 11 and 12.
  return fields.length > 12 ? Number(fields[11]) + Number(fields[12]) : 0;
}

/** Samples the tree's RSS every `intervalMs` until stopped; returns the peak. */
export function sampleRssPeak(pid: number, intervalMs: number): { stop(): number } {
  let peak = treeRssBytes(pid);
  const timer = setInterval(() => {
    peak = Math.max(peak, treeRssBytes(pid));
  }, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(peak, treeRssBytes(pid));
    },
  };
}

function listDir(dir: string): string[] {
  try {
    return [...Deno.readDirSync(dir)].map((entry) => entry.name);
  } catch {
    return [];
  }
}

/** Processes come and go while we read /proc; a vanished one counts as nothing. */
function readOrEmpty(file: string): string {
  try {
    return Deno.readTextFileSync(file);
  } catch {
    return "";
  }
}
