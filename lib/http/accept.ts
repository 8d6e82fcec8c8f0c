/**
 * The Accept field (RFC 9110 §12.5.1), as far as zhttp reads it: whether a request names a
 * media type outright.
 */

/** Media ranges read from one Accept value: beyond this, the rest is not looked at. */
const MAX_MEDIA_RANGES = 64;

/**
 * Whether `accept` lists `type` (lowercase, like "text/html") itself with a weight above 0.
 * Wildcards do not count: a script's `fetch()` sends `*\/*`, and what it asks for is data,
 * while a browser opening a page lists `text/html` by name. A malformed member is skipped.
 */
export function namesMediaType(accept: string | null, type: string): boolean {
  if (accept === null) return false;
  const ranges = accept.split(",", MAX_MEDIA_RANGES);
  for (const range of ranges) {
    const [name, ...parameters] = range.split(";");
    if (name.trim().toLowerCase() !== type) continue;
    const weight = parameters.map((parameter) => parameter.trim().toLowerCase())
      .find((parameter) => parameter.startsWith("q="));
    // RFC 9110 §12.4.2: qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ).
    if (weight === undefined || Number(weight.slice(2)) > 0) return true;
  }
  return false;
}
