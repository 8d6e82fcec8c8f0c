/**
 * What `deno task compile` asks of `deno compile`, and how it reads the answer. Pure: no
 * processes and no files, so every rule here is tested from tables.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { serverPermissions } from "../permissions.ts";
import { V8_FLAGS_ARG } from "../v8_flags.ts";

/** The platforms zhttp ships a binary for, by the name `--target` takes. */
export type TargetName = "windows" | "linux";

/** One binary: its Rust target triple (what `deno compile --target` takes) and file name. */
export interface Target {
  name: TargetName;
  triple: string;
  fileName: string;
}

export const TARGETS: Readonly<Record<TargetName, Target>> = {
  windows: { name: "windows", triple: "x86_64-pc-windows-msvc", fileName: "zhttp.exe" },
  linux: { name: "linux", triple: "x86_64-unknown-linux-gnu", fileName: "zhttp" },
};

/** The program, relative to the repository root (deno stores it as the binary's entry point). */
export const ENTRY_POINT = "main.ts";

/** What the person asked for on the command line. */
export interface CompilePlan {
  /** Windows first: it is the binary most people download. */
  targets: Target[];
  /** Where the binaries go, as typed (relative to where the task was started); null: dist/. */
  outDir: string | null;
}

/** A mistake in the command line or in DENORT_BIN: one sentence, exit 2. */
export class UsageError extends Error {}

export const USAGE = `usage: deno task compile [--target windows|linux] [--out-dir DIR]

Builds dist/zhttp.exe (Windows) and dist/zhttp (Linux), or the one --target names.
DENORT_BIN=FILE builds on a local runtime base instead of downloading denort; the
result is marked STAND-IN because only an official denort makes a release.`;

/** argv → plan, or `"help"`. Throws UsageError for anything else. */
export function parseCompileArgs(args: readonly string[]): CompilePlan | "help" {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...args],
      options: {
        target: { type: "string" },
        "out-dir": { type: "string" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { target, "out-dir": outDir, help } = parsed.values;
  if (help) return "help";
  if (outDir === "") throw new UsageError("--out-dir needs a folder");
  if (target === undefined) {
    return { targets: [TARGETS.windows, TARGETS.linux], outDir: outDir ?? null };
  }
  if (!isTargetName(target)) {
    throw new UsageError(`--target must be windows or linux, not "${target}"`);
  }
  return { targets: [TARGETS[target]], outDir: outDir ?? null };
}

/**
 * Modules main.ts loads by URL rather than by import, which `deno compile` embeds only when
 * told (`--include`): the compression worker and the server threads of --workers, started
 * with `new Worker(url)`.
 */
export const INCLUDED_MODULES: readonly string[] = [
  "lib/middleware/compression_worker.ts",
  "lib/cli/worker_main.ts",
];

/**
 * The `deno compile` arguments for one target.
 *
 * deno embeds every module of main.ts's graph, and deno.json is in it (lib/cli/version.ts
 * imports it as JSON); INCLUDED_MODULES are named. What zhttp reads at run time by path (the
 * folder it serves, zhttp.json) belongs to the user and must not be baked in, static/ included.
 */
export function denoCompileArgs(target: Target, output: string): string[] {
  return [
    "compile",
    // A release uses exactly the locked npm versions; a stale deno.lock is an error.
    "--frozen",
    // A binary nobody watches must not stop to ask: a missing permission throws instead.
    "--no-prompt",
    ...serverPermissions(target.name),
    V8_FLAGS_ARG,
    // Only what main.ts reaches: fast-check and its dependencies are for the tests.
    "--exclude-unused-npm",
    ...INCLUDED_MODULES.flatMap((module) => ["--include", module]),
    // No --no-terminal: the console is where the user reads the URL and presses Ctrl+C.
    "--target",
    target.triple,
    "--output",
    output,
    ENTRY_POINT,
  ];
}

/** Printed instead of deno's error when `deno compile` could not fetch denort. */
export const RUNTIME_DOWNLOAD_FAILED =
  "zhttp: deno compile needs to download its runtime base (denort) from the internet, which " +
  "this machine cannot reach; run this on a machine with internet access, or set DENORT_BIN " +
  "to a local denort.";

/**
 * Whether deno's stderr says it failed to fetch denort: offline, the request for
 * `…/denort-<triple>.zip` fails before any byte arrives ("error sending request for url
 * (https://dl.deno.land/release/v2.9.6/denort-x86_64-pc-windows-msvc.zip): … dns error").
 * Any other failure (a type error, a stale lockfile, a 404) is deno's to explain.
 */
export function isRuntimeDownloadFailure(stderr: string): boolean {
  return /error sending request for url \([^)\s]*\/denort-[^)\s]*\)/.test(stderr);
}

/** The two kinds of executable a runtime base can be, from its first bytes. */
export function executableFormat(head: Uint8Array): TargetName | null {
  // "MZ": the DOS stub every PE file starts with.
  if (head[0] === 0x4d && head[1] === 0x5a) return "windows";
  // "\x7fELF".
  if (head[0] === 0x7f && head[1] === 0x45 && head[2] === 0x4c && head[3] === 0x46) {
    return "linux";
  }
  return null;
}

/**
 * Why DENORT_BIN cannot serve these targets, or null when it can. It names one runtime base
 * for one platform, and deno does not check that it matches `--target`: a mismatch would
 * produce a binary that cannot start.
 *
 * @param head the file's first bytes; null when it could not be read
 */
export function standInProblem(
  denortBin: string,
  head: Uint8Array | null,
  targets: readonly Target[],
): string | null {
  if (head === null) return `DENORT_BIN is set to ${denortBin}, which cannot be read`;
  const format = executableFormat(head);
  if (format === null) {
    return `DENORT_BIN is set to ${denortBin}, which is neither a Windows nor a Linux executable`;
  }
  if (targets.length !== 1) {
    return `DENORT_BIN is one runtime base (a ${format} executable), so pass --target ${format} with it`;
  }
  const [target] = targets;
  if (target.name !== format) {
    return `DENORT_BIN is a ${format} executable, which cannot be the base of the ${target.name} binary`;
  }
  return null;
}

/** What the release engineer copies into the release notes: path, size, SHA-256. */
export interface BuiltBinary {
  path: string;
  size: number;
  sha256: string;
  /** DENORT_BIN when the binary was built on a stand-in runtime base. */
  standInBase: string | null;
}

export function formatBuiltBinary({ path, size, sha256, standInBase }: BuiltBinary): string {
  const lines = [
    path,
    `  size    ${size} bytes (${(size / 2 ** 20).toFixed(1)} MiB)`,
    `  sha256  ${sha256}`,
  ];
  // Deno cannot tell a real denort from any other binary, and the release machine never sets
  // DENORT_BIN: so a build that used it is always called a stand-in.
  if (standInBase !== null) {
    lines.push(
      `  STAND-IN, not a release: built with a stand-in runtime base (DENORT_BIN=${standInBase})`,
    );
  }
  return lines.join("\n");
}

function isTargetName(name: string): name is TargetName {
  return Object.hasOwn(TARGETS, name);
}
