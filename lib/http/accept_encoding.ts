/**
 * Accept-Encoding (RFC 9110 §12.5.3): which content codings a client can decode, and how
 * much it prefers each, parsed once per distinct header value; and the choice of one
 * representation among those a server can send.
 *
 *   Accept-Encoding = #( codings [ weight ] )
 *   codings         = content-coding / "identity" / "*"
 *   weight          = OWS ";" OWS "q=" qvalue                       (§12.4.2)
 *   qvalue          = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] )
 *
 * A value that does not follow this grammar is treated as if the field were absent: a
 * client that cannot say what it decodes is sent what every client decodes, the identity.
 * Never an error status: a bad Accept-Encoding is no reason to refuse a file.
 */
import { parseList, readQvalue, scanToken, skipOws } from "./syntax.ts";

/** What a client accepts. Quality values are in thousandths: 1000 is q=1, 0 is "not acceptable". */
export interface AcceptEncoding {
  /** The codings named, lowercase ("x-gzip" read as "gzip"), each with its first q. */
  readonly codings: ReadonlyMap<string, number>;
  /** The q of "*" (any coding not named), or -1 when "*" is not named. */
  readonly star: number;
  /** The q of "identity" when named, or -1. */
  readonly identity: number;
}

/** selectCoding(): no candidate is preferred, and the identity is acceptable. */
export const IDENTITY = -1;
/** selectCoding(): no candidate is acceptable, and neither is the identity (406). */
export const NOT_ACCEPTABLE = -2;

/** More members than any real client sends: such a value is treated as absent. */
export const MAX_ACCEPT_ENCODING_MEMBERS = 32;
/** Distinct header values remembered; browsers send a handful, so the table rarely fills. */
export const MAX_REMEMBERED_VALUES = 64;
/** Longer values are parsed every time, so a client cannot fill memory with huge keys. */
export const MAX_REMEMBERED_VALUE_LENGTH = 256;

/**
 * The identity's quality when the field does not name it: acceptable (§12.5.3 "acceptable
 * by default"), but below every coding the client named with any q above 0, so that
 * `gzip;q=0.5` still gets gzip.
 */
const IMPLICIT_IDENTITY = 0.5;

/**
 * Parses an Accept-Encoding value; null when it does not follow the grammar (or names more
 * than MAX_ACCEPT_ENCODING_MEMBERS codings). An empty value is an empty list: the client
 * wants no coding (§12.5.3).
 */
export function parseAcceptEncoding(value: string): AcceptEncoding | null {
  const members = parseList(value, 0, readMember, MAX_ACCEPT_ENCODING_MEMBERS);
  if (members === null) return null;
  const codings = new Map<string, number>();
  let star = -1;
  let identity = -1;
  for (const { name, q } of members) {
    if (name === "*") {
      if (star < 0) star = q;
    } else if (name === "identity") {
      if (identity < 0) identity = q;
    } else if (!codings.has(name)) {
      codings.set(name, q);
    }
  }
  return { codings, star, identity };
}

const remembered = new Map<string, AcceptEncoding | null>();

/**
 * parseAcceptEncoding(), remembered per distinct value: every request of a browser sends
 * the same one. Null for a value that does not parse, as for an absent field.
 */
export function acceptEncodingOf(value: string): AcceptEncoding | null {
  const known = remembered.get(value);
  if (known !== undefined) return known;
  const parsed = parseAcceptEncoding(value);
  if (value.length <= MAX_REMEMBERED_VALUE_LENGTH) {
    if (remembered.size >= MAX_REMEMBERED_VALUES) remembered.clear();
    remembered.set(value, parsed);
  }
  return parsed;
}

/** The quality (0–1000) a client gives `coding` (lowercase): named, else "*", else 0. */
export function codingQuality(accept: AcceptEncoding, coding: string): number {
  const named = accept.codings.get(coding);
  if (named !== undefined) return named;
  return accept.star > 0 ? accept.star : 0;
}

/**
 * Chooses among `candidates` (coding names, in the server's order of preference; a name may
 * appear twice, for two ways of making it): the index of the one with the highest quality,
 * the first of equals; IDENTITY when none is acceptable or the identity is preferred; or
 * NOT_ACCEPTABLE when none is acceptable and the client refused the identity too
 * (`identity;q=0`, or `*;q=0` without naming identity: §12.5.3). A coding wins a tie with the
 * identity. `accept` null (the field absent or unreadable) means the identity.
 */
export function selectCoding(
  accept: AcceptEncoding | null,
  candidates: readonly string[],
): number {
  if (accept === null) return IDENTITY;
  let best = IDENTITY;
  let bestQuality = 0;
  for (let i = 0; i < candidates.length; i++) {
    const quality = codingQuality(accept, candidates[i]);
    if (quality > bestQuality) {
      best = i;
      bestQuality = quality;
    }
  }
  const identity = identityQuality(accept);
  if (best !== IDENTITY && bestQuality >= identity) return best;
  return identity > 0 ? IDENTITY : NOT_ACCEPTABLE;
}

/** The identity's quality: named, else refused by `*;q=0`, else IMPLICIT_IDENTITY. */
function identityQuality(accept: AcceptEncoding): number {
  if (accept.identity >= 0) return accept.identity;
  return accept.star === 0 ? 0 : IMPLICIT_IDENTITY;
}

/** Reads `codings [ weight ]` at `start`: the lowercased name and q in thousandths. */
function readMember(
  text: string,
  start: number,
): { value: { name: string; q: number }; end: number } | null {
  const pos = scanToken(text, start);
  if (pos === start) return null;
  const token = text.slice(start, pos).toLowerCase();
  // "*" is a tchar too; as a whole member it is the wildcard, inside a name it is no coding.
  if (token !== "*" && token.includes("*")) return null;
  // RFC 9110 §8.4.1.3: a recipient SHOULD consider "x-gzip" to be equivalent to "gzip".
  const name = token === "x-gzip" ? "gzip" : token;
  const afterName = skipOws(text, pos);
  if (text.charCodeAt(afterName) !== SEMICOLON) return { value: { name, q: 1000 }, end: pos };
  const weight = readWeight(text, skipOws(text, afterName + 1));
  return weight === null ? null : { value: { name, q: weight.q }, end: weight.end };
}

/** Reads `q=qvalue` (the "q" in either case, RFC 5234 §2.3) at `start`. */
function readWeight(text: string, start: number): { q: number; end: number } | null {
  if ((text.charCodeAt(start) | 0x20) !== LOWER_Q || text.charCodeAt(start + 1) !== EQUALS) {
    return null;
  }
  const weight = readQvalue(text, start + 2);
  return weight === null ? null : { q: weight.thousandths, end: weight.end };
}

const SEMICOLON = 0x3b;
const EQUALS = 0x3d;
const LOWER_Q = 0x71;
