/**
 * Where a V8 CPU profile (`deno run --cpu-prof`) spent its time: self time per function and
 * per source file, largest first. For reading zhttp's profile under wrk without a browser.
 *
 *   deno run --allow-read scripts/bench/profile_summary.ts <file.cpuprofile> [--top 25]
 */
import { parseArgs } from "node:util";

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
}

/** The parts of the .cpuprofile format (Chrome DevTools protocol `Profile`) used here. */
export interface CpuProfile {
  nodes: ProfileNode[];
  /** Node id of each sample. */
  samples: number[];
  /** Microseconds since the previous sample, one per sample. */
  timeDeltas: number[];
}

export interface SelfTime {
  name: string;
  microseconds: number;
}

/** The repository's file URL prefix, cut from the names of its files. */
const REPO_URL = new URL("../../", import.meta.url).href;

/**
 * Self time by function (`name file:line`) and by file, each sorted largest first; files
 * under `repoUrl` are named relative to it.
 */
export function selfTimes(
  profile: CpuProfile,
  repoUrl = REPO_URL,
): { functions: SelfTime[]; files: SelfTime[] } {
  const frames = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
  const byFunction = new Map<string, number>();
  const byFile = new Map<string, number>();
  profile.samples.forEach((id, index) => {
    const frame = frames.get(id);
    if (frame === undefined) return;
    const delta = profile.timeDeltas[index] ?? 0;
    const file = frame.url.startsWith(repoUrl) ? frame.url.slice(repoUrl.length) : frame.url;
    const name = `${frame.functionName || "(anonymous)"}${
      file === "" ? "" : ` ${file}:${frame.lineNumber + 1}`
    }`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + delta);
    byFile.set(file || frame.functionName, (byFile.get(file || frame.functionName) ?? 0) + delta);
  });
  return { functions: sorted(byFunction), files: sorted(byFile) };
}

function sorted(times: Map<string, number>): SelfTime[] {
  return [...times].map(([name, microseconds]) => ({ name, microseconds }))
    .sort((a, b) => b.microseconds - a.microseconds);
}

function formatRows(rows: SelfTime[], total: number, top: number): string {
  return rows.slice(0, top).map(({ name, microseconds }) =>
    `${(100 * microseconds / total).toFixed(1).padStart(5)}%  ${
      (microseconds / 1000).toFixed(0).padStart(7)
    } ms  ${name}`
  ).join("\n");
}

if (import.meta.main) {
  const { values, positionals } = parseArgs({
    args: Deno.args,
    allowPositionals: true,
    options: { top: { type: "string", default: "25" } },
  });
  if (positionals.length !== 1) {
    console.error("usage: profile_summary.ts <file.cpuprofile> [--top 25]");
    Deno.exit(2);
  }
  const profile = JSON.parse(await Deno.readTextFile(positionals[0])) as CpuProfile;
  const { functions, files } = selfTimes(profile);
  const total = profile.timeDeltas.reduce((sum, delta) => sum + delta, 0);
  const top = Number(values.top);
  console.log(`total ${(total / 1000).toFixed(0)} ms sampled\n\nself time by function`);
  console.log(formatRows(functions, total, top));
  console.log("\nself time by file");
  console.log(formatRows(files, total, top));
}
