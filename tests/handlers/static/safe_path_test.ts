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
import { type HostileRow, hostileRows, type NameRules } from "../../support/hostile_paths.ts";

/** The flavour and a root to join allowed paths onto, for each OS's naming rules. */
const RULES: readonly { rules: NameRules; flavour: PathFlavour; root: string }[] = [
  { rules: "posix", flavour: posix, root: "/srv/www" },
  { rules: "windows", flavour: win32, root: "C:\\srv\\www" },
];

/** Rows built in code because their inputs are too long to read in a data file. */
const GENERATED_ROWS: readonly HostileRow[] = [
  { path: "/" + "%C3%A9".repeat(128), status: 404, why: "128 × 'é' is 256 UTF-8 bytes" },
  { path: "/" + "%F0%9F%98%80".repeat(64), status: 404, why: "64 emoji are 256 UTF-8 bytes" },
  { path: "/ok/" + "b".repeat(MAX_SEGMENT_BYTES + 1) + "/x", status: 404, why: "long middle" },
];

for (const { rules, flavour, root } of RULES) {
  for (const { path, status, why } of [...hostileRows(rules), ...GENERATED_ROWS]) {
    const verdict = status === "allowed" ? "allows" : `refuses with ${status}`;
    Deno.test(`resolveUrlPath() under ${rules} rules ${verdict} ${JSON.stringify(path)} (${why})`, () => {
      const hidden = resolveUrlPath(path, { showDotfiles: false, flavour });
      const shown = resolveUrlPath(path, { showDotfiles: true, flavour });
      if (status === "allowed") {
        assert.equal(hidden.ok, true, JSON.stringify(hidden));
        if (hidden.ok) assertJoinsInsideRoot(hidden.segments, flavour, root);
        assert.deepEqual(shown, hidden);
        return;
      }
      assert.equal(hidden.ok, false);
      assert.equal(hidden.ok === false && hidden.status, status);
      if (hidden.ok === false && hidden.reason.startsWith("hidden dotfile")) {
        // Showing dotfiles is exactly what lets a hidden one through.
        assert.equal(shown.ok, true);
        if (shown.ok) assertJoinsInsideRoot(shown.segments, flavour, root);
      } else {
        assert.deepEqual(shown, hidden);
      }
    });
  }
}

Deno.test("resolveUrlPath() fixture covers at least 60 paths Windows refuses as hostile", () => {
  assert.ok(hostileRows("windows").filter((row) => row.status === 403).length >= 60);
});

Deno.test("resolveUrlPath() uses the rules of the OS it runs on by default", () => {
  const native = Deno.build.os === "windows" ? win32 : posix;
  for (const row of hostileRows(Deno.build.os === "windows" ? "windows" : "posix")) {
    assert.deepEqual(
      resolveUrlPath(row.path, { showDotfiles: false }),
      resolveUrlPath(row.path, { showDotfiles: false, flavour: native }),
      row.path,
    );
  }
});

const REASONS: readonly { path: string; flavour: PathFlavour; reason: string }[] = [
  { path: "/a/../b", flavour: posix, reason: 'dot segment: ".."' },
  { path: "/a%00.html", flavour: posix, reason: 'control character: "a\\u0000.html"' },
  { path: "/%0d%0ax", flavour: win32, reason: 'control character: "\\r\\nx"' },
  { path: "/a%5cb", flavour: posix, reason: 'backslash: "a\\\\b"' },
  {
    path: "/index.html.",
    flavour: win32,
    reason: 'trailing dot or space (dropped by Windows): "index.html."',
  },
  { path: "/Con.TXT", flavour: win32, reason: 'Windows device name: "Con.TXT"' },
  { path: "/a%3fb", flavour: win32, reason: 'character Windows forbids in names: "a?b"' },
  { path: "/C:/x", flavour: win32, reason: 'colon (Windows drive or stream): "C:"' },
  { path: "/a/.git/HEAD", flavour: posix, reason: 'hidden dotfile: ".git"' },
  { path: "/%zz", flavour: posix, reason: "invalid percent-encoding or UTF-8" },
];

for (const { path, flavour, reason } of REASONS) {
  Deno.test(`resolveUrlPath() logs ${JSON.stringify(path)} as ${reason}`, () => {
    // The reason goes to logs, so the segment in it is escaped: no raw CR or LF gets there.
    const result = resolveUrlPath(path, { showDotfiles: false, flavour });
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
    for (const { flavour, root } of RULES) {
      const result = resolveUrlPath(path, { showDotfiles, flavour });
      assert.deepEqual(result, { ok: true, segments, trailingSlash });
      assertJoinsInsideRoot(segments, flavour, root);
    }
  });
}

/** Ordinary Linux and macOS names, and how they split: served on POSIX, refused on Windows. */
const POSIX_ONLY: readonly { path: string; segments: readonly string[] }[] = [
  { path: "/aux.js", segments: ["aux.js"] },
  { path: "/aux/con.ts", segments: ["aux", "con.ts"] },
  { path: "/Meeting%2010:30.txt", segments: ["Meeting 10:30.txt"] },
  { path: "/logs/2026-01-02T10:30:00.log", segments: ["logs", "2026-01-02T10:30:00.log"] },
  { path: "/What%3F.txt", segments: ["What?.txt"] },
  { path: "/say%20%22hi%22%20%3Cnow%3E%7Cmaybe*.txt", segments: ['say "hi" <now>|maybe*.txt'] },
  { path: "/notes.", segments: ["notes."] },
  { path: "/trailing%20", segments: ["trailing "] },
  { path: "/backup~1.txt", segments: ["backup~1.txt"] },
  { path: "/C:", segments: ["C:"] },
  { path: "/%EF%BC%A3%EF%BC%AF%EF%BC%AE", segments: ["ＣＯＮ"] },
];

for (const { path, segments } of POSIX_ONLY) {
  Deno.test(`resolveUrlPath() allows ${JSON.stringify(path)} under posix rules, not win32`, () => {
    const result = resolveUrlPath(path, { showDotfiles: false, flavour: posix });
    assert.deepEqual(result, { ok: true, segments, trailingSlash: false });
    assertJoinsInsideRoot(segments, posix, "/srv/www");
    assert.equal(resolveUrlPath(path, { showDotfiles: false, flavour: win32 }).ok, false);
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
    fc.property(rawPath, fc.boolean(), fc.constantFrom(...RULES), (path, showDotfiles, rules) => {
      const { flavour, root } = rules;
      const result = resolveUrlPath(path, { showDotfiles, flavour });
      if (!result.ok) return;
      for (const segment of result.segments) {
        if (flavour === win32) assertNoWin32Alias(segment, showDotfiles);
        else assertNoPosixAlias(segment, showDotfiles);
      }
      assertJoinsInsideRoot(result.segments, flavour, root);
    }),
    { numRuns: 5000 },
  );
});

Deno.test("resolveUrlPath() never throws on arbitrary strings", () => {
  fc.assert(
    fc.property(fc.string({ unit: "binary" }), (path) => {
      for (const { flavour } of RULES) {
        const result = resolveUrlPath("/" + path, { showDotfiles: false, flavour });
        assert.ok(result.ok || [400, 403, 404].includes(result.status));
      }
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

for (const segment of ["", ".", "..", "a/b", "a\\b", "a\0b"]) {
  Deno.test(`joinInsideRoot() throws on the unsafe segment ${JSON.stringify(segment)}`, () => {
    assert.throws(() => joinInsideRoot("/srv/www", ["ok", segment], posix), TypeError);
    assert.throws(() => joinInsideRoot("C:\\srv\\www", ["ok", segment], win32), TypeError);
  });
}

for (const segment of ["C:", "file::$DATA"]) {
  Deno.test(`joinInsideRoot() joins ${JSON.stringify(segment)} under posix, throws under win32`, () => {
    assert.equal(joinInsideRoot("/srv/www", ["ok", segment], posix), `/srv/www/ok/${segment}`);
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
 * Joins `segments` onto `root` and checks, with `isInsideRoot` and independently with
 * `path.relative`, that the result stays inside it.
 */
function assertJoinsInsideRoot(
  segments: readonly string[],
  flavour: PathFlavour,
  root: string,
): void {
  const joined = joinInsideRoot(root, segments, flavour);
  const message = `${JSON.stringify(segments)} joined as ${joined}`;
  assert.ok(isInsideRoot(root, joined, flavour), message);
  const relative = flavour.relative(root, joined);
  const escapes = relative === ".." || relative.startsWith(`..${flavour.sep}`);
  assert.ok(!escapes && !flavour.isAbsolute(relative), message);
  assert.equal(relative.split(flavour.sep).filter((name) => name !== "").length, segments.length);
}

/** An oracle written apart from the rules: what could escape or alias on Linux and macOS. */
function assertNoPosixAlias(segment: string, showDotfiles: boolean): void {
  assert.ok(segment !== "." && segment !== "..", `${segment} is a dot segment`);
  assert.doesNotMatch(segment, /[\\/\p{Cc}]/u);
  assert.doesNotMatch(segment.normalize("NFKC"), /^\.\.?$|[\\/]/);
  if (!showDotfiles) assert.ok(!segment.startsWith("."), `${segment} is a dotfile`);
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
