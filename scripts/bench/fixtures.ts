/**
 * The files the file workloads fetch, made once and cached under /tmp: a later run reuses
 * them when every size matches. Bytes are pseudo-random (never sparse, never one repeated
 * block), so neither the disk, the page cache nor a compressing layer gets an easy case.
 */
import path from "node:path";

/** Where the fixtures live between runs; every server in the bench serves this folder. */
export const FIXTURE_DIR = "/tmp/zhttp-bench-fixtures";

const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;

/** Fixture file names (URL paths without the slash) and their sizes. */
export const FIXTURES = {
  "1k.bin": KiB,
  "100k.bin": 100 * KiB,
  "100m.bin": 100 * MiB,
  "1g.bin": GiB,
} as const;

export type FixtureName = keyof typeof FIXTURES;

/** Block written at a time while generating; big enough for sequential disk writes. */
const WRITE_BLOCK_BYTES = 4 * MiB;

/** Creates the missing or wrong-sized fixtures; returns the folder to serve. */
export async function ensureFixtures(dir = FIXTURE_DIR): Promise<string> {
  await Deno.mkdir(dir, { recursive: true, mode: 0o755 });
  let seed = 0x9e3779b9;
  for (const [name, size] of Object.entries(FIXTURES)) {
    seed = (seed + 0x6d2b79f5) >>> 0;
    const file = path.join(dir, name);
    if (await sizeOf(file) === size) continue;
    console.log(`creating ${file} (${size} bytes)…`);
    await writeRandomFile(file, size, seed);
  }
  return dir;
}

async function sizeOf(file: string): Promise<number | null> {
  try {
    return (await Deno.stat(file)).size;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return null;
    throw error;
  }
}

/** Writes beside the target and renames, so an interrupted run never leaves a short file. */
async function writeRandomFile(file: string, size: number, seed: number): Promise<void> {
  const partial = `${file}.partial`;
  const block = new Uint8Array(Math.min(size, WRITE_BLOCK_BYTES));
  const words = new Uint32Array(block.buffer, 0, Math.floor(block.length / 4));
  let state = seed || 1;
  {
    using handle = await Deno.open(partial, {
      write: true,
      create: true,
      truncate: true,
      mode: 0o644,
    });
    for (let written = 0; written < size;) {
      // xorshift32: fast, and every block differs from the one before.
      for (let i = 0; i < words.length; i++) {
        state ^= state << 13;
        state ^= state >>> 17;
        state ^= state << 5;
        words[i] = state >>> 0;
      }
      const part = block.subarray(0, Math.min(block.length, size - written));
      for (let offset = 0; offset < part.length;) {
        offset += await handle.write(part.subarray(offset));
      }
      written += part.length;
    }
  }
  await Deno.rename(partial, file);
}
