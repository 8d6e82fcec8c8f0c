/**
 * The folders a Windows end-to-end run serves and hides, built on Linux and shown to
 * deno.exe through bind mounts:
 *
 * - `C:\site`: the served root. Ordinary files, a listed folder, a custom 404 page, a
 *   zhttp.json (found because the working folder is the root, so it must be hidden),
 *   dotfiles, files named like Windows devices, and relative symlinks that point out of it.
 * - `C:\secret\secret.txt`: a secret beside the root, where `..\secret` would land.
 * - `C:\zhttp\e2e-secret\secret.txt`: a secret beside the program (`C:\zhttp` is the
 *   repository, copy-on-write, so the mount never touches the real tree).
 *
 * Every secret holds `secretToken`, a fresh random string: a response that contains it
 * leaked something, whatever the path that got it there.
 */
import { dirname, join } from "node:path";
import { sha256 } from "../support/raw_http.ts";

/** Where the root is mounted, and what zhttp is told to serve. */
export const WINDOWS_ROOT = "C:\\site";
/** A folder beside the root: `..\secret\secret.txt` seen from `C:\site`. */
export const WINDOWS_SECRET_DIR = "C:\\secret";
/** A folder beside the program: inside the repository's copy-on-write view. */
export const WINDOWS_BESIDE_PROGRAM_DIR = "C:\\zhttp\\e2e-secret";

/** Above the file cache's limit (256 KiB), so it is streamed from disk in chunks. */
export const LARGE_FILE_BYTES = 4 * 1024 * 1024;
/** Below the file cache's limit: served from memory. */
export const BINARY_FILE_BYTES = 64 * 1024;

/** The zhttp.json in the root: applied (its Cache-Control shows) yet never served. */
export const ZHTTP_JSON_TEXT = '{ "cacheControl": "public, max-age=60" }\n';
export const CACHE_CONTROL_FROM_ZHTTP_JSON = "public, max-age=60";

export const INDEX_HTML = "<!doctype html>\n<title>zhttp on Windows</title>\n<p>index</p>\n";
export const NOT_FOUND_HTML = "<!doctype html>\n<title>Not here</title>\n<p>custom 404</p>\n";
export const HELLO_TEXT = "Hello from C:\\site, café ☕\n";
export const NESTED_INDEX_HTML = "<!doctype html>\n<p>nested index</p>\n";
/** Files of the listed folder that a listing must show. */
export const LISTED_NAMES = ["a.txt", "b.txt", "café.txt", "with space.txt"] as const;
/** Files of the listed folder that a listing must never show. */
export const UNLISTED_NAMES = [".env", "con.txt", "aux.html"] as const;

export interface FixtureSite extends AsyncDisposable {
  /** Linux folders to mount: pass as `mounts` to `startWindowsDeno()`. */
  readonly mounts: Record<string, string>;
  /** The Linux folder behind `C:\site`, for tests that add files. */
  readonly siteDir: string;
  /** In every secret file; must never appear in a response. */
  readonly secretToken: string;
  /** SHA-256 (hex) of `photo.png` and `large.bin`. */
  readonly photoSha256: string;
  readonly largeSha256: string;
  /** Bytes of `large.bin`, for checking ranges. */
  readonly large: Uint8Array;
}

/** Builds the folders in a fresh Linux temp dir; disposing removes them. */
export async function createFixtureSite(): Promise<FixtureSite> {
  const base = await Deno.makeTempDir({ prefix: "zhttp-windows-e2e-" });
  const siteDir = join(base, "site");
  const secretDir = join(base, "secret");
  const besideProgramDir = join(base, "beside-program");
  const secretToken = `zhttp-secret-${crypto.randomUUID()}`;
  const photo = patternBytes(BINARY_FILE_BYTES, 7);
  const large = patternBytes(LARGE_FILE_BYTES, 31);

  const files: Record<string, string | Uint8Array> = {
    "index.html": INDEX_HTML,
    "404.html": NOT_FOUND_HTML,
    "hello.txt": HELLO_TEXT,
    "photo.png": photo,
    "large.bin": large,
    "zhttp.json": ZHTTP_JSON_TEXT,
    ".env": `TOKEN=${secretToken}\n`,
    ".git/config": `[core]\n\tsecret = ${secretToken}\n`,
    // Real files with device names: on Windows, opening them reaches the console or AUX.
    "con.txt": "a file named like the console device\n",
    "aux.html": "a file named like the AUX device\n",
    "nested/index.html": NESTED_INDEX_HTML,
    "docs/.env": `TOKEN=${secretToken}\n`,
    "docs/con.txt": "a file named like the console device\n",
    "docs/aux.html": "a file named like the AUX device\n",
    ...Object.fromEntries(LISTED_NAMES.map((name) => [`docs/${name}`, `${name}\n`])),
  };
  for (const [name, content] of Object.entries(files)) {
    const file = join(siteDir, name);
    await Deno.mkdir(dirname(file), { recursive: true });
    if (typeof content === "string") await Deno.writeTextFile(file, content);
    else await Deno.writeFile(file, content);
  }
  await Deno.mkdir(join(siteDir, "docs", "sub"));
  for (const dir of [secretDir, besideProgramDir]) {
    await Deno.mkdir(dir);
    await Deno.writeTextFile(join(dir, "secret.txt"), `${secretToken}\n`);
  }
  // Relative links, so they resolve the same inside the chroot as on Linux: C:\site and
  // C:\secret are siblings there too. Wine shows them as plain files and folders.
  await Deno.symlink("../secret/secret.txt", join(siteDir, "escape.txt"));
  await Deno.symlink("../secret", join(siteDir, "escape-dir"));

  return {
    mounts: {
      [WINDOWS_ROOT]: siteDir,
      [WINDOWS_SECRET_DIR]: secretDir,
      [WINDOWS_BESIDE_PROGRAM_DIR]: besideProgramDir,
    },
    siteDir,
    secretToken,
    photoSha256: await sha256(photo),
    largeSha256: await sha256(large),
    large,
    async [Symbol.asyncDispose]() {
      await Deno.remove(base, { recursive: true });
    },
  };
}

/** Deterministic bytes that are not all alike, so a misplaced chunk changes the hash. */
export function patternBytes(length: number, step: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = (i * step + (i >> 12)) % 251;
  return bytes;
}
