/**
 * Other programs a test runs (openssl, curl, certutil, chromium, deno itself): whether they
 * are installed, skipping with a warning where one is not, and a run to the end with its
 * output as text.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";

/** Whether `program` is on the PATH. */
export function installed(program: string): boolean {
  const folders = (Deno.env.get("PATH") ?? "").split(path.delimiter);
  return folders.some((folder) => {
    try {
      return Deno.statSync(path.join(folder, program)).isFile;
    } catch {
      return false;
    }
  });
}

/** The repository's root, which a skipped test's file is named from. */
const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));

/**
 * Whether the tests of the file at `testUrl` (its `import.meta.url`) must be skipped because
 * one of `programs` is not installed; if so, it says so once, naming the file and the
 * programs, so that a skip is never silent (.ci/run installs them all). For `ignore:`.
 */
export function skipWithout(testUrl: string, programs: readonly string[]): boolean {
  const missing = programs.filter((program) => !installed(program));
  if (missing.length === 0) return false;
  const file = path.relative(REPO_ROOT, fileURLToPath(testUrl));
  console.warn(`${file} skipped: ${missing.join(" and ")} not installed.`);
  return true;
}

/** The outcome of a program run to its end. */
export interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

/** How a program is run: the environment added to this one's (or, with `clearEnv`, alone). */
export interface RunOptions {
  env?: Record<string, string>;
  clearEnv?: boolean;
  cwd?: string;
}

/** Runs `program` with `args` to its end, with no input, and returns what it printed. */
export async function run(
  program: string,
  args: readonly string[],
  options: RunOptions = {},
): Promise<Ran> {
  const output = await new Deno.Command(program, {
    args: [...args],
    env: options.env,
    clearEnv: options.clearEnv,
    cwd: options.cwd,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}
