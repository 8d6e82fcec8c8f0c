/**
 * Which responses are worth a content coding: text and the formats that are text in
 * disguise (JavaScript, JSON, XML, SVG), WebAssembly, and fonts that are not compressed
 * already; never images, video, audio, archives, or anything with a Content-Encoding.
 */

/**
 * Smaller bodies are sent as they are: below about 1 KiB a coding saves a few hundred bytes
 * at best, less than one packet, and still costs the encoder's setup on both ends.
 */
export const MIN_COMPRESS_BYTES = 1024;

/** Media types outside text/* that compress well. */
const COMPRESSIBLE_TYPES = new Set([
  "application/javascript",
  "application/ecmascript",
  "application/x-javascript",
  "application/json",
  "application/xml",
  "application/wasm",
  "application/x-sh",
  "application/yaml",
  "application/toml",
  "application/graphql",
  "application/sql",
  "application/x-httpd-php",
  // Fonts without a compression of their own (WOFF and WOFF2 have one).
  "font/ttf",
  "font/otf",
  "font/collection",
  "application/vnd.ms-fontobject",
  "application/x-font-ttf",
  "application/x-font-otf",
]);

/**
 * Whether a Content-Type value (parameters allowed) is worth compressing. Event streams are
 * not: each event must reach the client when it is written, not when a block fills.
 */
export function isCompressible(contentType: string): boolean {
  let known = remembered.get(contentType);
  if (known === undefined) {
    known = compressibleType(contentType);
    if (remembered.size >= MAX_REMEMBERED_TYPES) remembered.clear();
    remembered.set(contentType, known);
  }
  return known;
}

/** Content-Type values remembered: a site serves a few dozen, each on every request. */
const MAX_REMEMBERED_TYPES = 256;
const remembered = new Map<string, boolean>();

function compressibleType(contentType: string): boolean {
  const semicolon = contentType.indexOf(";");
  const type = (semicolon < 0 ? contentType : contentType.slice(0, semicolon)).trim()
    .toLowerCase();
  if (type.startsWith("text/")) return type !== "text/event-stream";
  // Structured syntax suffixes (RFC 6839): image/svg+xml, application/manifest+json...
  if (type.endsWith("+xml") || type.endsWith("+json")) return true;
  return COMPRESSIBLE_TYPES.has(type);
}
