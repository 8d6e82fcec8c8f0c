/**
 * `deno task bench --compare A,B`: zhttp from two revisions, measured in alternation, for
 * changes smaller than this machine's noise. Each revision runs from its own detached git
 * worktree ("." is the working tree as it is, uncommitted changes included). A round runs
 * both once, in alternating order (A B, then B A, ...), so that a drift of the machine hits
 * both alike; the verdict is the median of the per-round ratios B ÷ A, which cancels drift
 * that a ratio of medians would keep.
 */
import { median } from "./stats.ts";
import type { LoadWorkload } from "./workloads.ts";

/** One revision to run: what the user named, the commit, and the checkout it runs from. */
export interface Revision {
  name: string;
  commit: string;
  dir: string;
}

/** The medians and the per-round ratios of one workload. */
export interface CompareResult {
  workload: string;
  unit: LoadWorkload["unit"];
  a: number[];
  b: number[];
  ratios: number[];
}

/** The working tree itself, uncommitted changes included. */
export const WORKING_TREE = ".";

/** Parses `A,B` into two revision names. */
export function parseCompareArg(text: string): [string, string] {
  const parts = text.split(",").map((part) => part.trim());
  if (parts.length !== 2 || parts.some((part) => part === "")) {
    throw new Error(`--compare takes two revisions as A,B (e.g. main,HEAD), not "${text}"`);
  }
  return [parts[0], parts[1]];
}

/**
 * Checks out `name` into a temporary detached worktree (or uses the repository for the
 * working tree). The returned disposer removes the worktree.
 */
export async function checkout(
  repo: string,
  name: string,
): Promise<{ revision: Revision; remove: () => Promise<void> }> {
  if (name === WORKING_TREE) {
    const commit = await git(repo, "rev-parse", "--short", "HEAD");
    return {
      revision: { name: "working tree", commit: `${commit}+`, dir: repo },
      remove: () => Promise.resolve(),
    };
  }
  const commit = await git(repo, "rev-parse", "--short", `${name}^{commit}`);
  const dir = await Deno.makeTempDir({ prefix: `zhttp-bench-${commit}-` });
  await git(repo, "worktree", "add", "--detach", dir, commit);
  return {
    revision: { name, commit, dir },
    remove: async () => {
      await git(repo, "worktree", "remove", "--force", dir);
    },
  };
}

/**
 * Runs `rounds` rounds of A and B on one workload; `measure` runs one load on one side and
 * returns its lead figure (req/s or MB/s).
 */
export async function compareRounds(
  workload: LoadWorkload,
  rounds: number,
  measure: (side: "a" | "b", round: number) => Promise<number>,
): Promise<CompareResult> {
  const a: number[] = [];
  const b: number[] = [];
  const ratios: number[] = [];
  for (let round = 1; round <= rounds; round++) {
    const order: ("a" | "b")[] = round % 2 === 1 ? ["a", "b"] : ["b", "a"];
    const figures = { a: 0, b: 0 };
    for (const side of order) figures[side] = await measure(side, round);
    a.push(figures.a);
    b.push(figures.b);
    ratios.push(figures.b / figures.a);
  }
  return { workload: workload.name, unit: workload.unit, a, b, ratios };
}

/** The verdict a person reads: medians of each side and of the per-round ratios. */
export function formatCompare(result: CompareResult, a: Revision, b: Revision): string {
  const fmt = (value: number) =>
    result.unit === "req/s" ? Math.round(value).toLocaleString("en-US") : value.toFixed(1);
  const sorted = [...result.ratios].sort((x, y) => x - y);
  return [
    `${result.workload}: ${b.name} (${b.commit}) ÷ ${a.name} (${a.commit}), ` +
    `${result.ratios.length} alternating rounds`,
    `  ${a.name}: median ${fmt(median(result.a))} ${result.unit} ` +
    `(${result.a.map(fmt).join(", ")})`,
    `  ${b.name}: median ${fmt(median(result.b))} ${result.unit} ` +
    `(${result.b.map(fmt).join(", ")})`,
    `  ratio per round: median ${median(result.ratios).toFixed(3)}x, ` +
    `range ${sorted[0].toFixed(3)}–${sorted.at(-1)!.toFixed(3)}x`,
  ].join("\n");
}

async function git(repo: string, ...args: string[]): Promise<string> {
  const { code, stdout, stderr } = await new Deno.Command("git", {
    args,
    cwd: repo,
    stdin: "null",
  }).output();
  if (code !== 0) {
    throw new Error(`git ${args.join(" ")}: ${new TextDecoder().decode(stderr).trim()}`);
  }
  return new TextDecoder().decode(stdout).trim();
}
