/**
 * Entity tags (RFC 9110 §8.8.3): the static handler's validator, and the lists clients send
 * back in If-Match and If-None-Match.
 *
 *   entity-tag = [ weak ] opaque-tag
 *   weak       = %s"W/"
 *   opaque-tag = DQUOTE *etagc DQUOTE
 *   etagc      = %x21 / %x23-7E / obs-text
 */
import { parseList } from "./syntax.ts";

/** What identifies one version of a file: narrow, so a plain object will do in tests. */
export interface FileVersion {
  size: number;
  mtimeMs: number;
}

/** A parsed entity-tag. `opaque` is the text between the quotes, without them. */
export interface EntityTag {
  weak: boolean;
  opaque: string;
}

/**
 * The ETag of a file version: `"<size hex>-<mtime ms hex>"`, strong, as nginx and Caddy
 * send. It changes whenever the size or the modification time does. It must be strong for
 * If-Range (RFC 9110 §13.1.5), which a weak tag never satisfies: with one, a video that
 * seeks re-downloads the whole file.
 *
 * `weak` is for bytes that are not stable yet: a file modified within the same clock tick
 * as the read can be rewritten without its mtime changing, so the tag would claim
 * byte-identity it cannot vouch for (RFC 9110 §8.8.1). Each encoding of the file gets a tag
 * of its own from codingEtag().
 */
export function fileEtag(file: FileVersion, options: { weak?: boolean } = {}): string {
  const opaque = `${file.size.toString(16)}-${Math.floor(file.mtimeMs).toString(16)}`;
  return formatEntityTag({ weak: options.weak ?? false, opaque });
}

/**
 * The entity-tag of one content coding of the representation tagged `tag` (RFC 9110
 * §8.8.3: each encoding is a representation of its own, with other bytes): the opaque-tag
 * with `-<coding>` appended, weak when `tag` is weak or `weak` is asked (bytes made per
 * request, which the next request may not reproduce exactly). Null when `tag` is not an
 * entity-tag.
 */
export function codingEtag(tag: string, coding: string, weak = false): string | null {
  const parsed = parseEntityTag(tag);
  if (parsed === null) return null;
  return formatEntityTag({ weak: weak || parsed.weak, opaque: `${parsed.opaque}-${coding}` });
}

/** An entity-tag as a field value: `"opaque"`, or `W/"opaque"` when weak. */
export function formatEntityTag(tag: EntityTag): string {
  return tag.weak ? `W/"${tag.opaque}"` : `"${tag.opaque}"`;
}

/**
 * Parses an If-Match / If-None-Match field value: `"*"`, or the list of entity-tags
 * (RFC 9110 §13.1.1, §13.1.2), or `null` when the value is malformed (an unquoted tag, `*`
 * inside a list, a missing comma). Empty list elements are skipped (RFC 9110 §5.6.1), so an
 * empty value is an empty list, which matches nothing.
 */
export function parseEtagList(value: string): "*" | EntityTag[] | null {
  if (value === "*") return "*";
  return parseList(value, 0, readEntityTag);
}

/** Parses a single entity-tag, such as an ETag or an If-Range value; `null` if malformed. */
export function parseEntityTag(value: string): EntityTag | null {
  const end = scanEntityTag(value, 0);
  return end === value.length ? toEntityTag(value, 0, end) : null;
}

/** Strong comparison (RFC 9110 §8.8.3.2): neither tag is weak and the opaque-tags are equal. */
export function strongMatch(a: EntityTag, b: EntityTag): boolean {
  return !a.weak && !b.weak && a.opaque === b.opaque;
}

/** Weak comparison (RFC 9110 §8.8.3.2): the opaque-tags are equal, whatever the W/ flags. */
export function weakMatch(a: EntityTag, b: EntityTag): boolean {
  return a.opaque === b.opaque;
}

const DQUOTE = 0x22;
const SLASH = 0x2f;
const UPPER_W = 0x57;

/** Returns the index just past the entity-tag starting at `start`, or -1 if there is none. */
function scanEntityTag(text: string, start: number): number {
  let pos = start;
  if (text.charCodeAt(pos) === UPPER_W && text.charCodeAt(pos + 1) === SLASH) pos += 2;
  if (text.charCodeAt(pos) !== DQUOTE) return -1;
  pos++;
  while (pos < text.length) {
    const code = text.charCodeAt(pos);
    if (code === DQUOTE) return pos + 1;
    if (!isEtagc(code)) return -1;
    pos++;
  }
  return -1;
}

/** The entity-tag starting at `start` and the index just past it, or null if there is none. */
function readEntityTag(text: string, start: number): { value: EntityTag; end: number } | null {
  const end = scanEntityTag(text, start);
  return end < 0 ? null : { value: toEntityTag(text, start, end), end };
}

function toEntityTag(text: string, start: number, end: number): EntityTag {
  const weak = text.charCodeAt(start) === UPPER_W;
  return { weak, opaque: text.slice(start + (weak ? 3 : 1), end - 1) };
}

/** etagc = %x21 / %x23-7E / obs-text: visible characters and obs-text, no DQUOTE, no space. */
function isEtagc(code: number): boolean {
  return code === 0x21 || (code >= 0x23 && code <= 0x7e) || (code >= 0x80 && code <= 0xff);
}
