/**
 * The one place that decides which URL paths may touch the file system.
 *
 * `resolveUrlPath` turns the raw path of a request-target into decoded segments, or refuses
 * it, by the naming rules of the OS zhttp runs on (or of the flavour given):
 *
 * - Everywhere: dot segments, backslashes, code points HFS+ ignores, compatibility forms of
 *   "." ".." "/" "\" (403: they walk out of the root or alias another name); controls
 *   including NUL, and segments longer than any file system allows (404: no file by that
 *   name can be served).
 * - Windows (win32) adds what Win32 path parsing and NTFS make dangerous: `:` (drive
 *   letters, alternate data streams), device names (`con.txt`), trailing dots and spaces,
 *   8.3 short names (403: aliases), and `< > " | ? *`, which no Windows name holds (404).
 * - POSIX (Linux, macOS) names may hold all of those: `aux.js`, `Meeting 10:30.txt`,
 *   `What?.txt`, `notes.`, `backup~1.txt` are ordinary files there, served as every peer
 *   serves them, and none of them can alias another file or leave the root.
 *
 * The backslash stays refused on POSIX although it is an ordinary character there: URL
 * parsers (WHATWG's, and so every browser) and Windows proxies read "\" as "/", so "..\"
 * would mean one thing to them and another to zhttp; a folder served from Linux today may
 * be served from Windows tomorrow, and such names are almost always mistakes of a Windows
 * tool. Controls stay refused on POSIX too (nginx serves them): a name holding a line feed
 * or an escape sequence forges lines in the log and commands on the console it is printed
 * to, and no person types one.
 *
 * `isInsideRoot` is the second line of defence, run by the static handler on the real path
 * after symlinks are resolved.
 */
import path, { type PlatformPath } from "node:path";

/**
 * `node:path`'s `posix` or `win32`: which separator, root and case rules apply.
 *
 * @example Check Windows path rules on Linux
 * ```ts
 * import path from "node:path";
 * import type { PathFlavour } from "@zhttp/zhttp";
 *
 * const windows: PathFlavour = path.win32;
 * ```
 */
export type PathFlavour = PlatformPath;

export interface SafePathOptions {
  /** Serve names starting with "." (`.env`, `.git/`); hidden (404) when false. */
  showDotfiles: boolean;
  /**
   * Whose naming rules apply: `path.win32` for Windows', `path.posix` for Linux and macOS.
   * By default the OS zhttp runs on (node:path's own flavour).
   */
  flavour?: PathFlavour;
}

/** The decision for one URL path. `reason` is for logs and is never sent to the client. */
export type SafePath =
  | { ok: true; segments: readonly string[]; trailingSlash: boolean }
  | { ok: false; status: 400 | 403 | 404; reason: string };

/**
 * The longest path segment, in UTF-8 bytes, that is served; longer ones get 404. ext4, XFS,
 * APFS and NTFS (255 UTF-16 units, never more than 255 UTF-8 bytes) all stop at 255, so a
 * longer segment cannot name a file anywhere and only costs work.
 */
export const MAX_SEGMENT_BYTES = 255;

/**
 * Decides whether a URL path (the raw, still percent-encoded path part of the
 * request-target, before "?") may be served, and splits it into decoded segments.
 * Pure: the same answer for the same flavour. `segments` are safe to join onto the root
 * with that flavour's join (`joinInsideRoot`).
 *
 * Statuses: 400 when the path is not a well-formed origin-form path (bad escape, invalid
 * UTF-8); 403 when a segment could escape the root or alias another name under the rules;
 * 404 when no file by that name can exist or be served (too long, a control, a character
 * Windows forbids, on Windows) and for dotfiles while they are hidden: 404 says no more
 * than that, as nginx does, where 403 would say "it is there, and not for you".
 */
export function resolveUrlPath(rawPath: string, options: SafePathOptions): SafePath {
  // RFC 9112 §3.2.1: an origin-form request-target starts with "/".
  if (rawPath[0] !== "/") return refuse(400, "path does not start with '/'");
  // RFC 3986 §2: a URI is printable ASCII; anything else must arrive percent-encoded.
  if (NOT_URI_CHARACTER.test(rawPath)) return refuse(400, "raw byte outside printable ASCII");

  const decoded = percentDecodeOnce(rawPath);
  if (decoded === undefined) return refuse(400, "invalid percent-encoding or UTF-8");

  // "%2f" has become "/" by now, so an encoded slash separates segments like a literal one
  // and every rule below sees each piece on its own. Empty segments ("//") are dropped, as
  // nginx's merge_slashes does: "/a//b" is "/a/b", and "//server/share" is no UNC path.
  const segments = decoded.split("/").filter((segment) => segment !== "");

  const windows = (options.flavour ?? path) === path.win32;
  let dotfile: string | undefined;
  for (const segment of segments) {
    const rule = segmentRule(segment, windows);
    if (rule !== undefined) {
      return refuse(rule.status, `${rule.reason}: ${JSON.stringify(segment)}`);
    }
    if (dotfile === undefined && segment[0] === ".") dotfile = segment;
  }
  // Hostile segments answer 403 because the request is an attack or a broken client and
  // saying so costs nothing. A hidden dotfile answers 404 because hidden means "not there":
  // 403 would confirm that `.env` or `.git/` exists and is worth attacking another way.
  // The rules run over every segment first, so "/.git/../x" is 403, not 404.
  if (dotfile !== undefined && !options.showDotfiles) {
    return refuse(404, `hidden dotfile: ${JSON.stringify(dotfile)}`);
  }
  return { ok: true, segments, trailingSlash: decoded.endsWith("/") };
}

/**
 * Joins safe segments onto a root with the given path flavour (node:path posix or win32).
 * Throws a TypeError, a bug rather than bad input, if a segment did not come from
 * `resolveUrlPath` with that flavour: one that is empty, a dot segment, or holds a
 * separator, NUL or (win32) a colon could make `join` leave the root.
 */
export function joinInsideRoot(
  root: string,
  segments: readonly string[],
  flavour: PathFlavour,
): string {
  const unjoinable = flavour === path.win32 ? UNJOINABLE_WIN32_SEGMENT : UNJOINABLE_SEGMENT;
  for (const segment of segments) {
    if (unjoinable.test(segment)) {
      throw new TypeError(`joinInsideRoot(): unsafe segment ${JSON.stringify(segment)}`);
    }
  }
  return flavour.join(root, ...segments);
}

/**
 * After symlinks are resolved: is `realPath` the root itself or inside it? Compares by path
 * segments (not string prefix: /srv/www2 is NOT inside /srv/www), with the flavour's
 * separator; case-insensitively for win32 (NTFS default) and case-sensitively for posix.
 * Both paths must be absolute; a relative one is never inside.
 *
 * Caveat for win32: NTFS folds case with its own per-volume upcase table, one UTF-16 unit
 * at a time; `toLowerCase` agrees for ASCII and nearly all letters but not for a few (e.g.
 * "İ" lowercases to two units). Real paths of one volume come back in one spelling, so
 * this only matters for contrived names. On case-insensitive macOS volumes the posix
 * comparison can say "outside" for a differently-cased spelling: a 404, never a leak.
 */
export function isInsideRoot(realRoot: string, realPath: string, flavour: PathFlavour): boolean {
  if (!flavour.isAbsolute(realRoot) || !flavour.isAbsolute(realPath)) return false;
  const ignoreCase = flavour.sep === "\\";
  const root = splitAbsolute(realRoot, flavour, ignoreCase);
  const path = splitAbsolute(realPath, flavour, ignoreCase);
  // The roots ("/", "C:\", "\\server\share\") must match before any name is compared, so
  // C:\srv\www never contains D:\srv\www\a.
  if (root.root !== path.root || path.names.length < root.names.length) return false;
  return root.names.every((name, index) => name === path.names[index]);
}

/** Any character that is not printable ASCII (controls, space, DEL, non-ASCII). */
const NOT_URI_CHARACTER = /[^\x21-\x7e]/;

/** What `joinInsideRoot` must never be handed: "", ".", "..", a separator or NUL. */
const UNJOINABLE_SEGMENT = /^\.{0,2}$|[/\\\0]/;
/** The same for win32, where a colon names a drive or a stream. */
const UNJOINABLE_WIN32_SEGMENT = /^\.{0,2}$|[/\\\0:]/;

/**
 * Controls (`\p{Cc}`: C0 U+0000–U+001F, DEL, C1 U+0080–U+009F): NUL ends names in C APIs
 * and no file system stores it, C0 is forbidden in Windows names, and all of them forge or
 * hide things in logs and on consoles.
 */
const CONTROL = /\p{Cc}/u;

/**
 * `\` separates segments on Windows, so "..\x" would walk out of the root there; it also
 * starts UNC and device paths (`\\server`, `\\?\`, `\\.\`). Refused on POSIX too (see
 * the module comment).
 */
const BACKSLASH = /\\/;

/**
 * On Windows, `:` makes drive letters (`C:`) and NTFS alternate data streams
 * (`file::$DATA`, `file.txt:secret`), which would serve a file's hidden stream or another
 * volume.
 */
const COLON = /:/;

/** `< > " | ? *` are forbidden in Windows names (`?` and `*` are wildcards there). */
const WINDOWS_FORBIDDEN = /[<>"|?*]/;

/**
 * Code points HFS+ ignores when comparing names (zero-width joiners, bidi marks, BOM), so
 * that on macOS "\u200c.git" opens ".git" while not starting with "." (git's CVE-2014-9390).
 * They are also invisible, which makes them a spoofing tool in listings and logs.
 */
const HFS_IGNORABLE = /[\u200c-\u200f\u202a-\u202e\u206a-\u206f\ufeff]/;

/** Win32 path parsing strips trailing dots and spaces: "index.html." is "index.html". */
const TRAILING_DOT_OR_SPACE = /[. ]$/;

/**
 * Windows device names, in any case, with or without an extension ("con.txt", "NUL.tar.gz",
 * "CON .txt"): opening one reaches the device, not a file, in every directory. Windows also
 * counts the superscript digits ¹²³ as digits here; CONIN$ and CONOUT$ open the console.
 */
const DEVICE_NAME =
  /^(?:CON|PRN|AUX|NUL|CONIN\$|CONOUT\$|(?:COM|LPT)[0-9\u00b9\u00b2\u00b3]) *(?:\.|$)/i;

/**
 * 8.3 short names ("PROGRA~1", "GIT~1"): NTFS may give every long name one, so "GIT~1"
 * can open ".git" on Windows while not starting with ".". Real names rarely hold "~" and a
 * digit; those few are refused rather than risk an alias.
 */
const SHORT_NAME_ALIAS = /~[0-9]/;

/** Any non-ASCII character: only such segments can change under NFKC. */
const NON_ASCII = /[\u0080-\uffff]/;

/** A rule a segment breaks: the status it is answered with, and the rule's name for logs. */
interface BrokenRule {
  status: 403 | 404;
  reason: string;
}

/** The first rule `segment` breaks under POSIX or Windows rules, or undefined if none. */
function segmentRule(segment: string, windows: boolean): BrokenRule | undefined {
  // RFC 3986 §5.2.4: "." and ".." are dot segments, which walk out of the root.
  if (segment === "." || segment === "..") return { status: 403, reason: "dot segment" };
  if (utf8ByteLength(segment) > MAX_SEGMENT_BYTES) {
    return { status: 404, reason: "segment too long" };
  }
  if (CONTROL.test(segment)) return { status: 404, reason: "control character" };
  if (BACKSLASH.test(segment)) return { status: 403, reason: "backslash" };
  if (HFS_IGNORABLE.test(segment)) return { status: 403, reason: "ignorable code point" };
  if (windows) {
    if (COLON.test(segment)) return { status: 403, reason: "colon (Windows drive or stream)" };
    if (WINDOWS_FORBIDDEN.test(segment)) {
      return { status: 404, reason: "character Windows forbids in names" };
    }
    if (TRAILING_DOT_OR_SPACE.test(segment)) {
      return { status: 403, reason: "trailing dot or space (dropped by Windows)" };
    }
    if (DEVICE_NAME.test(segment)) return { status: 403, reason: "Windows device name" };
    if (SHORT_NAME_ALIAS.test(segment)) return { status: 403, reason: "8.3 short name" };
  }
  const alias = compatibilityAliasReason(segment, windows);
  return alias === undefined ? undefined : { status: 403, reason: alias };
}

/**
 * Fullwidth and other compatibility forms ("．．" U+FF0E, "‥" U+2025, "＼" U+FF3C, "ＣＯＮ")
 * are different names to every file system zhttp runs on, and Deno opens files through the
 * wide (UTF-16) Win32 API, so they are harmless to zhttp itself. But any layer that applies
 * NFKC or Windows "best-fit" conversion to an ANSI code page (the "WorstFit" bugs) turns
 * them into "..", "\" or "CON". They are never a legitimate name on their own, so they are
 * refused. Lookalikes of characters Windows merely forbids ("：", "？", "＊") are allowed:
 * they are the usual stand-ins in real file names such as "Re：Zero.mkv". Device names
 * being ordinary names on POSIX, so are their compatibility forms there.
 */
function compatibilityAliasReason(segment: string, windows: boolean): string | undefined {
  if (!NON_ASCII.test(segment)) return undefined;
  const folded = segment.normalize("NFKC");
  if (folded === "." || folded === "..") return "compatibility form of a dot segment";
  if (folded.includes("/") || folded.includes("\\")) {
    return "compatibility form of a separator";
  }
  if (windows && DEVICE_NAME.test(folded)) return "compatibility form of a Windows device name";
  return undefined;
}

/**
 * Decodes every "%XX" escape exactly once and reads the bytes as UTF-8, refusing invalid
 * sequences (RFC 3629 §3: overlong forms like "%c0%ae" for ".", surrogates). Decoding twice
 * is never needed to be safe: "%252e" becomes the literal name "%2e", which no file system
 * reads as a dot. `decodeURIComponent` is exactly this for ASCII input, which the caller
 * has ensured.
 */
function percentDecodeOnce(rawPath: string): string | undefined {
  if (!rawPath.includes("%")) return rawPath;
  try {
    return decodeURIComponent(rawPath);
  } catch (error) {
    if (error instanceof URIError) return undefined;
    throw error;
  }
}

/** The UTF-8 length of a well-formed string, without encoding it. */
function utf8ByteLength(text: string): number {
  let bytes = text.length;
  for (let index = 0; index < text.length; index++) {
    const unit = text.charCodeAt(index);
    if (unit < 0x80) continue;
    // U+0080–U+07FF take 2 bytes, the rest of the BMP 3; a surrogate pair (2 units) takes 4.
    bytes += unit < 0x800 || (unit >= 0xd800 && unit <= 0xdfff) ? 1 : 2;
  }
  return bytes;
}

/** The root and the case-folded names below it of an absolute path. */
function splitAbsolute(
  path: string,
  flavour: PathFlavour,
  ignoreCase: boolean,
): { root: string; names: string[] } {
  const normalized = flavour.normalize(ignoreCase ? path.toLowerCase() : path);
  const root = flavour.parse(normalized).root;
  const names = normalized.slice(root.length).split(flavour.sep).filter((name) => name !== "");
  return { root, names };
}

function refuse(status: 400 | 403 | 404, reason: string): SafePath {
  return { ok: false, status, reason };
}
