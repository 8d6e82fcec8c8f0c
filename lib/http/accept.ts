/**
 * Proactive content negotiation on Accept (RFC 9110 §12.5.1): which of the media types a
 * resource has the client prefers, and whether it names one outright.
 *
 *   Accept       = #( media-range [ weight ] )
 *   media-range  = ( "*\/*" / ( type "/" "*" ) / ( type "/" subtype ) ) parameters
 *   weight       = OWS ";" OWS "q=" qvalue
 *   qvalue       = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] )
 */
import { parseList, QDTEXT, readQvalue, scanToken, skipOws } from "./syntax.ts";

/** One media-range of an Accept field with its weight, names lowercased. */
export interface MediaRange {
  type: string;
  subtype: string;
  /** The q weight, 0 to 1 (1 when absent). */
  q: number;
}

/** More than this many media-ranges is not a browser: the field is ignored. */
export const MAX_MEDIA_RANGES = 64;

/**
 * The one of `available` (bare `type/subtype`, in the server's order of preference) that the
 * Accept field `accept` prefers. Each type takes the weight of the most specific range that
 * matches it (`text/html` over `text/*` over `*\/*`); the highest weight wins, then the type
 * named more specifically (so `application/json, *\/*` picks JSON over an HTML first in
 * `available`), then the server's order. Parameters other than q are not compared.
 *
 * No field, a malformed one, or one that rules every type out (all weights 0) gives the
 * first type: RFC 9110 §12.5.1 lets a server disregard Accept rather than answer 406, and a
 * page a person can read beats an error.
 */
export function negotiateMediaType(accept: string | null, available: readonly string[]): string {
  const ranges = accept === null ? null : parseAccept(accept);
  if (ranges === null || ranges.length === 0) return available[0];
  let best = available[0];
  let bestQ = 0;
  let bestSpecificity = -1;
  for (const candidate of available) {
    const match = bestMatch(ranges, candidate);
    if (match === null || match.q === 0) continue;
    if (match.q > bestQ || (match.q === bestQ && match.specificity > bestSpecificity)) {
      best = candidate;
      bestQ = match.q;
      bestSpecificity = match.specificity;
    }
  }
  return best;
}

/**
 * Whether `accept` lists `mediaType` (lowercase, like "text/html") itself with a weight above
 * 0. Wildcards do not count: a script's `fetch()` sends `*\/*`, and what it asks for is data,
 * while a browser opening a page lists `text/html` by name. A malformed field names nothing.
 */
export function namesMediaType(accept: string | null, mediaType: string): boolean {
  const ranges = accept === null ? null : parseAccept(accept);
  if (ranges === null) return false;
  const slash = mediaType.indexOf("/");
  const type = mediaType.slice(0, slash);
  const subtype = mediaType.slice(slash + 1);
  return ranges.some((range) => range.type === type && range.subtype === subtype && range.q > 0);
}

/** The media-ranges of an Accept value, or null when it is malformed. */
export function parseAccept(value: string): MediaRange[] | null {
  return parseList(value, 0, readMediaRange, MAX_MEDIA_RANGES);
}

/** The weight and specificity (2 exact, 1 `type/*`, 0 `*\/*`) of the best range for `type`. */
function bestMatch(
  ranges: readonly MediaRange[],
  mediaType: string,
): { q: number; specificity: number } | null {
  const slash = mediaType.indexOf("/");
  const type = mediaType.slice(0, slash);
  const subtype = mediaType.slice(slash + 1);
  let found: { q: number; specificity: number } | null = null;
  for (const range of ranges) {
    const specificity = range.type === type && range.subtype === subtype
      ? 2
      : range.type === type && range.subtype === "*"
      ? 1
      : range.type === "*" && range.subtype === "*"
      ? 0
      : -1;
    // The most specific range decides, even when its weight is lower (RFC 9110 §12.5.1).
    if (specificity >= 0 && (found === null || specificity > found.specificity)) {
      found = { q: range.q, specificity };
    }
  }
  return found;
}

/** Reads `type/subtype *( OWS ";" OWS parameter )` at `start`. */
function readMediaRange(text: string, start: number): { value: MediaRange; end: number } | null {
  const typeEnd = scanToken(text, start);
  if (typeEnd === start || text.charCodeAt(typeEnd) !== 0x2f /* "/" */) return null;
  const subtypeEnd = scanToken(text, typeEnd + 1);
  if (subtypeEnd === typeEnd + 1) return null;
  const type = text.slice(start, typeEnd).toLowerCase();
  const subtype = text.slice(typeEnd + 1, subtypeEnd).toLowerCase();
  // "*/html" is no media-range.
  if (type === "*" && subtype !== "*") return null;
  let q = 1;
  let pos = subtypeEnd;
  while (true) {
    const semicolon = skipOws(text, pos);
    if (text.charCodeAt(semicolon) !== 0x3b /* ";" */) break;
    const nameStart = skipOws(text, semicolon + 1);
    const nameEnd = scanToken(text, nameStart);
    if (nameEnd === nameStart || text.charCodeAt(nameEnd) !== 0x3d /* "=" */) return null;
    const valueEnd = scanParameterValue(text, nameEnd + 1);
    if (valueEnd < 0) return null;
    if (text.slice(nameStart, nameEnd).toLowerCase() === "q") {
      const weight = readQvalue(text, nameEnd + 1);
      if (weight === null || weight.end !== valueEnd) return null;
      q = weight.thousandths / 1000;
    }
    pos = valueEnd;
  }
  return { value: { type, subtype, q }, end: pos };
}

/** The index just past a token or quoted-string (RFC 9110 §5.6.4) at `start`, or -1. */
function scanParameterValue(text: string, start: number): number {
  if (text.charCodeAt(start) !== 0x22 /* DQUOTE */) {
    const end = scanToken(text, start);
    return end === start ? -1 : end;
  }
  let pos = start + 1;
  while (pos < text.length) {
    const code = text.charCodeAt(pos);
    if (code === 0x22) return pos + 1;
    if (code === 0x5c /* backslash: quoted-pair */) pos++;
    else if (code > 0xff || QDTEXT[code] !== 1) return -1;
    pos++;
  }
  return -1;
}
