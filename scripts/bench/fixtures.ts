/**
 * The files the file workloads fetch, made once and cached under /tmp: a later run reuses
 * them when every size matches. Bytes are pseudo-random (never sparse, never one repeated
 * block), so neither the disk, the page cache nor a compressing layer gets an easy case;
 * the compression workloads' files are text drawn the same way.
 */
import path from "node:path";
import zlib from "node:zlib";

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
  // Text, for the compression workloads: code-like and log-like lines, not one phrase
  // repeated (which every coder squeezes to nothing).
  "100k.js": 100 * KiB,
  "100m.txt": 100 * MiB,
} as const;

/** Fixtures made of text (the others are random bytes). */
const TEXT_FIXTURES: ReadonlySet<string> = new Set(["100k.js", "100m.txt"]);
/**
 * Precompressed copies for nginx's gzip_static (zhttp sees them as sidecars too): made with
 * gzip's best level, as `gzip -9k` would, and rewritten whenever the file is.
 */
const GZIP_SIDECARS = ["100k.js"] as const;

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
    if (TEXT_FIXTURES.has(name)) await writeTextFile(file, size, seed);
    else await writeRandomFile(file, size, seed);
  }
  for (const name of GZIP_SIDECARS) {
    const file = path.join(dir, name);
    const sidecar = `${file}.gz`;
    if (await mtimeOf(sidecar) >= await mtimeOf(file)) continue;
    console.log(`creating ${sidecar}…`);
    await Deno.writeFile(sidecar, zlib.gzipSync(await Deno.readFile(file), { level: 9 }));
  }
  return dir;
}

async function mtimeOf(file: string): Promise<number> {
  try {
    return (await Deno.stat(file)).mtime?.getTime() ?? 0;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return 0;
    throw error;
  }
}

async function sizeOf(file: string): Promise<number | null> {
  try {
    return (await Deno.stat(file)).size;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return null;
    throw error;
  }
}

const WORDS = (
  "const let function return if else for while value result index count item list map " +
  "filter reduce push length options config request response handler error message data " +
  "the of and to in is that for it as was with be by on not this are from at which but"
).split(" ");

/** Lines of words, identifiers and numbers, drawn by xorshift32: text that compresses like text. */
async function writeTextFile(file: string, size: number, seed: number): Promise<void> {
  let state = seed || 1;
  const next = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 4294967296;
  };
  const word = () => WORDS[Math.floor(next() * WORDS.length)];
  const encoder = new TextEncoder();
  const partial = `${file}.partial`;
  {
    using handle = await Deno.open(partial, {
      write: true,
      create: true,
      truncate: true,
      mode: 0o644,
    });
    for (let written = 0; written < size;) {
      const lines: string[] = [];
      for (let i = 0; i < 2000; i++) {
        const name = `${word()}${Math.floor(next() * 100)}`;
        lines.push(
          `${word()} ${name} = ${word()}(${word()}, ${Math.floor(next() * 1e5)}); // ${word()} ` +
            `${word()} ${word()} ${name}`,
        );
      }
      const block = encoder.encode(`${lines.join("\n")}\n`);
      const part = block.subarray(0, Math.min(block.length, size - written));
      for (let offset = 0; offset < part.length;) {
        offset += await handle.write(part.subarray(offset));
      }
      written += part.length;
    }
  }
  await Deno.rename(partial, file);
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
