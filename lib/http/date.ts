/**
 * HTTP dates (RFC 9110 §5.6.7): IMF-fixdate out, all three historical forms in.
 *
 * Senders MUST generate IMF-fixdate; recipients MUST accept the two obsolete forms too
 * (RFC 850 and ANSI C asctime). A value that fits none of them is not a date at all: the
 * callers then ignore the header it came in (If-Modified-Since §13.1.3, If-Unmodified-Since
 * §13.1.4), so parsing answers `null` instead of throwing.
 */

/** The latest year a 4DIGIT year field can carry (RFC 9110 §5.6.7). */
export const MAX_HTTP_DATE_YEAR = 9999;

/**
 * Formats `date` as IMF-fixdate, "Sun, 06 Nov 1994 08:49:37 GMT" (RFC 9110 §5.6.7).
 * Milliseconds are dropped: HTTP dates have one-second resolution. Throws RangeError for an
 * invalid Date or a year outside 0000–9999, which IMF-fixdate cannot express.
 */
export function formatHttpDate(date: Date | number): string {
  const ms = typeof date === "number" ? date : date.getTime();
  const whole = new Date(Math.floor(ms / 1000) * 1000);
  const year = whole.getUTCFullYear();
  if (Number.isNaN(year) || year < 0 || year > MAX_HTTP_DATE_YEAR) {
    throw new RangeError(`formatHttpDate: ${ms} has no IMF-fixdate form`);
  }
  // ECMAScript fixes toUTCString() to "Www, DD Mmm YYYY HH:mm:ss GMT" with the year padded to
  // four digits, which is exactly IMF-fixdate for years 0000–9999.
  return whole.toUTCString();
}

/**
 * Parses an HTTP-date in any of the three forms of RFC 9110 §5.6.7 and returns milliseconds
 * since the epoch, or `null` when `value` is not a valid date (never NaN).
 *
 * - IMF-fixdate: `Sun, 06 Nov 1994 08:49:37 GMT`
 * - RFC 850:     `Sunday, 06-Nov-94 08:49:37 GMT` (two-digit year, resolved against `now`)
 * - asctime:     `Sun Nov  6 08:49:37 1994`
 *
 * `value` is a field value, so it carries no leading or trailing whitespace (RFC 9110 §5.5).
 * Names are case-sensitive, as the grammar's %s"…" says. The day name is checked for syntax
 * but not against the calendar, like Go's time.Parse: a wrong weekday says nothing about
 * which instant was meant. Impossible dates (31 Apr, 29 Feb 1900) and leap seconds (:60,
 * which epoch time cannot represent) are invalid.
 */
export function parseHttpDate(value: string, now: number = Date.now()): number | null {
  let match = IMF_FIXDATE.exec(value);
  if (match !== null) {
    const [, , day, month, year, hour, minute, second] = match;
    return toEpochMs(Number(year), month, Number(day), hour, minute, second);
  }
  match = RFC850_DATE.exec(value);
  if (match !== null) {
    const [, , day, month, year, hour, minute, second] = match;
    const fullYear = resolveTwoDigitYear(Number(year), now);
    return toEpochMs(fullYear, month, Number(day), hour, minute, second);
  }
  match = ASCTIME_DATE.exec(value);
  if (match !== null) {
    const [, , month, day, hour, minute, second, year] = match;
    return toEpochMs(Number(year), month, Number(day.trimStart()), hour, minute, second);
  }
  return null;
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const MONTH = `(${MONTHS.join("|")})`;
const DAY_NAME = "(Mon|Tue|Wed|Thu|Fri|Sat|Sun)";
const DAY_NAME_LONG = "(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)";
const TIME_OF_DAY = "(\\d\\d):(\\d\\d):(\\d\\d)";

// RFC 9110 §5.6.7: IMF-fixdate = day-name "," SP date1 SP time-of-day SP GMT
const IMF_FIXDATE = new RegExp(`^${DAY_NAME}, (\\d\\d) ${MONTH} (\\d{4}) ${TIME_OF_DAY} GMT$`);
// rfc850-date = day-name-l "," SP date2 SP time-of-day SP GMT; date2 = day "-" month "-" 2DIGIT
const RFC850_DATE = new RegExp(`^${DAY_NAME_LONG}, (\\d\\d)-${MONTH}-(\\d\\d) ${TIME_OF_DAY} GMT$`);
// asctime-date = day-name SP date3 SP time-of-day SP year; date3 = month SP (2DIGIT / (SP DIGIT))
const ASCTIME_DATE = new RegExp(`^${DAY_NAME} ${MONTH} (\\d\\d| \\d) ${TIME_OF_DAY} (\\d{4})$`);

/** Builds the instant, or `null` when a field is out of range for the calendar or clock. */
function toEpochMs(
  year: number,
  monthName: string,
  day: number,
  hourText: string,
  minuteText: string,
  secondText: string,
): number | null {
  const month = MONTHS.indexOf(monthName);
  const hour = Number(hourText);
  const minute = Number(minuteText);
  const second = Number(secondText);
  if (day < 1 || day > daysInMonth(year, month)) return null;
  if (hour > 23 || minute > 59 || second > 59) return null;
  // setUTCFullYear, unlike Date.UTC, does not read years 0–99 as 1900–1999.
  const date = new Date(0);
  date.setUTCFullYear(year, month, day);
  date.setUTCHours(hour, minute, second, 0);
  return date.getTime();
}

function daysInMonth(year: number, month: number): number {
  if (month === 1) return isLeapYear(year) ? 29 : 28;
  return month === 3 || month === 5 || month === 8 || month === 10 ? 30 : 31;
}

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/**
 * RFC 9110 §5.6.7: a two-digit year that appears to be more than 50 years in the future means
 * the most recent past year with the same last two digits. So the year lands in the window
 * [current - 49, current + 50], judged by calendar year.
 */
function resolveTwoDigitYear(twoDigits: number, now: number): number {
  const currentYear = new Date(now).getUTCFullYear();
  const year = currentYear - (currentYear % 100) + twoDigits;
  if (year > currentYear + 50) return year - 100;
  if (year < currentYear - 49) return year + 100;
  return year;
}
