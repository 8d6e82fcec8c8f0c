/**
 * PEM text (RFC 7468) to labelled DER blocks and back. Parsing is lax as §3 allows: text
 * around the blocks, CRLF line ends and stray whitespace are accepted (what editors and
 * Windows tools leave behind), and so are the RFC 1421 header lines of legacy encrypted
 * keys (`Proc-Type: 4,ENCRYPTED`), which are kept so the caller can say the key is
 * encrypted.
 */

/** One `-----BEGIN LABEL-----` ... `-----END LABEL-----` block. */
export interface PemBlock {
  readonly label: string;
  /** Legacy RFC 1421 header lines (`Proc-Type: 4,ENCRYPTED`), as written. */
  readonly headers: readonly string[];
  /** The decoded contents, or null when the base64 between the lines is broken. */
  readonly der: Uint8Array<ArrayBuffer> | null;
}

/** Base64 lines in PEM are 64 characters (RFC 7468 §2). */
const PEM_LINE_LENGTH = 64;

const BEGIN = /^-----BEGIN ([^-]*)-----$/;

/** Every PEM block in `text`, in order; an empty list when there is none. */
export function parsePem(text: string): PemBlock[] {
  const lines = text.split(/\r?\n|\r/).map((line) => line.trim());
  const blocks: PemBlock[] = [];
  for (let index = 0; index < lines.length; index++) {
    const label = lines[index].match(BEGIN)?.[1];
    if (label === undefined) continue;
    const end = lines.indexOf(`-----END ${label}-----`, index + 1);
    if (end === -1) break;
    const body = lines.slice(index + 1, end);
    const headers = body.filter((line) => line.includes(":"));
    const base64 = body.filter((line) => !line.includes(":")).join("").replace(/\s+/g, "");
    blocks.push({ label, headers, der: decodeBase64(base64) });
    index = end;
  }
  return blocks;
}

/** DER bytes as a PEM block with `label`, ending with a newline. */
export function encodePem(label: string, der: Uint8Array): string {
  const base64 = der.toBase64();
  const lines = [`-----BEGIN ${label}-----`];
  for (let offset = 0; offset < base64.length; offset += PEM_LINE_LENGTH) {
    lines.push(base64.slice(offset, offset + PEM_LINE_LENGTH));
  }
  lines.push(`-----END ${label}-----`, "");
  return lines.join("\n");
}

function decodeBase64(base64: string): Uint8Array<ArrayBuffer> | null {
  if (base64 === "") return null;
  try {
    return Uint8Array.fromBase64(base64);
  } catch {
    return null;
  }
}
