/**
 * Content-Type for a file name, from the `mime` package's copy of the IANA / mime-db
 * database (never the OS registry, which differs per machine and has mapped .js to
 * text/plain on Windows), except source and plain-text formats, which are served as
 * text/plain so that a browser shows them (see SOURCE_TEXT_EXTENSIONS). Text types carry
 * `charset=utf-8` so browsers do not guess.
 */
import mime from "mime";
import { extname } from "node:path";

/** Files whose type is unknown are served as opaque bytes (RFC 9110 §8.3). */
export const UNKNOWN_MEDIA_TYPE = "application/octet-stream";

/** How source and plain-text files are served: a browser shows this type in the tab. */
export const SOURCE_TEXT_MEDIA_TYPE = "text/plain; charset=utf-8";

/**
 * Extensions (lowercase, without the dot) served as SOURCE_TEXT_MEDIA_TYPE: source code,
 * configuration and plain-text data, which a developer opens to read. Their registered
 * types make browsers download them or show nothing: `.ts` is video/mp2t (MPEG transport
 * streams, which browsers do not play either) and `.rs` application/rls-services+xml;
 * Chromium downloads text/csv and text/tab-separated-values, Firefox text/markdown; most
 * of the rest are unregistered (application/octet-stream, a download). HTML, CSS,
 * JavaScript, JSON, XML and SVG keep their own types, which pages need to work.
 */
export const SOURCE_TEXT_EXTENSIONS: ReadonlySet<string> = new Set([
  // TypeScript and JSX
  ..."ts tsx mts cts jsx".split(" "),
  // Programming languages
  ..."rs go py pyi rb java kt kts scala swift dart c h cc cpp cxx hpp hh cs fs zig nim".split(" "),
  ..."lua pl pm php r jl hs ml mli ex exs erl hrl clj el sql graphql gql proto vue svelte"
    .split(" "),
  // Shells and build files
  ..."sh bash zsh fish ps1 psm1 bat cmd mk cmake gradle".split(" "),
  // Style sources
  ..."scss sass less styl".split(" "),
  // Configuration
  ..."toml yaml yml ini cfg conf properties lock".split(" "),
  // Documents and data as plain text
  ..."txt log md markdown rst adoc org tex csv tsv diff patch".split(" "),
]);

/** The Content-Type value for a file name (only its extension matters). */
export function mediaTypeFor(fileName: string): string {
  // `mime` would also look up a bare "json" or ".json" as if it were the extension.
  const extension = extname(fileName);
  if (SOURCE_TEXT_EXTENSIONS.has(extension.slice(1).toLowerCase())) return SOURCE_TEXT_MEDIA_TYPE;
  const type = extension === "" ? null : mime.getType(extension);
  if (type === null) return UNKNOWN_MEDIA_TYPE;
  return isText(type) ? `${type}; charset=utf-8` : type;
}

/** Types that are text (so a charset applies): text/*, and JSON, XML and JS in any dress. */
function isText(type: string): boolean {
  return type.startsWith("text/") ||
    type === "application/json" || type.endsWith("+json") ||
    type === "application/xml" || type.endsWith("+xml") ||
    type === "application/javascript";
}
