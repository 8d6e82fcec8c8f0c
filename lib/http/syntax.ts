/**
 * The character classes and small scanners of HTTP's grammar that more than one module reads:
 * the core rules of RFC 5234 Appendix B.1 and the common rules of RFC 9110 §5.5 and §5.6.
 *
 * A byte class is a `Uint8Array` of 256 entries, 1 for a member and 0 for the rest: one
 * indexed load per byte, which the head parser's scanning loops depend on.
 */

/** RFC 5234 §B.1: HTAB, horizontal tab. */
export const HTAB = 0x09;
/** RFC 5234 §B.1: SP, space. */
export const SP = 0x20;
// Used by the tables below, so defined before them.
const DQUOTE = 0x22;
const COMMA = 0x2c;
const DOT = 0x2e;
const ZERO = 0x30;
const BACKSLASH = 0x5c;

/** A byte class: a 256-entry table holding 1 for each byte `member` accepts, 0 for the rest. */
export function byteTable(member: (byte: number) => boolean): Uint8Array {
  const table = new Uint8Array(256);
  for (let byte = 0; byte < 256; byte++) table[byte] = member(byte) ? 1 : 0;
  return table;
}

/** RFC 5234 §B.1: ALPHA / DIGIT. */
export function isAlphaNumeric(byte: number): boolean {
  return (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5a) ||
    (byte >= 0x61 && byte <= 0x7a);
}

/** RFC 9110 §5.6.3: OWS = *( SP / HTAB ). */
export function isOws(byte: number): boolean {
  return byte === SP || byte === HTAB;
}

/** RFC 9110 §5.6.2: tchar, the bytes of a token (a method, a field name, a coding). */
export const TCHAR: Uint8Array = byteTable((byte) =>
  isAlphaNumeric(byte) || "!#$%&'*+-.^_`|~".includes(String.fromCharCode(byte))
);

/**
 * RFC 9110 §5.5: the bytes of a field value, field-vchar (VCHAR / obs-text) plus SP and HTAB
 * inside it: every byte but the CTLs and DEL. They are also what a quoted-pair may escape
 * (RFC 9110 §5.6.4).
 */
export const FIELD_VALUE_CHAR: Uint8Array = byteTable((byte) =>
  byte === HTAB || (byte >= SP && byte <= 0x7e) || byte >= 0x80
);

/**
 * RFC 9110 §5.6.4: qdtext = HTAB / SP / %x21 / %x23-5B / %x5D-7E / obs-text, the bytes that
 * stand for themselves inside a quoted-string: a field-value byte but DQUOTE and backslash.
 */
export const QDTEXT: Uint8Array = byteTable((byte) =>
  FIELD_VALUE_CHAR[byte] === 1 && byte !== DQUOTE && byte !== BACKSLASH
);

/**
 * RFC 5234 §B.1: the value of each HEXDIG byte, -1 for any other. RFC 5234 §2.3 makes the
 * letters case-insensitive, so "a"-"f" count as well as "A"-"F".
 */
export const HEX_VALUE: Int8Array = (() => {
  const table = new Int8Array(256).fill(-1);
  for (let digit = 0; digit < 16; digit++) {
    table["0123456789abcdef".charCodeAt(digit)] = digit;
    table["0123456789ABCDEF".charCodeAt(digit)] = digit;
  }
  return table;
})();

/** The index just past the token (RFC 9110 §5.6.2) at `start`; `start` itself if none. */
export function scanToken(text: string, start: number): number {
  let pos = start;
  while (pos < text.length) {
    const code = text.charCodeAt(pos);
    if (code > 0xff || TCHAR[code] !== 1) break;
    pos++;
  }
  return pos;
}

/**
 * RFC 9110 §12.4.2: the qvalue at `start` in thousandths (1000 for q=1, so that weights
 * compare exactly) and the index just past it, or null when there is none. Digits past the
 * third are not read: what follows is the caller's to judge.
 *
 *   qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] )
 */
export function readQvalue(
  text: string,
  start: number,
): { thousandths: number; end: number } | null {
  const first = text.charCodeAt(start);
  if (first !== ZERO && first !== ZERO + 1) return null;
  let thousandths = (first - ZERO) * 1000;
  let pos = start + 1;
  if (text.charCodeAt(pos) === DOT) {
    pos++;
    for (let scale = 100; scale >= 1; scale /= 10) {
      const digit = text.charCodeAt(pos) - ZERO;
      if (!(digit >= 0 && digit <= 9)) break;
      thousandths += digit * scale;
      pos++;
    }
  }
  return thousandths > 1000 ? null : { thousandths, end: pos };
}

/** The index of the first non-OWS character of `text` at or after `start`, or its length. */
export function skipOws(text: string, start: number): number {
  let pos = start;
  while (pos < text.length && isOws(text.charCodeAt(pos))) pos++;
  return pos;
}

/**
 * RFC 9110 §5.6.1: reads `text` from `start` to its end as a comma-separated list, each member
 * read by `member` (which returns it and the index just past it, or null when there is none).
 * OWS may stand around each comma; empty members are skipped and not counted. Anything else
 * between members, a member that does not read, or more than `maxMembers` of them makes the
 * whole list `null`. An empty or all-empty list is an empty array.
 */
export function parseList<T>(
  text: string,
  start: number,
  member: (text: string, start: number) => { value: T; end: number } | null,
  maxMembers = Infinity,
): T[] | null {
  const members: T[] = [];
  let pos = start;
  while (true) {
    pos = skipOws(text, pos);
    if (pos === text.length) return members;
    if (text.charCodeAt(pos) === COMMA) {
      pos++;
      continue;
    }
    const read = member(text, pos);
    if (read === null) return null;
    members.push(read.value);
    if (members.length > maxMembers) return null;
    pos = skipOws(text, read.end);
    if (pos < text.length && text.charCodeAt(pos) !== COMMA) return null;
  }
}
