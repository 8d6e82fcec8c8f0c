/**
 * Encoded header lines for responses, cached. Handlers mostly send the same lines again and
 * again (a Content-Type, a file's cached ETag): encoding and validating them once and then
 * copying the bytes measured cheaper than walking the strings for every response. Lookups
 * key on the strings themselves, whose hashes V8 keeps, so a hit costs two map probes.
 */
import { formatHttpDate } from "./date.ts";
import { encodeLatin1 } from "./latin1.ts";
import { statusText } from "./status.ts";
import { FIELD_VALUE_CHAR, TCHAR } from "./syntax.ts";

/** Distinct field names kept; the cache starts over beyond it (only odd handlers get here). */
const MAX_NAMES = 256;
/** Distinct values kept per name (ETags of many files); that name starts over beyond it. */
const MAX_VALUES_PER_NAME = 512;

const lines = new Map<string, Map<string, Uint8Array>>();

/**
 * `name: value\r\n` as bytes. Throws TypeError for a name that is not a token or a value
 * with a control character: a CR or LF would let a value inject fields (RFC 9110 §5.5).
 */
export function fieldLine(name: string, value: string): Uint8Array {
  let byValue = lines.get(name);
  if (byValue === undefined) {
    assertFieldName(name);
    if (lines.size >= MAX_NAMES) lines.clear();
    byValue = new Map();
    lines.set(name, byValue);
  }
  let line = byValue.get(value);
  if (line === undefined) {
    assertFieldValue(name, value);
    line = encodeLatin1(`${name}: ${value}\r\n`);
    if (byValue.size >= MAX_VALUES_PER_NAME) byValue.clear();
    byValue.set(value, line);
  }
  return line;
}

const statusLines: [Uint8Array[], Uint8Array[]] = [[], []];

/** `HTTP/1.x <status> <reason>\r\n` as bytes. */
export function statusLine(versionMinor: 0 | 1, status: number): Uint8Array {
  const cached = statusLines[versionMinor][status];
  if (cached !== undefined) return cached;
  if (!Number.isInteger(status) || status < 100 || status > 999) {
    throw new RangeError(`invalid status code ${status}`);
  }
  const line = encodeLatin1(`HTTP/1.${versionMinor} ${status} ${statusText(status)}\r\n`);
  statusLines[versionMinor][status] = line;
  return line;
}

/** Content-Length lines of small bodies are cached; larger ones are encoded each time. */
const CACHED_LENGTHS = 64 * 1024;
const contentLengthLines: Uint8Array[] = [];

/** `Content-Length: <length>\r\n` as bytes. */
export function contentLengthLine(length: number): Uint8Array {
  const cached = contentLengthLines[length];
  if (cached !== undefined) return cached;
  const line = encodeLatin1(`Content-Length: ${length}\r\n`);
  if (length < CACHED_LENGTHS) contentLengthLines[length] = line;
  return line;
}

let cachedSecond = -1;
let cachedLines: Uint8Array = new Uint8Array(0);

/**
 * `Server` and `Date` (RFC 9110 §6.6.1), the lines every response starts with, formatted at
 * most once a second.
 */
export function serverAndDateLines(now: number = Date.now()): Uint8Array {
  const second = Math.floor(now / 1000);
  if (second !== cachedSecond) {
    cachedSecond = second;
    cachedLines = encodeLatin1(`Server: zhttp\r\nDate: ${formatHttpDate(second * 1000)}\r\n`);
  }
  return cachedLines;
}

function assertFieldName(name: string): void {
  if (name.length === 0) throw new TypeError("empty header name");
  for (let i = 0; i < name.length; i++) {
    const code = name.charCodeAt(i);
    if (code > 0xff || TCHAR[code] !== 1) {
      throw new TypeError(`invalid header name: ${JSON.stringify(name)}`);
    }
  }
}

/**
 * Field values may hold visible characters, SP, HTAB and obs-text (RFC 9110 §5.5); anything
 * else is a bug in the caller.
 */
function assertFieldValue(name: string, value: string): void {
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code > 0xff || FIELD_VALUE_CHAR[code] !== 1) {
      throw new TypeError(`invalid character in the value of header ${name}`);
    }
  }
}
