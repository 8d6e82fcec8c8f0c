/**
 * Which paths need a login, decided on the static handler's own path rules (ResolvedPaths)
 * under POSIX and Windows rules: a table of decisions, then the property that matters, for
 * the hostile path table, spellings made to slip past a prefix check, and random paths:
 * no spelling the check lets through without a login reaches a file outside the public
 * folder, and every spelling that reaches the protected folder needs one.
 */
import assert from "node:assert/strict";
import { type PlatformPath, posix, win32 } from "node:path";
import fc from "fast-check";
import { AuthScope, parsePathPrefix, type ScopeRules } from "../../lib/auth/auth_scope.ts";
import { ResolvedPaths } from "../../lib/handlers/static/resolved_paths.ts";
import { isInsideRoot, resolveUrlPath } from "../../lib/handlers/static/safe_path.ts";
import hostilePaths from "../fixtures/hostile_paths.json" with { type: "json" };

const FLAVOURS: { name: string; flavour: PlatformPath; root: string }[] = [
  { name: "POSIX", flavour: posix, root: "/srv/www" },
  { name: "Windows", flavour: win32, root: "C:\\srv\\www" },
];

/** A scope over the same ResolvedPaths the static handler would build for `root`. */
function scopeFor(
  rules: ScopeRules,
  { flavour, root }: { flavour: PlatformPath; root: string },
  showDotfiles = false,
) {
  const paths = new ResolvedPaths(root, flavour, { showDotfiles });
  return { paths, scope: new AuthScope(rules, (rawPath) => paths.resolve(rawPath)) };
}

const DECISIONS: { rules: ScopeRules; login: string[]; open: string[]; why: string }[] = [
  {
    rules: {},
    login: ["/", "/index.html", "/public/x", "/hello", "/echo", "*", "/%zz", "/a/../b"],
    open: [],
    why: "no rules: the whole site",
  },
  {
    rules: { public: ["/public"] },
    login: ["/", "/x", "/publicity", "/PUBLIC/x", "/Public", "/public/../x", "/x/../public"],
    open: ["/public", "/public/", "/public/a/b.txt", "/%70ublic/x", "//public//x", "/public%2fx"],
    why: "everything but /public",
  },
  {
    rules: { protect: ["/private"] },
    login: ["/private", "/private/", "/private/x", "/PRIVATE/x", "/Private", "/%70rivate/x"],
    open: ["/", "/x", "/privatex", "/pri/vate", "/public/private"],
    why: "/private only, in any case",
  },
  {
    rules: { protect: ["/café"] },
    login: ["/caf%C3%A9/x", "/cafe%CC%81/x", "/CAF%C3%89/x", "/CAFE%CC%81"],
    open: ["/cafe", "/caf"],
    why: "protect ignores Unicode normalisation and case",
  },
  {
    rules: { public: ["/café"] },
    login: ["/cafe%CC%81/x", "/CAF%C3%89/x"],
    open: ["/caf%C3%A9/x"],
    why: "public takes the exact spelling only",
  },
  {
    rules: { protect: ["/docs"], public: ["/docs/help"] },
    login: ["/docs", "/docs/x", "/DOCS/help/x", "/docs/Help/x"],
    open: ["/docs/help", "/docs/help/x", "/", "/x"],
    why: "the longer prefix wins",
  },
  {
    rules: { protect: ["/a"], public: ["/a"] },
    login: ["/a", "/a/x"],
    open: ["/b"],
    why: "a tie goes to protect",
  },
  {
    rules: { public: ["/"], protect: ["/admin"] },
    login: ["/admin", "/admin/x"],
    open: ["/", "/x", "/administrator"],
    why: "all public but /admin",
  },
  {
    rules: { public: ["/public"] },
    login: ["/public/.env", "/public/.git/config"],
    open: ["/public/env"],
    why: "a hidden dotfile is refused by the path rules, so never public",
  },
];

for (const { rules, login, open, why } of DECISIONS) {
  for (const flavour of FLAVOURS) {
    Deno.test(`AuthScope.requiresLogin() ${why} (${flavour.name} rules)`, () => {
      const { scope } = scopeFor(rules, flavour);
      for (let round = 0; round < 2; round++) {
        for (const path of login) assert.equal(scope.requiresLogin(path), true, path);
        for (const path of open) assert.equal(scope.requiresLogin(path), false, path);
      }
    });
  }
}

Deno.test("AuthScope.requiresLogin() lets dotfiles under a public prefix out when they are shown", () => {
  const { scope } = scopeFor({ public: ["/.well-known"] }, FLAVOURS[0], true);
  assert.equal(scope.requiresLogin("/.well-known/acme-challenge/t"), false);
  assert.equal(scope.requiresLogin("/.env"), true);
});

/**
 * Spellings made to reach `<root>/secret.txt` or `<root>/private/` through a prefix check
 * on "/public" or past one on "/private", written as request-targets would hold them.
 */
const TRICKS: readonly string[] = [
  "/public/../secret.txt",
  "/public/%2e%2e/secret.txt",
  "/public/.%2e/secret.txt",
  "/public/..%2fsecret.txt",
  "/public%2f..%2fsecret.txt",
  "/public/..%5csecret.txt",
  "/public/..\\secret.txt",
  "/public\\..\\secret.txt",
  "//public/../secret.txt",
  "/public/./../secret.txt",
  "/public./secret.txt",
  "/public%2e/secret.txt",
  "/public%20/secret.txt",
  "/public::$INDEX_ALLOCATION/../secret.txt",
  "/public:/secret.txt",
  "/PUBLIC~1/secret.txt",
  "/public/%252e%252e/secret.txt",
  "/public/%c0%ae%c0%ae/secret.txt",
  "/public/%ef%bc%8e%ef%bc%8e/secret.txt",
  "/public/%e2%80%a5/secret.txt",
  "/public%00/../secret.txt",
  "/%ef%bd%90ublic/x",
  "/private",
  "/PRIVATE/x",
  "/Private/x",
  "/%50rivate/x",
  "/%70rivate/x",
  "//private//x",
  "/private%2fx",
  "/private./x",
  "/private%20/x",
  "/PRIVAT~1/x",
  "/private::$DATA",
  "/private:x",
  "/x/../private/y",
  "/public/../private/y",
  "/public%2f..%2fprivate/y",
  "/pr%69vate/y",
  "/pri%76ate/y",
  "/privat%C3%A9/y",
];

/** Every hostile row on its own, below /public, and below /private. */
const SPELLINGS: readonly string[] = [
  ...TRICKS,
  ...hostilePaths.refused.flatMap((row) =>
    row.path.startsWith("/") ? [row.path, `/public${row.path}`, `/private${row.path}`] : [row.path]
  ),
];

/**
 * The property, for one path: if the scope lets it through without a login, the file it
 * names is inside <root>/public; if the file it names is inside <root>/private (as the
 * flavour's file system compares names: case-insensitively on Windows), it needs a login.
 */
function assertNoBypass(
  path: string,
  flavour: { flavour: PlatformPath; root: string },
  scopes: { publicOnly: AuthScope; privateOnly: AuthScope; paths: ResolvedPaths },
): void {
  const resolved = scopes.paths.resolve(path);
  const publicDir = flavour.flavour.join(flavour.root, "public");
  const privateDir = flavour.flavour.join(flavour.root, "private");
  if (!scopes.publicOnly.requiresLogin(path)) {
    assert.ok(resolved.ok, `${JSON.stringify(path)} is public but the path rules refuse it`);
    assert.ok(
      isInsideRoot(publicDir, resolved.fsPath, flavour.flavour),
      `${JSON.stringify(path)} is public but opens ${resolved.fsPath}`,
    );
  }
  if (resolved.ok && isInsideRoot(privateDir, resolved.fsPath, flavour.flavour)) {
    assert.ok(
      scopes.privateOnly.requiresLogin(path),
      `${JSON.stringify(path)} opens ${resolved.fsPath} without a login`,
    );
  }
}

/** A scope with only /public open and one with only /private protected, over one root. */
function scopesOver(
  flavour: { flavour: PlatformPath; root: string },
  showDotfiles: boolean,
): { publicOnly: AuthScope; privateOnly: AuthScope; paths: ResolvedPaths } {
  const paths = new ResolvedPaths(flavour.root, flavour.flavour, { showDotfiles });
  const resolve = (rawPath: string) => paths.resolve(rawPath);
  return {
    paths,
    publicOnly: new AuthScope({ public: ["/public"] }, resolve),
    privateOnly: new AuthScope({ protect: ["/private"] }, resolve),
  };
}

for (const flavour of FLAVOURS) {
  for (const showDotfiles of [false, true]) {
    const dotfiles = showDotfiles ? "dotfiles shown" : "dotfiles hidden";
    Deno.test(`AuthScope: no hostile spelling gets past public or protect prefixes (${flavour.name} rules, ${dotfiles})`, () => {
      const scopes = scopesOver(flavour, showDotfiles);
      let publicPaths = 0;
      for (const path of SPELLINGS) {
        assertNoBypass(path, flavour, scopes);
        if (!scopes.publicOnly.requiresLogin(path)) publicPaths++;
      }
      // The table is no empty exercise: some spellings are genuinely public.
      assert.ok(publicPaths > 0);
    });

    Deno.test(`AuthScope: no random spelling gets past public or protect prefixes (${flavour.name} rules, ${dotfiles})`, () => {
      const scopes = scopesOver(flavour, showDotfiles);
      const pieces = fc.constantFrom(
        "public",
        "PUBLIC",
        "Public",
        "%70ublic",
        "private",
        "PRIVATE",
        "%70rivate",
        "Priv%41te",
        "secret.txt",
        "x",
        "..",
        ".",
        "%2e",
        "%2E%2e",
        "/",
        "//",
        "%2f",
        "%2F",
        "\\",
        "%5c",
        "~1",
        ":",
        "%3a",
        "::$DATA",
        " ",
        "%20",
        "%00",
        "%C3%A9",
        "e%CC%81",
        "%ef%bc%8e",
        "%",
        "con",
        ".git",
      );
      fc.assert(
        fc.property(fc.array(pieces, { maxLength: 8 }), (parts) => {
          assertNoBypass(`/${parts.join("")}`, flavour, scopes);
        }),
        { numRuns: 3000 },
      );
    });
  }
}

const PREFIXES: { prefix: string; segments: readonly string[] | null }[] = [
  { prefix: "/", segments: [] },
  { prefix: "/public", segments: ["public"] },
  { prefix: "/public/", segments: ["public"] },
  { prefix: "//docs//drafts/", segments: ["docs", "drafts"] },
  { prefix: "/my files", segments: ["my files"] },
  { prefix: "/café", segments: ["café"] },
  { prefix: "/.well-known", segments: [".well-known"] },
  { prefix: "public", segments: null },
  { prefix: "", segments: null },
  { prefix: "/a/../b", segments: null },
  { prefix: "/./a", segments: null },
  { prefix: "/a\\b", segments: null },
  { prefix: "/a\u0000b", segments: null },
];
/** Names only Windows refuses (a drive, a device): ordinary names elsewhere. */
const WINDOWS_ONLY_PREFIXES: { prefix: string; segments: readonly string[] }[] = [
  { prefix: "/C:", segments: ["C:"] },
  { prefix: "/con", segments: ["con"] },
];

for (const flavour of [posix, win32]) {
  const rules = flavour === win32 ? "Windows" : "POSIX";
  const rows = [
    ...PREFIXES,
    ...WINDOWS_ONLY_PREFIXES.map(({ prefix, segments }) => ({
      prefix,
      segments: flavour === win32 ? null : segments,
    })),
  ];
  for (const { prefix, segments } of rows) {
    const verb = segments === null ? "refuses" : "reads";
    Deno.test(`parsePathPrefix() on ${rules} rules ${verb} ${JSON.stringify(prefix)}`, () => {
      const resolve = (rawPath: string) => resolveUrlPath(rawPath, { showDotfiles: true, flavour });
      assert.deepEqual(parsePathPrefix(prefix, resolve), segments);
    });
  }
}
