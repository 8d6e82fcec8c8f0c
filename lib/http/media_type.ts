/**
 * Content-Type for a file name, from the `mime` package's copy of the IANA / mime-db
 * database (never the OS registry, which differs per machine and has mapped .js to
 * text/plain on Windows). Text types carry `charset=utf-8` so browsers do not guess.
 */
import mime from "mime";
import { extname } from "node:path";

/** Files whose type is unknown are served as opaque bytes (RFC 9110 §8.3). */
export const UNKNOWN_MEDIA_TYPE = "application/octet-stream";

/** The Content-Type value for a file name (only its extension matters). */
export function mediaTypeFor(fileName: string): string {
  // `mime` would also look up a bare "json" or ".json" as if it were the extension.
  const extension = extname(fileName);
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
