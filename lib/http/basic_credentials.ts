/**
 * HTTP Basic authentication (RFC 7617), the protocol half: reading the credentials out of an
 * `Authorization` field value, and the `WWW-Authenticate` challenge that asks for them.
 * Pure, no I/O; deciding whether the credentials are right is lib/auth's job.
 */
import { decodeBase64Strict } from "./base64.ts";

/** What an `Authorization: Basic …` value holds, or why it holds nothing usable. */
export type BasicCredentials =
  | { ok: true; user: string; password: string }
  | { ok: false; reason: string };

/**
 * The longest `Authorization` value read, in characters. A browser's is the scheme plus the
 * base64 of "user:password", far below this; a longer one is refused before it is decoded,
 * so a client cannot make each attempt cost more than a short one.
 */
export const MAX_CREDENTIALS_CHARS = 4096;

/**
 * Reads `Basic <token68>` (RFC 7617 §2): the scheme in any case (RFC 9110 §11.1), one or
 * more spaces, then strict base64 (RFC 4648 §4; the padding may be left out) of the UTF-8
 * bytes of `user-id ":" password`. The user name is everything before the first colon and
 * may not be empty; neither part may hold a control character (RFC 7617 §2). Both come back
 * in Unicode Normalization Form C, as RFC 7617 §2.1 asks of the charset="UTF-8" exchange, so
 * the same name typed on two systems compares equal.
 */
export function parseBasicCredentials(value: string): BasicCredentials {
  if (value.length > MAX_CREDENTIALS_CHARS) return refuse("too long");
  const field = value.replace(OUTER_WHITESPACE, "");
  const space = field.indexOf(" ");
  const scheme = space < 0 ? field : field.slice(0, space);
  if (scheme.toLowerCase() !== "basic") return refuse("not the Basic scheme");
  const token = space < 0 ? "" : field.slice(space + 1).replace(LEADING_SPACES, "");
  if (token === "") return refuse("no credentials after the scheme");
  const bytes = decodeBase64Strict(token);
  if (bytes === null) return refuse("not base64");
  let text: string;
  try {
    text = UTF8.decode(bytes);
  } catch {
    return refuse("not UTF-8");
  }
  const colon = text.indexOf(":");
  if (colon < 0) return refuse("no colon between user name and password");
  if (colon === 0) return refuse("empty user name");
  if (hasControlCharacter(text)) return refuse("control character");
  return {
    ok: true,
    user: text.slice(0, colon).normalize("NFC"),
    password: text.slice(colon + 1).normalize("NFC"),
  };
}

/**
 * The `WWW-Authenticate` value of a 401 (RFC 7617 §2, §2.1): Basic, the realm, and
 * charset="UTF-8" so that browsers send non-ASCII names and passwords as UTF-8. The realm
 * must already be a valid quoted-string body (see `isValidRealm`).
 */
export function basicChallenge(realm: string): string {
  return `Basic realm="${realm}", charset="UTF-8"`;
}

/**
 * Whether `text` holds a CTL (RFC 5234: %x00-1F, %x7F), which RFC 7617 §2 forbids in user
 * names and passwords: such a user could never log in.
 */
export function hasControlCharacter(text: string): boolean {
  for (let index = 0; index < text.length; index++) {
    const unit = text.charCodeAt(index);
    if (unit < 0x20 || unit === 0x7f) return true;
  }
  return false;
}

/** The longest realm accepted: it is shown in the browser's login prompt. */
export const MAX_REALM_CHARS = 100;

/**
 * Whether `realm` can go inside the challenge's quotes as it is: printable ASCII without `"`
 * or `\` (which would need escaping that not every browser undoes), not empty, not too long.
 */
export function isValidRealm(realm: string): boolean {
  return realm.length > 0 && realm.length <= MAX_REALM_CHARS && REALM.test(realm);
}

const UTF8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** RFC 9110 §5.5: a field value has no leading or trailing whitespace (SP, HTAB). */
const OUTER_WHITESPACE = /^[ \t]+|[ \t]+$/g;
/** RFC 9110 §11.4: 1*SP between the scheme and the token68. */
const LEADING_SPACES = /^ +/;
/** Printable ASCII but `"` and `\`. */
const REALM = /^[\x20\x21\x23-\x5b\x5d-\x7e]+$/;

function refuse(reason: string): BasicCredentials {
  return { ok: false, reason };
}
