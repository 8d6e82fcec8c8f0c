/**
 * The folders the listing benchmark lists, made once and cached under /tmp: 100,000 and
 * 10,000 files with names, sizes and dates as varied as a real download or photo folder.
 * Sizes are set with truncate (sparse files), so the folders cost inodes, not disk space.
 */
import path from "node:path";

/** Served as the root by every server in the listing benchmark. */
export const LISTING_FIXTURE_DIR = "/tmp/zhttp-bench-listing";

/** Folder names (URL path segments) and how many files each holds. */
export const LISTING_FOLDERS = { "100k": 100_000, "10k": 10_000 } as const;

export type ListingFolder = keyof typeof LISTING_FOLDERS;

const WORDS = ["report", "IMG", "photo", "track", "Résumé", "backup", "notes", "draft", "Ärger"];
const EXTENSIONS = [".txt", ".jpg", ".png", ".mp3", ".mp4", ".zip", ".ts", ".md", "", ".tar.gz"];
const YEAR_MS = 365 * 24 * 3600 * 1000;

/** Creates the folders that are missing or incomplete; returns the root to serve. */
export async function ensureListingFixtures(root = LISTING_FIXTURE_DIR): Promise<string> {
  for (const [name, count] of Object.entries(LISTING_FOLDERS)) {
    const dir = path.join(root, name);
    // Written last, so an interrupted run makes the folder again next time.
    const marker = path.join(root, `${name}.complete`);
    if (await readOrNull(marker) === String(count)) continue;
    console.log(`creating ${dir} (${count} files)…`);
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    await Deno.mkdir(dir, { recursive: true });
    let state = 0x2545f491 ^ count;
    const next = () => {
      // xorshift32: the same folder every time.
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      return state >>> 0;
    };
    const now = Date.now();
    for (let i = 0; i < count; i++) {
      const file = path.join(dir, `${WORDS[next() % WORDS.length]}_${i}${EXTENSIONS[next() % 10]}`);
      using handle = Deno.openSync(file, { write: true, create: true, truncate: true });
      handle.truncateSync(next() % (4 * 1024 * 1024));
      const at = new Date(now - (next() % YEAR_MS));
      handle.utimeSync(at, at);
    }
    await Deno.writeTextFile(marker, String(count));
  }
  return root;
}

async function readOrNull(file: string): Promise<string | null> {
  try {
    return await Deno.readTextFile(file);
  } catch {
    return null;
  }
}
