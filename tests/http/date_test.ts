import assert from "node:assert/strict";
import fc from "fast-check";
import { formatHttpDate, MAX_HTTP_DATE_YEAR, parseHttpDate } from "../../lib/http/date.ts";

/** RFC 9110 §5.6.7's own example instant: Sun, 06 Nov 1994 08:49:37 GMT. */
const RFC_EXAMPLE = 784111777000;

const PARSE_CASES: { name: string; value: string; expected: number | null }[] = [
  { name: "reads IMF-fixdate", value: "Sun, 06 Nov 1994 08:49:37 GMT", expected: RFC_EXAMPLE },
  {
    name: "reads the obsolete RFC 850 form",
    value: "Sunday, 06-Nov-94 08:49:37 GMT",
    expected: RFC_EXAMPLE,
  },
  {
    name: "reads asctime with a space-padded day",
    value: "Sun Nov  6 08:49:37 1994",
    expected: RFC_EXAMPLE,
  },
  {
    name: "reads asctime with a two-digit day",
    value: "Sun Nov 06 08:49:37 1994",
    expected: RFC_EXAMPLE,
  },
  {
    name: "accepts a day name that disagrees with the calendar",
    value: "Mon, 06 Nov 1994 08:49:37 GMT",
    expected: RFC_EXAMPLE,
  },
  {
    name: "reads 29 February of a leap year",
    value: "Thu, 29 Feb 2024 00:00:00 GMT",
    expected: 1709164800000,
  },
  {
    name: "reads 29 February 2000 (divisible by 400)",
    value: "Tue, 29 Feb 2000 12:00:00 GMT",
    expected: 951825600000,
  },
  {
    name: "reads a year below 100 as written, not as 19xx",
    value: "Sat, 01 Jan 0050 00:00:00 GMT",
    expected: -60589296000000,
  },
  { name: "rejects an unknown day name", value: "Sux, 06 Nov 1994 08:49:37 GMT", expected: null },
  {
    name: "rejects a long day name in IMF-fixdate",
    value: "Sunday, 06 Nov 1994 08:49:37 GMT",
    expected: null,
  },
  {
    name: "rejects a short day name in RFC 850",
    value: "Sun, 06-Nov-94 08:49:37 GMT",
    expected: null,
  },
  { name: "rejects an unknown month name", value: "Sun, 06 Nob 1994 08:49:37 GMT", expected: null },
  {
    name: "rejects a lower-case month name",
    value: "Sun, 06 nov 1994 08:49:37 GMT",
    expected: null,
  },
  { name: "rejects a lower-case zone", value: "Sun, 06 Nov 1994 08:49:37 gmt", expected: null },
  { name: "rejects a leap second", value: "Sat, 31 Dec 2016 23:59:60 GMT", expected: null },
  {
    name: "rejects 29 February of a common year",
    value: "Thu, 29 Feb 2001 00:00:00 GMT",
    expected: null,
  },
  {
    name: "rejects 29 February 1900 (century)",
    value: "Thu, 29 Feb 1900 00:00:00 GMT",
    expected: null,
  },
  { name: "rejects 31 April", value: "Thu, 31 Apr 2025 00:00:00 GMT", expected: null },
  { name: "rejects day 00", value: "Sun, 00 Nov 1994 08:49:37 GMT", expected: null },
  { name: "rejects hour 24", value: "Sun, 06 Nov 1994 24:00:00 GMT", expected: null },
  { name: "rejects minute 60", value: "Sun, 06 Nov 1994 08:60:37 GMT", expected: null },
  { name: "rejects a zone other than GMT", value: "Sun, 06 Nov 1994 08:49:37 UTC", expected: null },
  { name: "rejects a numeric zone", value: "Sun, 06 Nov 1994 08:49:37 +0000", expected: null },
  {
    name: "rejects a one-digit day in IMF-fixdate",
    value: "Sun, 6 Nov 1994 08:49:37 GMT",
    expected: null,
  },
  {
    name: "rejects a two-digit year in IMF-fixdate",
    value: "Sun, 06 Nov 94 08:49:37 GMT",
    expected: null,
  },
  { name: "rejects asctime with a zone", value: "Sun Nov  6 08:49:37 1994 GMT", expected: null },
  { name: "rejects ISO 8601", value: "1994-11-06T08:49:37Z", expected: null },
  { name: "rejects trailing text", value: "Sun, 06 Nov 1994 08:49:37 GMT; x", expected: null },
  { name: "rejects non-ASCII digits", value: "Sun, ٠٦ Nov 1994 08:49:37 GMT", expected: null },
  { name: "rejects an empty value", value: "", expected: null },
  { name: "rejects a number of seconds", value: "784111777", expected: null },
];

for (const { name, value, expected } of PARSE_CASES) {
  Deno.test(`parseHttpDate() ${name}`, () => {
    assert.equal(parseHttpDate(value), expected);
  });
}

/** Two-digit years in RFC 850 dates, resolved against a fixed "now" (RFC 9110 §5.6.7). */
const TWO_DIGIT_YEAR_CASES: { name: string; now: number; value: string; expected: number }[] = [
  {
    name: "reads 94 as 1994 in 2025",
    now: Date.UTC(2025, 5, 1),
    value: "Sunday, 06-Nov-94 08:49:37 GMT",
    expected: RFC_EXAMPLE,
  },
  {
    name: "reads 00 as 2000 in 2025",
    now: Date.UTC(2025, 5, 1),
    value: "Monday, 06-Nov-00 08:49:37 GMT",
    expected: Date.UTC(2000, 10, 6, 8, 49, 37),
  },
  {
    name: "reads 75 as 2075 in 2025 (exactly 50 years ahead is allowed)",
    now: Date.UTC(2025, 5, 1),
    value: "Wednesday, 06-Nov-75 08:49:37 GMT",
    expected: Date.UTC(2075, 10, 6, 8, 49, 37),
  },
  {
    name: "reads 76 as 1976 in 2025 (more than 50 years ahead)",
    now: Date.UTC(2025, 5, 1),
    value: "Saturday, 06-Nov-76 08:49:37 GMT",
    expected: Date.UTC(1976, 10, 6, 8, 49, 37),
  },
  {
    name: "reads 05 as 2105 in 2090",
    now: Date.UTC(2090, 0, 1),
    value: "Thursday, 01-Jan-05 00:00:00 GMT",
    expected: Date.UTC(2105, 0, 1),
  },
  {
    name: "reads 41 as 2041 in 2090",
    now: Date.UTC(2090, 0, 1),
    value: "Tuesday, 01-Jan-41 00:00:00 GMT",
    expected: Date.UTC(2041, 0, 1),
  },
];

for (const { name, now, value, expected } of TWO_DIGIT_YEAR_CASES) {
  Deno.test(`parseHttpDate() ${name}`, () => {
    assert.equal(parseHttpDate(value, now), expected);
  });
}

const FORMAT_CASES: { name: string; date: Date | number; expected: string }[] = [
  { name: "writes IMF-fixdate", date: RFC_EXAMPLE, expected: "Sun, 06 Nov 1994 08:49:37 GMT" },
  {
    name: "accepts a Date",
    date: new Date(RFC_EXAMPLE),
    expected: "Sun, 06 Nov 1994 08:49:37 GMT",
  },
  {
    name: "drops milliseconds",
    date: RFC_EXAMPLE + 999,
    expected: "Sun, 06 Nov 1994 08:49:37 GMT",
  },
  { name: "writes the epoch", date: 0, expected: "Thu, 01 Jan 1970 00:00:00 GMT" },
  {
    name: "rounds down before the epoch",
    date: -1,
    expected: "Wed, 31 Dec 1969 23:59:59 GMT",
  },
  {
    name: "pads a year below 1000 to four digits",
    date: -60589296000000,
    expected: "Sat, 01 Jan 0050 00:00:00 GMT",
  },
];

for (const { name, date, expected } of FORMAT_CASES) {
  Deno.test(`formatHttpDate() ${name}`, () => {
    assert.equal(formatHttpDate(date), expected);
  });
}

Deno.test("formatHttpDate() throws RangeError for dates IMF-fixdate cannot express", () => {
  const year10000 = Date.UTC(MAX_HTTP_DATE_YEAR + 1, 0, 1);
  for (const date of [new Date(NaN), NaN, year10000, Date.UTC(-1, 0, 1)]) {
    assert.throws(() => formatHttpDate(date), RangeError);
  }
});

Deno.test("parseHttpDate() reads back what formatHttpDate() wrote, to the second", () => {
  const years0To9999 = fc.integer({ min: -62167219200000, max: 253402300799999 });
  fc.assert(fc.property(years0To9999, (ms) => {
    assert.equal(parseHttpDate(formatHttpDate(ms)), Math.floor(ms / 1000) * 1000);
  }));
});
