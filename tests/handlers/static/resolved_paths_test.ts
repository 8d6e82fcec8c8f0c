/** ResolvedPaths: remembered answers are exactly the pure functions' answers, and bounded. */
import assert from "node:assert/strict";
import { posix, win32 } from "node:path";
import {
  MAX_REMEMBERED_PATH_LENGTH,
  MAX_REMEMBERED_PATHS,
  ResolvedPaths,
} from "../../../lib/handlers/static/resolved_paths.ts";
import { joinInsideRoot, resolveUrlPath } from "../../../lib/handlers/static/safe_path.ts";
import { HOSTILE_PATHS } from "../../support/hostile_paths.ts";

const PATHS: readonly string[] = [
  ...HOSTILE_PATHS,
  "/",
  "/index.html",
  "/docs/",
  "/a%20b/c.txt",
  "/.well-known/x",
  "/caf%C3%A9.html",
];

for (
  const { flavour, root } of [{ flavour: posix, root: "/srv/www" }, {
    flavour: win32,
    root: "C:\\srv\\www",
  }]
) {
  for (const showDotfiles of [false, true]) {
    Deno.test(`ResolvedPaths answers as resolveUrlPath + joinInsideRoot with its flavour's rules (${flavour === posix ? "posix" : "win32"}, dotfiles ${showDotfiles ? "shown" : "hidden"}), asked twice`, () => {
      const paths = new ResolvedPaths(root, flavour, { showDotfiles });
      for (let round = 0; round < 2; round++) {
        for (const path of PATHS) {
          const expected = resolveUrlPath(path, { showDotfiles, flavour });
          const resolved = paths.resolve(path);
          if (expected.ok) {
            assert.deepEqual(resolved, {
              ...expected,
              fsPath: joinInsideRoot(root, expected.segments, flavour),
            }, path);
          } else {
            assert.deepEqual(resolved, expected, path);
          }
        }
      }
    });
  }
}

Deno.test("ResolvedPaths remembers at most MAX_REMEMBERED_PATHS paths", () => {
  const paths = new ResolvedPaths("/srv/www", posix, { showDotfiles: false });
  for (let i = 0; i < MAX_REMEMBERED_PATHS * 2 + 10; i++) {
    const resolved = paths.resolve(`/file-${i}.txt`);
    assert.ok(resolved.ok && resolved.fsPath === `/srv/www/file-${i}.txt`);
    assert.ok(paths.size <= MAX_REMEMBERED_PATHS);
  }
});

Deno.test("ResolvedPaths resolves long paths without remembering them", () => {
  const paths = new ResolvedPaths("/srv/www", posix, { showDotfiles: false });
  const long = "/abcdefgh".repeat(MAX_REMEMBERED_PATH_LENGTH / 8);
  const resolved = paths.resolve(long);
  assert.ok(resolved.ok && resolved.fsPath === `/srv/www${long}`);
  assert.equal(paths.size, 0);
  paths.resolve("/short");
  assert.equal(paths.size, 1);
});
