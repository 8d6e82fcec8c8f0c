/**
 * Which requests need a login: the whole site by default, or what `protect` and `public`
 * path prefixes say (zhttp.json), decided on the same decoded segments the static handler
 * serves by (safe_path.ts, through a ResolvedPaths), never on the raw target. So no spelling
 * reaches a file that the check did not see: percent-encoding, "//" and absolute-form are
 * undone before the check, exactly as before the file is opened; and a path the static
 * handler refuses (dot segments, backslashes, trailing dots, 8.3 names, device names...) is
 * never public.
 *
 * The two lists are matched differently, each in the safe direction:
 * - `public` prefixes match segment by segment exactly. A path is only let through if it
 *   names the public folder in the very spelling given, so a case-insensitive disk cannot
 *   turn "/PUBLIC/../" tricks or a differently-cased sibling into a way in. On Windows and
 *   macOS "/Public/x" then asks for a login where "/public/x" does not: a safe surprise.
 * - `protect` prefixes match without regard to case or Unicode normalisation (NFC, upper
 *   then lower case, which folds more than NTFS, APFS or HFS+ do), so "/ADMIN/x" on Windows
 *   and "/cafe\u0301" on macOS, which open the same folders as "/admin" and "/café", are
 *   protected too. On a case-sensitive disk "/ADMIN" then asks for a login as well.
 * The longest matching prefix decides; a tie goes to `protect`. With no `protect` list the
 * whole site is protected (as if it were ["/"]); with one, paths it does not cover are public.
 *
 * Not covered: a symbolic link inside a public folder that leads into a protected one is
 * followed like any file there. The check is on the URL path; do not link private folders
 * into public ones.
 */

/** What the scope needs of a path decision: ResolvedPaths.resolve() is one. */
export type ResolvePath = (
  rawPath: string,
) => { ok: true; segments: readonly string[] } | { ok: false };

/** The prefixes as configured, each like "/public" or "/docs/drafts". */
export interface ScopeRules {
  /** Prefixes that need a login; absent means the whole site. */
  readonly protect?: readonly string[];
  /** Prefixes that need none, even inside a protected one. */
  readonly public?: readonly string[];
}

/** Decisions remembered before the table starts over (as in resolved_paths.ts). */
export const MAX_REMEMBERED_DECISIONS = 2048;
/** Longer paths are decided every time, so a client cannot fill memory with huge keys. */
export const MAX_REMEMBERED_DECISION_PATH = 256;

/** The prefixes, ready to decide request paths; decisions are remembered like paths are. */
export class AuthScope {
  readonly #protect: readonly (readonly string[])[];
  readonly #public: readonly (readonly string[])[];
  readonly #resolve: ResolvePath;
  readonly #decisions = new Map<string, boolean>();
  /** Every path needs a login, whatever it is: nothing to resolve. */
  readonly #everything: boolean;

  /**
   * The prefixes must have passed `parsePathPrefix` (the config does that); `resolve` decides
   * request paths exactly as the static handler does.
   */
  constructor(rules: ScopeRules, resolve: ResolvePath) {
    const prefixes = (list: readonly string[]) =>
      list.map((prefix) => {
        const segments = parsePathPrefix(prefix, PLAIN_SEGMENTS);
        if (segments === null) throw new RangeError(`not a path prefix: ${prefix}`);
        return segments;
      });
    this.#protect = prefixes(rules.protect ?? ["/"]).map((segments) => segments.map(looseKey));
    this.#public = prefixes(rules.public ?? []);
    this.#resolve = resolve;
    this.#everything = this.#public.length === 0 &&
      this.#protect.some((segments) => segments.length === 0);
  }

  /** Whether a request for this raw (still percent-encoded) path must log in. */
  requiresLogin(rawPath: string): boolean {
    if (this.#everything) return true;
    const remembered = this.#decisions.get(rawPath);
    if (remembered !== undefined) return remembered;
    const decision = this.#decide(rawPath);
    if (rawPath.length <= MAX_REMEMBERED_DECISION_PATH) {
      if (this.#decisions.size >= MAX_REMEMBERED_DECISIONS) this.#decisions.clear();
      this.#decisions.set(rawPath, decision);
    }
    return decision;
  }

  #decide(rawPath: string): boolean {
    const resolved = this.#resolve(rawPath);
    // Refused paths are never public: whoever sent one logs in first, then gets its refusal.
    if (!resolved.ok) return true;
    const { segments } = resolved;
    const loose = segments.map(looseKey);
    const protectedLength = longestMatch(this.#protect, loose);
    const publicLength = longestMatch(this.#public, segments);
    if (publicLength > protectedLength) return false;
    return protectedLength >= 0;
  }
}

/**
 * The decoded segments of a configured prefix ("/public", "/docs/drafts/", "/my files"), or
 * null when it is not a plain absolute path: it must start with "/", hold no "." or ".."
 * segment, and `resolve` (the path rules, which percent-decode once) must accept it with
 * each segment percent-encoded, i.e. a request could name it.
 */
export function parsePathPrefix(prefix: string, resolve: ResolvePath): readonly string[] | null {
  if (!prefix.startsWith("/")) return null;
  const raw = prefix.split("/").filter((segment) => segment !== "");
  if (raw.some((segment) => segment === "." || segment === "..")) return null;
  const resolved = resolve(`/${raw.map(encodeURIComponent).join("/")}`);
  return resolved.ok ? resolved.segments : null;
}

/** The segments of an encoded path, decoded, without judging them (prefixes already were). */
const PLAIN_SEGMENTS: ResolvePath = (rawPath) => ({
  ok: true,
  segments: rawPath.split("/").filter((segment) => segment !== "").map(decodeURIComponent),
});

/** How many segments of the longest prefix in `prefixes` `segments` starts with; -1 for none. */
function longestMatch(
  prefixes: readonly (readonly string[])[],
  segments: readonly string[],
): number {
  let longest = -1;
  for (const prefix of prefixes) {
    if (prefix.length <= longest || prefix.length > segments.length) continue;
    if (prefix.every((segment, index) => segment === segments[index])) longest = prefix.length;
  }
  return longest;
}

/** A segment as a case-insensitive, normalisation-insensitive file system might see it. */
function looseKey(segment: string): string {
  return segment.normalize("NFC").toUpperCase().toLowerCase();
}
