/**
 * Conditional requests (RFC 9110 §13): whether to answer in full, 304 Not Modified, or 412
 * Precondition Failed, and whether an If-Range lets a Range through.
 *
 * The caller evaluates preconditions only when the response would otherwise be 2xx
 * (RFC 9110 §13.2.1), that is, once the file was found.
 */
import { parseHttpDate } from "./date.ts";
import { type EntityTag, parseEntityTag, parseEtagList, strongMatch, weakMatch } from "./etag.ts";

/** The four precondition fields of a request, `null` when absent. */
export interface ConditionalHeaders {
  ifMatch: string | null;
  ifNoneMatch: string | null;
  ifModifiedSince: string | null;
  ifUnmodifiedSince: string | null;
}

/** The selected representation's validators: its ETag and its Last-Modified instant. */
export interface Validators {
  etag: string;
  lastModifiedMs: number;
}

/**
 * Evaluates the preconditions in the order of RFC 9110 §13.2.2 and returns "proceed", 304
 * (only for GET and HEAD) or 412.
 *
 * A malformed If-Match or If-None-Match is still present: it matches no entity-tag, so
 * If-Match fails (412, the safe answer for a guarded request) and If-None-Match lets the
 * request proceed, and in both cases the date field it overrides stays ignored. A date that
 * does not parse makes its field ignored (§13.1.3, §13.1.4). Last-Modified is compared at
 * one-second granularity, because HTTP dates carry no milliseconds.
 */
export function evaluatePreconditions(
  method: string,
  headers: ConditionalHeaders,
  current: Validators,
): "proceed" | 304 | 412 {
  const currentTag = parseEntityTag(current.etag);
  const lastModified = floorToSecond(current.lastModifiedMs);

  // Step 1: If-Match, strong comparison (§13.1.1). Step 2: otherwise If-Unmodified-Since
  // (§13.1.4), which a recipient MUST ignore when If-Match is present.
  if (headers.ifMatch !== null) {
    if (!listMatches(headers.ifMatch, currentTag, strongMatch)) return 412;
  } else if (headers.ifUnmodifiedSince !== null) {
    const since = parseHttpDate(headers.ifUnmodifiedSince);
    if (since !== null && lastModified > since) return 412;
  }

  // Step 3: If-None-Match, weak comparison (§13.1.2). Step 4: otherwise If-Modified-Since
  // (§13.1.3), which only GET and HEAD may carry.
  const safe = method === "GET" || method === "HEAD";
  if (headers.ifNoneMatch !== null) {
    if (listMatches(headers.ifNoneMatch, currentTag, weakMatch)) return safe ? 304 : 412;
  } else if (safe && headers.ifModifiedSince !== null) {
    const since = parseHttpDate(headers.ifModifiedSince);
    if (since !== null && lastModified <= since) return 304;
  }
  return "proceed";
}

/**
 * Evaluates If-Range (RFC 9110 §13.1.5): true when the Range header may be honoured, false
 * when the whole representation must be sent instead. No If-Range: true.
 *
 * An entity-tag is compared strongly, so a weak current ETag never matches (a client MUST NOT
 * send a weak tag here). A date must equal Last-Modified exactly, at one-second granularity.
 * A value that is neither is a condition that cannot hold: false.
 */
export function ifRangeAllows(ifRange: string | null, current: Validators): boolean {
  if (ifRange === null) return true;
  // If-Range = entity-tag / HTTP-date: an entity-tag starts with DQUOTE or W/.
  if (ifRange.startsWith('"') || ifRange.startsWith("W/")) {
    const requested = parseEntityTag(ifRange);
    const currentTag = parseEntityTag(current.etag);
    return requested !== null && currentTag !== null && strongMatch(requested, currentTag);
  }
  const date = parseHttpDate(ifRange);
  return date !== null && date === floorToSecond(current.lastModifiedMs);
}

/** Whether an If-Match / If-None-Match value matches the current tag under `compare`. */
function listMatches(
  value: string,
  current: EntityTag | null,
  compare: (a: EntityTag, b: EntityTag) => boolean,
): boolean {
  const list = parseEtagList(value);
  // "*" matches any current representation (§13.1.1, §13.1.2); the file exists.
  if (list === "*") return true;
  if (list === null || current === null) return false;
  return list.some((tag) => compare(tag, current));
}

function floorToSecond(ms: number): number {
  return Math.floor(ms / 1000) * 1000;
}
