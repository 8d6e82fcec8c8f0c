import assert from "node:assert/strict";
import {
  type CachedFile,
  DEFAULT_FILE_CACHE_LIMITS,
  FileCache,
  type FileIdentity,
  identityOf,
  MTIME_SETTLE_MS,
} from "../../../lib/handlers/static/file_cache.ts";

/** When the test "read" its files: every version below is older than the settle time. */
const READ_AT = Date.UTC(2026, 0, 1);
const OLD = READ_AT - 60_000;

const IDENTITY: FileIdentity = { size: 3, mtimeMs: OLD, ctimeMs: OLD, ino: 42, dev: 7 };

function cached(size: number, identity: Partial<FileIdentity> = {}): CachedFile {
  return {
    identity: { ...IDENTITY, size, ...identity },
    bytes: new Uint8Array(size),
    etag: `W/"${size}"`,
    lastModified: "Thu, 01 Jan 2026 00:00:00 GMT",
    contentType: "text/plain; charset=utf-8",
  };
}

Deno.test("FileCache.lookup() misses a path never stored", () => {
  assert.equal(new FileCache().lookup("/a", IDENTITY), undefined);
});

Deno.test("FileCache.lookup() hits when a fresh stat shows the same version", () => {
  const cache = new FileCache();
  const file = cached(3);
  assert.equal(cache.store("/a", file, READ_AT), true);
  assert.equal(cache.lookup("/a", { ...IDENTITY }), file);
  assert.equal(cache.lookup("/b", IDENTITY), undefined, "another path");
});

const CHANGES: readonly { name: string; change: Partial<FileIdentity> }[] = [
  { name: "size", change: { size: 4 } },
  { name: "mtime", change: { mtimeMs: OLD + 1 } },
  { name: "ctime", change: { ctimeMs: OLD + 1 } },
  { name: "ctime becoming unknown", change: { ctimeMs: NaN } },
  { name: "inode", change: { ino: 43 } },
  { name: "inode becoming unknown", change: { ino: null } },
  { name: "device", change: { dev: 8 } },
];

for (const { name, change } of CHANGES) {
  Deno.test(`FileCache.lookup() misses and drops the entry when the ${name} changed`, () => {
    const cache = new FileCache();
    cache.store("/a", cached(3), READ_AT);
    assert.equal(cache.lookup("/a", { ...IDENTITY, ...change }), undefined);
    assert.equal(cache.totalBytes, 0, "the stale version is dropped");
    assert.equal(cache.lookup("/a", IDENTITY), undefined, "and stays dropped");
  });
}

Deno.test("FileCache.lookup() hits a version whose ctime is unknown on both sides", () => {
  const cache = new FileCache();
  cache.store("/a", cached(3, { ctimeMs: NaN }), READ_AT);
  assert.notEqual(cache.lookup("/a", { ...IDENTITY, ctimeMs: NaN }), undefined);
});

const STORES: readonly { name: string; file: CachedFile; kept: boolean }[] = [
  { name: "keeps a settled version", file: cached(3), kept: true },
  {
    name: "keeps a version exactly MTIME_SETTLE_MS old",
    file: cached(3, { mtimeMs: READ_AT - MTIME_SETTLE_MS, ctimeMs: READ_AT - MTIME_SETTLE_MS }),
    kept: true,
  },
  {
    name: "refuses a version modified within MTIME_SETTLE_MS of its read",
    file: cached(3, { mtimeMs: READ_AT - MTIME_SETTLE_MS + 1 }),
    kept: false,
  },
  {
    name: "refuses a version whose mtime is old but whose ctime is recent (mtime set back)",
    file: cached(3, { ctimeMs: READ_AT - 10 }),
    kept: false,
  },
  {
    name: "refuses a version whose mtime is in the future",
    file: cached(3, { mtimeMs: READ_AT + 60_000 }),
    kept: false,
  },
  { name: "refuses a version without an mtime", file: cached(3, { mtimeMs: NaN }), kept: false },
  { name: "refuses a version without an inode", file: cached(3, { ino: null }), kept: false },
  {
    name: "keeps a version whose ctime the OS does not report",
    file: cached(3, { ctimeMs: NaN }),
    kept: true,
  },
  {
    name: "keeps a file of exactly maxFileBytes",
    file: cached(DEFAULT_FILE_CACHE_LIMITS.maxFileBytes),
    kept: true,
  },
  {
    name: "refuses a file larger than maxFileBytes",
    file: cached(DEFAULT_FILE_CACHE_LIMITS.maxFileBytes + 1),
    kept: false,
  },
  { name: "keeps an empty file", file: cached(0), kept: true },
];

for (const { name, file, kept } of STORES) {
  Deno.test(`FileCache.store() ${name}`, () => {
    const cache = new FileCache();
    assert.equal(cache.store("/a", file, READ_AT), kept);
    assert.equal(cache.lookup("/a", file.identity) === file, kept);
    assert.equal(cache.totalBytes, kept ? file.bytes.length : 0);
  });
}

Deno.test("FileCache.store() refuses a file larger than the whole cache", () => {
  const cache = new FileCache({ maxFileBytes: 100, maxTotalBytes: 50 });
  assert.equal(cache.store("/a", cached(60), READ_AT), false);
  assert.equal(cache.store("/b", cached(50), READ_AT), true);
  assert.equal(cache.totalBytes, 50);
});

Deno.test("FileCache.store() replaces the version of a path and counts its bytes once", () => {
  const cache = new FileCache();
  cache.store("/a", cached(10), READ_AT);
  const newer = cached(4, { mtimeMs: OLD + 1000 });
  cache.store("/a", newer, READ_AT);
  assert.equal(cache.totalBytes, 4);
  assert.equal(cache.lookup("/a", newer.identity), newer);
});

Deno.test("FileCache.store() evicts the least recently used files beyond maxTotalBytes", () => {
  const cache = new FileCache({ maxFileBytes: 10, maxTotalBytes: 30 });
  const files = ["/a", "/b", "/c", "/d"].map((path, i) => ({
    path,
    file: cached(10, { ino: i }),
  }));
  const [a, b, c, d] = files;
  for (const { path, file } of [a, b, c]) cache.store(path, file, READ_AT);
  // Using /a makes /b the least recently used.
  assert.equal(cache.lookup(a.path, a.file.identity), a.file);
  cache.store(d.path, d.file, READ_AT);

  assert.equal(cache.totalBytes, 30);
  assert.equal(cache.lookup(b.path, b.file.identity), undefined, "/b was evicted");
  for (const { path, file } of [a, c, d]) assert.equal(cache.lookup(path, file.identity), file);
});

Deno.test("FileCache.store() evicts as many old files as a large one needs", () => {
  const cache = new FileCache({ maxFileBytes: 30, maxTotalBytes: 30 });
  for (const path of ["/a", "/b", "/c"]) cache.store(path, cached(10), READ_AT);
  cache.store("/big", cached(25), READ_AT);
  assert.equal(cache.totalBytes, 25);
  for (const path of ["/a", "/b", "/c"]) {
    assert.equal(cache.lookup(path, cached(10).identity), undefined);
  }
});

Deno.test("FileCache.delete() forgets a path and its bytes", () => {
  const cache = new FileCache();
  cache.store("/a", cached(3), READ_AT);
  cache.delete("/a");
  cache.delete("/never-stored");
  assert.equal(cache.totalBytes, 0);
  assert.equal(cache.lookup("/a", IDENTITY), undefined);
});

Deno.test("FileCache() fills unset limits with the defaults", () => {
  assert.deepEqual(new FileCache().limits, DEFAULT_FILE_CACHE_LIMITS);
  assert.deepEqual(new FileCache({ maxFileBytes: 5 }).limits, {
    maxFileBytes: 5,
    maxTotalBytes: DEFAULT_FILE_CACHE_LIMITS.maxTotalBytes,
  });
});

Deno.test("identityOf() takes size, times, inode and device from a stat", async () => {
  const info = await statOfTemporaryFile("hello");
  const identity = identityOf(info);
  assert.equal(identity.size, 5);
  assert.equal(identity.mtimeMs, info.mtime!.getTime());
  assert.equal(identity.ctimeMs, info.ctime?.getTime() ?? NaN);
  assert.equal(identity.ino, info.ino);
  assert.equal(identity.dev, info.dev);
});

Deno.test("identityOf() reads a missing time as unknown, never as a match", async () => {
  const info = { ...await statOfTemporaryFile("x"), mtime: null, ctime: null };
  const identity = identityOf(info);
  assert.ok(Number.isNaN(identity.mtimeMs));
  assert.ok(Number.isNaN(identity.ctimeMs));
  assert.equal(new FileCache().store("/a", { ...cached(1), identity }, READ_AT), false);
});

async function statOfTemporaryFile(content: string): Promise<Deno.FileInfo> {
  const dir = await Deno.makeTempDir({ prefix: "zhttp_cache_" });
  try {
    await Deno.writeTextFile(`${dir}/a.txt`, content);
    return await Deno.stat(`${dir}/a.txt`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}
