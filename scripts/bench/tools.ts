/**
 * The programs the bench drives. It never installs anything itself: a missing required tool
 * stops the bench with the exact command that installs it.
 */

export interface Tools {
  wrk: string;
  taskset: string;
  curl: string;
  /** Absent when nginx is not installed: the nginx rows are skipped, not failed. */
  nginx: string | null;
  /** Likewise for lighttpd. */
  lighttpd: string | null;
}

/** A required program is missing; the message says how to install it. */
export class MissingToolError extends Error {}

const REQUIRED = [
  { name: "wrk", install: "apt-get install -y wrk" },
  { name: "taskset", install: "apt-get install -y util-linux" },
  { name: "curl", install: "apt-get install -y curl" },
] as const;

/** nginx hides in sbin, which is not on every PATH. */
const EXTRA_DIRS = ["/usr/sbin", "/usr/local/sbin", "/sbin"];

export async function findTools(): Promise<Tools> {
  const found: Record<string, string> = {};
  for (const { name, install } of REQUIRED) {
    const location = await which(name);
    if (location === null) {
      throw new MissingToolError(`${name} is not installed; install it with: ${install}`);
    }
    found[name] = location;
  }
  return {
    wrk: found.wrk,
    taskset: found.taskset,
    curl: found.curl,
    nginx: await which("nginx"),
    lighttpd: await which("lighttpd"),
  };
}

/** The first executable `name` on PATH (or in sbin), or null. */
async function which(name: string): Promise<string | null> {
  const dirs = [...(Deno.env.get("PATH") ?? "").split(":"), ...EXTRA_DIRS];
  for (const dir of dirs.filter((dir) => dir !== "")) {
    const candidate = `${dir}/${name}`;
    try {
      const info = await Deno.stat(candidate);
      if (info.isFile && ((info.mode ?? 0) & 0o111) !== 0) return candidate;
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
  }
  return null;
}
