/**
 * Byte ranges (RFC 9110 §14): what part of a file a Range header asks for, and the framing
 * of a multipart/byteranges answer.
 *
 *   Range       = range-unit "=" range-set         ; §14.1, §14.2
 *   range-set   = 1#range-spec
 *   range-spec  = int-range / suffix-range / other-range
 *   int-range   = first-pos "-" [ last-pos ]
 *   suffix-range = "-" suffix-length
 *
 * Sending the whole file with 200 is always a correct answer to a Range request (a server
 * MAY ignore Range, §14.2), so anything malformed, unknown or abusive falls back to "full".
 */
import { parseList } from "./syntax.ts";

/** More range-specs than this in one request: ignore Range and send the whole file (§14.2). */
export const MAX_RANGES = 16;

/**
 * When the satisfiable ranges add up to more than this many times the file size, the
 * request is overlapping abusively (RFC 9110 §17.15): ignore Range and send the whole file.
 * nginx draws the line at 1x (any total beyond the file size); 2x also lets through clients
 * that re-ask a few overlapping bytes, while still bounding the response to twice the file.
 */
export const MAX_REQUESTED_BYTES_RATIO = 2;

/** A run of bytes, both ends inclusive, as in Content-Range. */
export interface ByteRange {
  start: number;
  end: number;
}

export type RangeDecision =
  // No Range, a malformed or unknown-unit Range, or an abusive one: 200 with everything.
  | { kind: "full" }
  // 416 with Content-Range: bytes */size (see unsatisfiableContentRange).
  | { kind: "unsatisfiable" }
  // 206: one range is a single part, several are multipart/byteranges.
  | { kind: "partial"; ranges: ByteRange[] };

/**
 * Decides how to answer a GET with the given Range header for a file of `size` bytes.
 *
 * - Only the `bytes` unit, compared case-insensitively (§14.1); any other unit → full.
 * - A range-spec whose last-pos is below its first-pos makes the whole header invalid
 *   (§14.1.1) → full. So do signs, spaces inside numbers, and numbers beyond
 *   Number.MAX_SAFE_INTEGER.
 * - last-pos is clamped to size - 1; a suffix longer than the file means the whole file.
 * - Unsatisfiable specs (first-pos ≥ size, suffix `-0`) are dropped; if none is left → 416.
 * - A zero-length file: §14.1.1 calls a non-zero suffix satisfiable there, but zero bytes
 *   have no Content-Range (`bytes 0--1/0` is not a range), so such a request gets the whole,
 *   empty file with 200. Every other spec is unsatisfiable → 416.
 * - Overlapping and adjacent ranges are coalesced (§14.2). The parts keep the order in which
 *   the client asked (§14.6 SHOULD); a coalesced part takes the place of its first member.
 */
export function decideRange(rangeHeader: string | null, size: number): RangeDecision {
  if (rangeHeader === null) return { kind: "full" };
  const specs = parseRangeSet(rangeHeader);
  if (specs === null) return { kind: "full" };

  if (size === 0) {
    const nonEmptySuffix = specs.some((spec) => spec.first === null && spec.last > 0);
    return nonEmptySuffix ? { kind: "full" } : { kind: "unsatisfiable" };
  }

  const ranges: ByteRange[] = [];
  let requestedBytes = 0;
  for (const spec of specs) {
    const range = satisfiablePart(spec, size);
    if (range === null) continue;
    ranges.push(range);
    requestedBytes += range.end - range.start + 1;
  }
  if (ranges.length === 0) return { kind: "unsatisfiable" };
  if (requestedBytes > MAX_REQUESTED_BYTES_RATIO * size) return { kind: "full" };
  return { kind: "partial", ranges: coalesce(ranges) };
}

/** The Content-Range value of a 206 part (RFC 9110 §14.4): `bytes 0-499/1234`. */
export function contentRange(range: ByteRange, size: number): string {
  return `bytes ${range.start}-${range.end}/${size}`;
}

// The Content-Range value of a 416 (RFC 9110 §14.4, §15.5.17): "bytes */1234".
export function unsatisfiableContentRange(size: number): string {
  return `bytes */${size}`;
}

/** One part of a multipart/byteranges body: its head, then the file's bytes in `range`. */
export interface BytePart {
  head: Uint8Array;
  range: ByteRange;
}

/** The framing of a multipart/byteranges body, with its exact Content-Length. */
export interface MultipartFraming {
  /** The response's Content-Type: `multipart/byteranges; boundary=…`. */
  contentType: string;
  parts: BytePart[];
  /** The close delimiter, written after the last part's data. */
  tail: Uint8Array;
  /** Total body length: every head, every range's bytes, and the tail. */
  length: number;
}

/**
 * Frames several ranges as multipart/byteranges (RFC 9110 §14.6). The body is, per part,
 * `\r\n--BOUNDARY\r\nContent-Type: T\r\nContent-Range: bytes a-b/size\r\n\r\n` then the
 * part's data, and finally `\r\n--BOUNDARY--\r\n`. The Content-Type line is left out when
 * `contentType` is empty, as a 200 would have had none.
 *
 * The boundary must be 1–70 characters from [0-9A-Za-z'+_.-] (RFC 2046 §5.1.1, restricted to
 * token characters so it needs no quoting), else RangeError: a bad boundary would corrupt
 * every part silently. It must also not occur in the data, which only a random one ensures.
 */
export function multipartByteranges(
  ranges: ByteRange[],
  size: number,
  contentType: string,
  boundary: string,
): MultipartFraming {
  if (!BOUNDARY.test(boundary)) {
    throw new RangeError(`multipartByteranges: boundary ${JSON.stringify(boundary)} is invalid`);
  }
  const typeLine = contentType === "" ? "" : `Content-Type: ${contentType}\r\n`;
  let length = 0;
  const parts = ranges.map((range): BytePart => {
    const head = ENCODER.encode(
      `\r\n--${boundary}\r\n${typeLine}Content-Range: ${contentRange(range, size)}\r\n\r\n`,
    );
    length += head.length + range.end - range.start + 1;
    return { head, range };
  });
  const tail = ENCODER.encode(`\r\n--${boundary}--\r\n`);
  length += tail.length;
  return { contentType: `multipart/byteranges; boundary=${boundary}`, parts, tail, length };
}

const ENCODER = new TextEncoder();
const BOUNDARY = /^[0-9A-Za-z'+_.-]{1,70}$/;
const HYPHEN = 0x2d;
const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;

/**
 * One byte-range-spec as written. An int-range has `first`, and `last` or null when open;
 * a suffix-range has `first` null and the suffix length in `last`.
 */
type RangeSpec = { first: number; last: number | null } | { first: null; last: number };

/**
 * Parses `bytes=` and its range-set; `null` when the unit is not bytes, the syntax is wrong,
 * a last-pos is below its first-pos, or there are more than MAX_RANGES specs.
 */
function parseRangeSet(header: string): RangeSpec[] | null {
  const equals = header.indexOf("=");
  // RFC 9110 §14.1: range units are compared case-insensitively.
  if (equals < 0 || header.slice(0, equals).toLowerCase() !== "bytes") return null;
  // range-set = 1#range-spec: empty members do not count (RFC 9110 §5.6.1), and at least
  // one spec must remain.
  const specs = parseList(header, equals + 1, parseRangeSpec, MAX_RANGES);
  return specs === null || specs.length === 0 ? null : specs;
}

/** The range-spec starting at `start` and the index just past it; `null` if there is none. */
function parseRangeSpec(text: string, start: number): { value: RangeSpec; end: number } | null {
  if (text.charCodeAt(start) === HYPHEN) {
    const suffix = parseDigits(text, start + 1);
    if (suffix === null) return null;
    return { value: { first: null, last: suffix.value }, end: suffix.end };
  }
  const first = parseDigits(text, start);
  if (first === null || text.charCodeAt(first.end) !== HYPHEN) return null;
  const last = parseDigits(text, first.end + 1);
  if (last === null) return { value: { first: first.value, last: null }, end: first.end + 1 };
  // RFC 9110 §14.1.1: a last-pos below its first-pos makes the range-spec invalid.
  if (last.value < first.value) return null;
  return { value: { first: first.value, last: last.value }, end: last.end };
}

/**
 * Reads 1*DIGIT at `start`; `null` when there is no digit or the value passes
 * Number.MAX_SAFE_INTEGER (RFC 9110 §14.1.1: recipients must not let large numerals overflow).
 */
function parseDigits(text: string, start: number): { value: number; end: number } | null {
  let pos = start;
  let value = 0;
  while (pos < text.length) {
    const code = text.charCodeAt(pos);
    if (code < DIGIT_0 || code > DIGIT_9) break;
    value = value * 10 + (code - DIGIT_0);
    if (value > Number.MAX_SAFE_INTEGER) return null;
    pos++;
  }
  return pos === start ? null : { value, end: pos };
}

/** The bytes a spec selects in a non-empty file, or `null` when it is unsatisfiable (§14.1.1). */
function satisfiablePart(spec: RangeSpec, size: number): ByteRange | null {
  if (spec.first === null) {
    if (spec.last === 0) return null;
    return { start: Math.max(0, size - spec.last), end: size - 1 };
  }
  if (spec.first >= size) return null;
  const end = spec.last === null ? size - 1 : Math.min(spec.last, size - 1);
  return { start: spec.first, end };
}

/**
 * Merges overlapping and adjacent ranges (RFC 9110 §14.2 MAY). Each merged range takes the
 * position of its earliest member in the request, so the order the client asked for is kept
 * (§14.6 SHOULD).
 */
function coalesce(ranges: ByteRange[]): ByteRange[] {
  if (ranges.length === 1) return ranges;
  const byStart = ranges
    .map((range, order) => ({ start: range.start, end: range.end, order }))
    .sort((a, b) => a.start - b.start);
  const merged = [byStart[0]];
  for (const range of byStart.slice(1)) {
    const last = merged[merged.length - 1];
    if (range.start <= last.end + 1) {
      last.end = Math.max(last.end, range.end);
      last.order = Math.min(last.order, range.order);
    } else {
      merged.push(range);
    }
  }
  return merged.sort((a, b) => a.order - b.order).map(({ start, end }) => ({ start, end }));
}
