/**
 * The `Date` header line every response carries (RFC 9110 §6.6.1), formatted at most once
 * a second: formatting a date per response is measurable at 100k responses a second.
 */
let cachedSecond = -1;
let cachedLine = "";

/** `Date: <IMF-fixdate>\r\n` for the current second. */
export function dateLine(now: number = Date.now()): string {
  const second = Math.floor(now / 1000);
  if (second !== cachedSecond) {
    cachedSecond = second;
    // toUTCString() produces IMF-fixdate, "Sun, 06 Nov 1994 08:49:37 GMT" (RFC 9110 §5.6.7).
    cachedLine = `Date: ${new Date(second * 1000).toUTCString()}\r\n`;
  }
  return cachedLine;
}
