/**
 * `deno task compile`: builds dist/zhttp.exe (Windows) and dist/zhttp (Linux) with
 * `deno compile`, then prints the path, size and SHA-256 of each.
 *
 *   deno task compile [--target windows|linux] [--out-dir DIR]
 *
 * Exit codes: 0 built, 1 `deno compile` failed, 2 a mistake in the command line or DENORT_BIN.
 * `deno compile` downloads its runtime base (denort) unless DENORT_BIN names a local one; a
 * build without a way to get it fails with one sentence rather than deno's backtrace.
 *
 * @module
 */

import { isAbsolute, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import {
  denoCompileArgs,
  formatBuiltBinary,
  isRuntimeDownloadFailure,
  parseCompileArgs,
  RUNTIME_DOWNLOAD_FAILED,
  standInProblem,
  type Target,
  USAGE,
  UsageError,
} from "./compile/build.ts";

const REPO_ROOT = fileURLToPath(new URL("..", import.meta.url));

export async function main(args: readonly string[]): Promise<number> {
  // `deno task` runs in the repository root; INIT_CWD is where the person typed the command.
  const callerDir = Deno.env.get("INIT_CWD") ?? Deno.cwd();
  const denortBin = Deno.env.get("DENORT_BIN") ?? null;
  let targets: Target[];
  let outDir: string;
  try {
    const plan = parseCompileArgs(args);
    if (plan === "help") {
      console.log(USAGE);
      return 0;
    }
    targets = plan.targets;
    outDir = plan.outDir === null ? join(REPO_ROOT, "dist") : resolve(callerDir, plan.outDir);
    if (denortBin !== null) {
      const problem = standInProblem(denortBin, await readHead(denortBin), targets);
      if (problem !== null) throw new UsageError(problem);
    }
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`zhttp: ${error.message}`);
    return 2;
  }

  await Deno.mkdir(outDir, { recursive: true });
  for (const target of targets) {
    const output = join(outDir, target.fileName);
    const shown = displayPath(callerDir, output);
    console.log(`zhttp: compiling ${shown} (${target.triple})…`);
    // A failed build must not leave the previous binary behind looking like its result.
    await Deno.remove(output).catch((error) => {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    });
    const result = await new Deno.Command(Deno.execPath(), {
      args: denoCompileArgs(target, output),
      cwd: REPO_ROOT,
      stdin: "null",
      stdout: "inherit",
      stderr: "piped",
    }).output();
    const denoSaid = new TextDecoder().decode(result.stderr).trimEnd();
    if (!result.success) {
      if (isRuntimeDownloadFailure(denoSaid)) {
        console.error(RUNTIME_DOWNLOAD_FAILED);
      } else {
        console.error(denoSaid);
        console.error(`zhttp: deno compile failed for ${shown} (exit code ${result.code})`);
      }
      return 1;
    }
    // deno's own account (embedded files and their sizes) is worth keeping in a build log.
    if (denoSaid !== "") console.error(denoSaid);
    const bytes = await Deno.readFile(output);
    console.log(formatBuiltBinary({
      path: shown,
      size: bytes.byteLength,
      sha256: await sha256Hex(bytes),
      standInBase: denortBin,
    }));
  }
  return 0;
}

async function readHead(path: string): Promise<Uint8Array | null> {
  try {
    using file = await Deno.open(path);
    const head = new Uint8Array(4);
    const read = await file.read(head);
    return head.subarray(0, read ?? 0);
  } catch {
    return null;
  }
}

async function sha256Hex(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(digest, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

/** Relative to where the person stands when that is shorter to read, else absolute. */
function displayPath(callerDir: string, path: string): string {
  const fromCaller = relative(callerDir, path);
  return fromCaller.startsWith("..") || isAbsolute(fromCaller) ? path : fromCaller;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
