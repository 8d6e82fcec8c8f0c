import assert from "node:assert/strict";
import { posix, win32 } from "node:path";
import fc from "fast-check";
import {
  isInsideRoot,
  joinInsideRoot,
  MAX_SEGMENT_BYTES,
  type PathFlavour,
  resolveUrlPath,
} from "../../../lib/handlers/static/safe_path.ts";
import hostilePaths from "../../fixtures/hostile_paths.json" with { type: "json" };

const HIDDEN = { showDotfiles: false };
const SHOWN = { showDotfiles: true };

/** The roots every allowed path is joined onto, one per flavour. */
const ROOTS: readonly { flavour: PathFlavour; name: string; root: string }[] = [
  { flavour: posix, name: "posix", root: "/srv/www" },
  { flavour: win32, name: "win32", root: "C:\\srv\\www" },
];

interface RefusedRow {
  path: string;
  status: number;
  why: string;
}

/** Rows built in code because their inputs are too long to read in a data file. */
const GENERATED_REFUSED: readonly RefusedRow[] = [
  { path: "/" + "%C3%A9".repeat(128), status: 403, why: "128 × 'é' is 256 UTF-8 bytes" },
  { path: "/" + "%F0%9F%98%80".repeat(64), status: 403, why: "64 emoji are 256 UTF-8 bytes" },
  { path: "/ok/" + "b".repeat(MAX_SEGMENT_BYTES + 1) + "/x", status: 403, why: "long middle" },
];

const REFUSED: readonly RefusedRow[] = [...hostilePaths.refused, ...GENERATED_REFUSED];

for (const { path, status, why } of REFUSED) {
  Deno.test(`resolveUrlPath() refuses ${JSON.stringify(path)} with ${status} (${why})`, () => {
    const hidden = resolveUrlPath(path, HIDDEN);
    assert.equal(hidden.ok, false);
    assert.equal(hidden.ok === false && hidden.status, status);
    const shown = resolveUrlPath(path, SHOWN);
    if (status === 404) {
      // Only dotfiles are 404, and showing dotfiles is exactly what lets them through.
      assert.equal(shown.ok, true);
      if (shown.ok) assertJoinsInsideEveryRoot(shown.segments);
    } else {
      assert.deepEqual(shown, hidden);
    }
  });
}

Deno.test("resolveUrlPath() fixture covers at least 60 hostile paths", () => {
  assert.ok(REFUSED.filter((row) => row.status !== 404).length >= 60);
});

const REASONS: readonly { path: string; reason: string }[] = [
  { path: "/a/../b", reason: 'dot segment: ".."' },
  { path: "/a%00.html", reason: 'forbidden character: "a\\u0000.html"' },
  { path: "/%0d%0ax", reason: 'forbidden character: "\\r\\nx"' },
  { path: "/index.html.", reason: 'trailing dot or space: "index.html."' },
  { path: "/Con.TXT", reason: 'Windows device name: "Con.TXT"' },
  { path: "/a/.git/HEAD", reason: 'hidden dotfile: ".git"' },
  { path: "/%zz", reason: "invalid percent-encoding or UTF-8" },
];

for (const { path, reason } of REASONS) {
  Deno.test(`resolveUrlPath() logs ${JSON.stringify(path)} as ${reason}`, () => {
    // The reason goes to logs, so the segment in it is escaped: no raw CR or LF gets there.
    const result = resolveUrlPath(path, HIDDEN);
    assert.equal(result.ok === false && result.reason, reason);
  });
}

const ALLOWED: readonly {
  path: string;
  segments: readonly string[];
  trailingSlash: boolean;
  showDotfiles?: boolean;
}[] = [
  { path: "/", segments: [], trailingSlash: true },
  { path: "/index.html", segments: ["index.html"], trailingSlash: false },
  { path: "/a/b/", segments: ["a", "b"], trailingSlash: true },
  { path: "/a//b", segments: ["a", "b"], trailingSlash: false },
  { path: "///a///", segments: ["a"], trailingSlash: true },
  { path: "//server/share", segments: ["server", "share"], trailingSlash: false },
  { path: "/caf%C3%A9.txt", segments: ["café.txt"], trailingSlash: false },
  { path: "/with%20space.txt", segments: ["with space.txt"], trailingSlash: false },
  { path: "/a+b.txt", segments: ["a+b.txt"], trailingSlash: false },
  { path: "/%252e%252e/secret", segments: ["%2e%2e", "secret"], trailingSlash: false },
  { path: "/a%2fb", segments: ["a", "b"], trailingSlash: false },
  { path: "/a%2F", segments: ["a"], trailingSlash: true },
  { path: "/%25", segments: ["%"], trailingSlash: false },
  { path: "/%23hash.txt", segments: ["#hash.txt"], trailingSlash: false },
  { path: "/a;b=c", segments: ["a;b=c"], trailingSlash: false },
  { path: "/a..b", segments: ["a..b"], trailingSlash: false },
  { path: "/file~", segments: ["file~"], trailingSlash: false },
  { path: "/~user/x", segments: ["~user", "x"], trailingSlash: false },
  { path: "/console.log", segments: ["console.log"], trailingSlash: false },
  { path: "/com10.txt", segments: ["com10.txt"], trailingSlash: false },
  { path: "/auxiliary.txt", segments: ["auxiliary.txt"], trailingSlash: false },
  { path: "/CONIN.txt", segments: ["CONIN.txt"], trailingSlash: false },
  { path: "/Re%EF%BC%9AZero.mkv", segments: ["Re：Zero.mkv"], trailingSlash: false },
  { path: "/%ef%bc%8e%ef%bc%8e.txt", segments: ["．．.txt"], trailingSlash: false },
  { path: "/emoji-%F0%9F%98%80.png", segments: ["emoji-😀.png"], trailingSlash: false },
  {
    path: "/%E6%97%A5%E6%9C%AC%E8%AA%9E/%E3%83%95%E3%82%A1%E3%82%A4%E3%83%AB.txt",
    segments: ["日本語", "ファイル.txt"],
    trailingSlash: false,
  },
  { path: "/" + "a".repeat(255), segments: ["a".repeat(255)], trailingSlash: false },
  {
    path: "/" + "%C3%A9".repeat(127) + "a",
    segments: ["é".repeat(127) + "a"],
    trailingSlash: false,
  },
  {
    path: "/" + "%F0%9F%98%80".repeat(63) + "abc",
    segments: ["😀".repeat(63) + "abc"],
    trailingSlash: false,
  },
  { path: "/.env", segments: [".env"], trailingSlash: false, showDotfiles: true },
  {
    path: "/.well-known/acme-challenge/t",
    segments: [".well-known", "acme-challenge", "t"],
    trailingSlash: false,
    showDotfiles: true,
  },
];

for (const { path, segments, trailingSlash, showDotfiles = false } of ALLOWED) {
  const label = path.length > 40 ? `${path.slice(0, 40)}…` : path;
  const name = `resolveUrlPath() allows ${JSON.stringify(label)} as ${segments.length} segments`;
  Deno.test(name, () => {
    const result = resolveUrlPath(path, { showDotfiles });
    assert.deepEqual(result, { ok: true, segments, trailingSlash });
    assertJoinsInsideEveryRoot(segments);
  });
}

Deno.test("resolveUrlPath() decides arbitrary paths safely under posix and win32 rules", () => {
  // Paths are built from the pieces attacks are made of, so that most runs hit a rule.
  const piece = fc.constantFrom(
    "/",
    "//",
    ".",
    "..",
    "a",
    "b.txt",
    "%2e",
    "%2E",
    "%2f",
    "%5c",
    "\\",
    ":",
    "%3a",
    "%00",
    "%20",
    " ",
    "~1",
    "con",
    "COM%C2%B9",
    "%c0%ae",
    "%ef%bc%8e",
    "%e2%80%8c",
    "%",
    "%25",
    "$DATA",
  );
  const rawPath = fc.array(piece, { maxLength: 12 }).map((pieces) => "/" + pieces.join(""));
  fc.assert(
    fc.property(rawPath, fc.boolean(), (path, showDotfiles) => {
      const result = resolveUrlPath(path, { showDotfiles });
      if (!result.ok) return;
      for (const segment of result.segments) assertNoWin32Alias(segment, showDotfiles);
      assertJoinsInsideEveryRoot(result.segments);
    }),
    { numRuns: 5000 },
  );
});

Deno.test("resolveUrlPath() never throws on arbitrary strings", () => {
  fc.assert(
    fc.property(fc.string({ unit: "binary" }), (path) => {
      const result = resolveUrlPath("/" + path, HIDDEN);
      assert.ok(result.ok || [400, 403, 404].includes(result.status));
    }),
    { numRuns: 2000 },
  );
});

Deno.test("joinInsideRoot() joins segments with the flavour's separator", () => {
  assert.equal(joinInsideRoot("/srv/www", ["a", "b.txt"], posix), "/srv/www/a/b.txt");
  assert.equal(joinInsideRoot("C:\\srv\\www", ["a", "b.txt"], win32), "C:\\srv\\www\\a\\b.txt");
  assert.equal(joinInsideRoot("/srv/www/", [], posix), "/srv/www/");
  assert.equal(joinInsideRoot("C:/srv/www", ["café.txt"], win32), "C:\\srv\\www\\café.txt");
});

for (const segment of ["", ".", "..", "a/b", "a\\b", "C:", "file::$DATA"]) {
  Deno.test(`joinInsideRoot() throws on the unsafe segment ${JSON.stringify(segment)}`, () => {
    assert.throws(() => joinInsideRoot("/srv/www", ["ok", segment], posix), TypeError);
    assert.throws(() => joinInsideRoot("C:\\srv\\www", ["ok", segment], win32), TypeError);
  });
}

const INSIDE_ROOT: readonly {
  flavour: PathFlavour;
  root: string;
  path: string;
  inside: boolean;
}[] = [
  { flavour: posix, root: "/srv/www", path: "/srv/www", inside: true },
  { flavour: posix, root: "/srv/www", path: "/srv/www/", inside: true },
  { flavour: posix, root: "/srv/www/", path: "/srv/www/a", inside: true },
  { flavour: posix, root: "/srv/www", path: "/srv/www/a/b.txt", inside: true },
  { flavour: posix, root: "/srv/www", path: "/srv/www/a/../../www/b", inside: true },
  { flavour: posix, root: "//srv//www", path: "/srv/www/a", inside: true },
  { flavour: posix, root: "/srv/www", path: "/srv/www/a\\..\\..\\x", inside: true },
  { flavour: posix, root: "/srv/www", path: "/srv/www2/x", inside: false },
  { flavour: posix, root: "/srv/www", path: "/srv/www2", inside: false },
  { flavour: posix, root: "/srv/www", path: "/srv/www/../x", inside: false },
  { flavour: posix, root: "/srv/www", path: "/srv", inside: false },
  { flavour: posix, root: "/srv/www", path: "/", inside: false },
  { flavour: posix, root: "/srv/www", path: "/SRV/www/a", inside: false },
  { flavour: posix, root: "/srv/www", path: "srv/www/a", inside: false },
  { flavour: posix, root: "srv/www", path: "srv/www/a", inside: false },
  { flavour: posix, root: "/", path: "/etc/passwd", inside: true },
  { flavour: posix, root: "/", path: "/", inside: true },
  { flavour: win32, root: "C:\\srv\\www", path: "C:\\srv\\www", inside: true },
  { flavour: win32, root: "C:\\srv\\www", path: "c:\\SRV\\www\\a", inside: true },
  { flavour: win32, root: "C:\\srv\\www", path: "C:/srv/www/a", inside: true },
  { flavour: win32, root: "C:\\srv\\www\\", path: "C:\\srv\\www\\a\\b", inside: true },
  { flavour: win32, root: "C:\\srv\\www", path: "D:\\srv\\www\\a", inside: false },
  { flavour: win32, root: "C:\\srv\\www", path: "C:\\srv\\www2\\x", inside: false },
  { flavour: win32, root: "C:\\srv\\www", path: "C:\\srv\\www\\..\\x", inside: false },
  { flavour: win32, root: "C:\\srv\\www", path: "\\srv\\www\\a", inside: false },
  { flavour: win32, root: "C:\\srv\\www", path: "C:srv\\www\\a", inside: false },
  { flavour: win32, root: "C:\\srv\\www", path: "\\\\?\\C:\\srv\\www\\a", inside: false },
  { flavour: win32, root: "C:\\", path: "C:\\Windows\\win.ini", inside: true },
  { flavour: win32, root: "C:\\", path: "D:\\x", inside: false },
  {
    flavour: win32,
    root: "\\\\server\\share\\www",
    path: "\\\\SERVER\\share\\www\\a",
    inside: true,
  },
  {
    flavour: win32,
    root: "\\\\server\\share\\www",
    path: "\\\\server\\other\\www\\a",
    inside: false,
  },
  { flavour: win32, root: "\\\\server\\share", path: "C:\\share\\x", inside: false },
];

for (const { flavour, root, path, inside } of INSIDE_ROOT) {
  const flavourName = flavour === win32 ? "win32" : "posix";
  Deno.test(
    `isInsideRoot() says ${path} is ${inside ? "inside" : "outside"} ${root} (${flavourName})`,
    () => assert.equal(isInsideRoot(root, path, flavour), inside),
  );
}

/**
 * Joins `segments` onto each root and checks, with `isInsideRoot` and independently with
 * `path.relative`, that the result stays inside it.
 */
function assertJoinsInsideEveryRoot(segments: readonly string[]): void {
  for (const { flavour, name, root } of ROOTS) {
    const joined = joinInsideRoot(root, segments, flavour);
    const message = `${name}: ${JSON.stringify(segments)} joined as ${joined}`;
    assert.ok(isInsideRoot(root, joined, flavour), message);
    const relative = flavour.relative(root, joined);
    const escapes = relative === ".." || relative.startsWith(`..${flavour.sep}`);
    assert.ok(!escapes && !flavour.isAbsolute(relative), message);
    assert.equal(relative.split(flavour.sep).filter((name) => name !== "").length, segments.length);
  }
}

/** An oracle written apart from the rules: what Win32 name parsing would do to a segment. */
function assertNoWin32Alias(segment: string, showDotfiles: boolean): void {
  assert.notEqual(segment.replace(/[. ]+$/, ""), "", `${segment} is empty after Win32 stripping`);
  assert.equal(segment.replace(/[. ]+$/, ""), segment, `${segment} changes under Win32`);
  assert.doesNotMatch(segment, /[\\/:\p{Cc}]/u);
  assert.doesNotMatch(segment, /^(con|prn|aux|nul|(com|lpt)[\d¹²³])( *\.|$)/i);
  assert.doesNotMatch(segment, /~\d/);
  assert.doesNotMatch(segment.normalize("NFKC"), /^\.\.?$/);
  if (!showDotfiles) assert.ok(!segment.startsWith("."), `${segment} is a dotfile`);
}
