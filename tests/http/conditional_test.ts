import assert from "node:assert/strict";
import {
  type ConditionalHeaders,
  evaluatePreconditions,
  ifRangeAllows,
  type Validators,
} from "../../lib/http/conditional.ts";

/** The file: modified at 22:13:20.123, which its Last-Modified shows as 22:13:20. */
const LAST_MODIFIED_MS = Date.UTC(2023, 10, 14, 22, 13, 20, 123);
const WEAK_CURRENT: Validators = { etag: 'W/"v1"', lastModifiedMs: LAST_MODIFIED_MS };
const STRONG_CURRENT: Validators = { etag: '"v1"', lastModifiedMs: LAST_MODIFIED_MS };

const BEFORE = "Tue, 14 Nov 2023 22:13:19 GMT";
const SAME = "Tue, 14 Nov 2023 22:13:20 GMT";
const SAME_RFC850 = "Tuesday, 14-Nov-23 22:13:20 GMT";
const SAME_ASCTIME = "Tue Nov 14 22:13:20 2023";
const AFTER = "Tue, 14 Nov 2023 22:13:21 GMT";
const NOT_A_DATE = "yesterday";

interface PreconditionCase {
  name: string;
  method?: string;
  headers: Partial<ConditionalHeaders>;
  current?: Validators;
  expected: "proceed" | 304 | 412;
}

const PRECONDITION_CASES: PreconditionCase[] = [
  { name: "proceeds without preconditions", headers: {}, expected: "proceed" },

  // Step 1: If-Match, strong comparison (RFC 9110 §13.1.1).
  {
    name: "passes If-Match * for an existing file",
    headers: { ifMatch: "*" },
    expected: "proceed",
  },
  {
    name: "passes If-Match with the strong current tag",
    headers: { ifMatch: '"v1"' },
    current: STRONG_CURRENT,
    expected: "proceed",
  },
  {
    name: "passes If-Match when any tag of the list matches",
    headers: { ifMatch: '"x", "v1"' },
    current: STRONG_CURRENT,
    expected: "proceed",
  },
  {
    name: "fails If-Match against a weak current tag with 412",
    headers: { ifMatch: '"v1"' },
    expected: 412,
  },
  {
    name: "fails If-Match with a weak tag with 412",
    headers: { ifMatch: 'W/"v1"' },
    current: STRONG_CURRENT,
    expected: 412,
  },
  { name: "fails If-Match with another tag with 412", headers: { ifMatch: '"x"' }, expected: 412 },
  { name: "fails a malformed If-Match with 412", headers: { ifMatch: "v1" }, expected: 412 },
  { name: "fails an empty If-Match with 412", headers: { ifMatch: "" }, expected: 412 },

  // Step 2: If-Unmodified-Since, only without If-Match (RFC 9110 §13.1.4).
  {
    name: "fails If-Unmodified-Since with 412 when modified after it",
    headers: { ifUnmodifiedSince: BEFORE },
    expected: 412,
  },
  {
    name: "passes If-Unmodified-Since at the same second despite milliseconds",
    headers: { ifUnmodifiedSince: SAME },
    expected: "proceed",
  },
  {
    name: "passes If-Unmodified-Since after the modification",
    headers: { ifUnmodifiedSince: AFTER },
    expected: "proceed",
  },
  {
    name: "ignores an If-Unmodified-Since that is not a date",
    headers: { ifUnmodifiedSince: NOT_A_DATE },
    expected: "proceed",
  },
  {
    name: "ignores If-Unmodified-Since when If-Match passes",
    headers: { ifMatch: "*", ifUnmodifiedSince: BEFORE },
    expected: "proceed",
  },
  {
    name: "fails on If-Match even when If-Unmodified-Since would pass",
    headers: { ifMatch: '"x"', ifUnmodifiedSince: AFTER },
    expected: 412,
  },

  // Step 3: If-None-Match, weak comparison (RFC 9110 §13.1.2).
  {
    name: "answers 304 to a matching If-None-Match",
    headers: { ifNoneMatch: 'W/"v1"' },
    expected: 304,
  },
  {
    name: "matches If-None-Match weakly: a strong tag matches a weak current one",
    headers: { ifNoneMatch: '"v1"' },
    expected: 304,
  },
  {
    name: "matches If-None-Match weakly: a weak tag matches a strong current one",
    headers: { ifNoneMatch: 'W/"v1"' },
    current: STRONG_CURRENT,
    expected: 304,
  },
  {
    name: "answers 304 when any tag of an If-None-Match list matches",
    headers: { ifNoneMatch: '"a", W/"v1"' },
    expected: 304,
  },
  {
    name: "skips empty elements in If-None-Match",
    headers: { ifNoneMatch: ' , W/"v1" ,' },
    expected: 304,
  },
  { name: "answers 304 to If-None-Match * on GET", headers: { ifNoneMatch: "*" }, expected: 304 },
  {
    name: "answers 304 to If-None-Match * on HEAD",
    method: "HEAD",
    headers: { ifNoneMatch: "*" },
    expected: 304,
  },
  {
    name: "proceeds when no If-None-Match tag matches",
    headers: { ifNoneMatch: '"other"' },
    expected: "proceed",
  },
  {
    name: "answers 412, not 304, to a matching If-None-Match on POST",
    method: "POST",
    headers: { ifNoneMatch: 'W/"v1"' },
    expected: 412,
  },
  {
    name: "answers 412 to If-None-Match * on POST",
    method: "POST",
    headers: { ifNoneMatch: "*" },
    expected: 412,
  },
  {
    name: "proceeds with a non-matching If-None-Match on PUT",
    method: "PUT",
    headers: { ifNoneMatch: '"other"' },
    expected: "proceed",
  },

  // Step 4: If-Modified-Since, only without If-None-Match, only GET/HEAD (RFC 9110 §13.1.3).
  {
    name: "answers 304 to If-Modified-Since at the same second despite milliseconds",
    headers: { ifModifiedSince: SAME },
    expected: 304,
  },
  {
    name: "answers 304 to If-Modified-Since after the modification",
    headers: { ifModifiedSince: AFTER },
    expected: 304,
  },
  {
    name: "proceeds when modified after If-Modified-Since",
    headers: { ifModifiedSince: BEFORE },
    expected: "proceed",
  },
  {
    name: "reads If-Modified-Since in the RFC 850 form",
    headers: { ifModifiedSince: SAME_RFC850 },
    expected: 304,
  },
  {
    name: "reads If-Modified-Since in the asctime form",
    headers: { ifModifiedSince: SAME_ASCTIME },
    expected: 304,
  },
  {
    name: "answers 304 to If-Modified-Since on HEAD",
    method: "HEAD",
    headers: { ifModifiedSince: SAME },
    expected: 304,
  },
  {
    name: "ignores If-Modified-Since on POST",
    method: "POST",
    headers: { ifModifiedSince: SAME },
    expected: "proceed",
  },
  {
    name: "ignores an If-Modified-Since that is not a date",
    headers: { ifModifiedSince: NOT_A_DATE },
    expected: "proceed",
  },
  {
    name: "ignores an If-Modified-Since with a lower-case zone",
    headers: { ifModifiedSince: "Tue, 14 Nov 2023 22:13:20 gmt" },
    expected: "proceed",
  },
  {
    name: "lets a non-matching If-None-Match win over a passing If-Modified-Since",
    headers: { ifNoneMatch: '"other"', ifModifiedSince: SAME },
    expected: "proceed",
  },
  {
    name: "lets a matching If-None-Match win over a failing If-Modified-Since",
    headers: { ifNoneMatch: 'W/"v1"', ifModifiedSince: BEFORE },
    expected: 304,
  },
  {
    name: "treats a malformed If-None-Match as present: no match, If-Modified-Since ignored",
    headers: { ifNoneMatch: "v1", ifModifiedSince: SAME },
    expected: "proceed",
  },

  // Across the steps: the earlier one decides.
  {
    name: "answers 412 for a failed If-Match before a matching If-None-Match",
    headers: { ifMatch: '"x"', ifNoneMatch: "*" },
    expected: 412,
  },
  {
    name: "answers 304 when If-Match passes and If-None-Match matches",
    headers: { ifMatch: "*", ifNoneMatch: 'W/"v1"' },
    expected: 304,
  },
  {
    name: "answers 412 for a failed If-Unmodified-Since before a matching If-None-Match",
    headers: { ifUnmodifiedSince: BEFORE, ifNoneMatch: 'W/"v1"' },
    expected: 412,
  },
  {
    name: "answers 412 for a failed If-Unmodified-Since before a passing If-Modified-Since",
    headers: { ifUnmodifiedSince: BEFORE, ifModifiedSince: SAME },
    expected: 412,
  },
];

function withDefaults(headers: Partial<ConditionalHeaders>): ConditionalHeaders {
  return {
    ifMatch: headers.ifMatch ?? null,
    ifNoneMatch: headers.ifNoneMatch ?? null,
    ifModifiedSince: headers.ifModifiedSince ?? null,
    ifUnmodifiedSince: headers.ifUnmodifiedSince ?? null,
  };
}

for (const { name, method, headers, current, expected } of PRECONDITION_CASES) {
  Deno.test(`evaluatePreconditions() ${name}`, () => {
    const outcome = evaluatePreconditions(
      method ?? "GET",
      withDefaults(headers),
      current ?? WEAK_CURRENT,
    );
    assert.equal(outcome, expected);
  });
}

const IF_RANGE_CASES: {
  name: string;
  ifRange: string | null;
  current: Validators;
  expected: boolean;
}[] = [
  {
    name: "allows the Range without If-Range",
    ifRange: null,
    current: WEAK_CURRENT,
    expected: true,
  },
  {
    name: "allows the Range for the strong current tag",
    ifRange: '"v1"',
    current: STRONG_CURRENT,
    expected: true,
  },
  {
    name: "refuses the Range for another tag",
    ifRange: '"v2"',
    current: STRONG_CURRENT,
    expected: false,
  },
  {
    name: "refuses the Range when the current tag is weak",
    ifRange: '"v1"',
    current: WEAK_CURRENT,
    expected: false,
  },
  {
    name: "refuses the Range for a weak tag",
    ifRange: 'W/"v1"',
    current: WEAK_CURRENT,
    expected: false,
  },
  {
    name: "refuses the Range for a list of tags",
    ifRange: '"v1", "v2"',
    current: STRONG_CURRENT,
    expected: false,
  },
  {
    name: "refuses the Range for an unterminated tag",
    ifRange: '"v1',
    current: STRONG_CURRENT,
    expected: false,
  },
  {
    name: "allows the Range for the exact Last-Modified date despite milliseconds",
    ifRange: SAME,
    current: WEAK_CURRENT,
    expected: true,
  },
  {
    name: "allows the Range for Last-Modified in the RFC 850 form",
    ifRange: SAME_RFC850,
    current: WEAK_CURRENT,
    expected: true,
  },
  {
    name: "refuses the Range for a date before Last-Modified",
    ifRange: BEFORE,
    current: WEAK_CURRENT,
    expected: false,
  },
  {
    name: "refuses the Range for a date after Last-Modified (exact match only)",
    ifRange: AFTER,
    current: WEAK_CURRENT,
    expected: false,
  },
  {
    name: "refuses the Range for a value that is neither tag nor date",
    ifRange: NOT_A_DATE,
    current: STRONG_CURRENT,
    expected: false,
  },
];

for (const { name, ifRange, current, expected } of IF_RANGE_CASES) {
  Deno.test(`ifRangeAllows() ${name}`, () => {
    assert.equal(ifRangeAllows(ifRange, current), expected);
  });
}
