/**
 * Extra response headers as the user writes them, checked at startup: `--header "Name:
 * value"` (every response) and zhttp.json `headers`, whose keys are either field names
 * (every response) or path globs starting with "/" holding fields of their own:
 *
 *   "headers": {"X-Frame-Options": "DENY",
 *               "/assets/**": {"Cache-Control": "max-age=31536000, immutable"}}
 *
 * A name must be a token and a value printable ASCII (RFC 9110 §5.1, §5.5); fields that
 * frame the message or belong to the connection (RFC 9112 §6, RFC 9110 §7.6.1), and the
 * Date and Server lines zhttp writes itself, are refused: a second Content-Length or a
 * Transfer-Encoding would make a client read the body wrong.
 */
import { TCHAR } from "../http/syntax.ts";
import type { HeaderRule } from "../middleware/response_headers.ts";
import { ConfigError } from "./config.ts";

/** Fields the user may not set, lowercase. */
export const REFUSED_HEADER_FIELDS: ReadonlySet<string> = new Set([
  "content-length",
  "transfer-encoding",
  "connection",
  "keep-alive",
  "proxy-connection",
  "te",
  "trailer",
  "upgrade",
  "date",
  "server",
]);

/** `Name: value` from --header; `where` names the flag in messages. */
export function parseHeaderFlag(text: string, where: string): HeaderRule {
  const colon = text.indexOf(":");
  if (colon < 0) {
    throw new ConfigError(`${where} must look like "Name: value", not "${text}".`);
  }
  return checkedRule(null, text.slice(0, colon).trim(), text.slice(colon + 1), where);
}

/** The `headers` object of zhttp.json; `where` names the key and the file. */
export function parseHeadersSetting(json: unknown, where: string): HeaderRule[] {
  if (!isObject(json)) {
    throw new ConfigError(
      `${where} must be an object of header fields, like {"X-Frame-Options": "DENY"}.`,
    );
  }
  const rules: HeaderRule[] = [];
  for (const [key, value] of Object.entries(json)) {
    if (!key.startsWith("/")) {
      rules.push(checkedRule(null, key, expectText(value, key, where), where));
      continue;
    }
    if (!isObject(value)) {
      throw new ConfigError(
        `"${key}" in ${where} must hold header fields, like {"Cache-Control": "no-store"}.`,
      );
    }
    for (const [name, fieldValue] of Object.entries(value)) {
      rules.push(checkedRule(key, name, expectText(fieldValue, name, where), where));
    }
  }
  return rules;
}

function checkedRule(glob: string | null, name: string, rawValue: string, where: string) {
  if (name === "" || ![...name].every((char) => TCHAR[char.charCodeAt(0)] === 1)) {
    throw new ConfigError(
      `${where}: "${name}" is not a header name (letters, digits and !#$%&'*+-.^_\`|~ only).`,
    );
  }
  if (REFUSED_HEADER_FIELDS.has(name.toLowerCase())) {
    throw new ConfigError(
      `${where}: zhttp writes ${name} itself, so that every response stays correctly framed.`,
    );
  }
  const value = rawValue.trim();
  if (value === "") throw new ConfigError(`${where}: ${name} needs a value.`);
  if (![...value].every((char) => char === "\t" || (char >= " " && char <= "~"))) {
    throw new ConfigError(`${where}: the value of ${name} must be printable ASCII.`);
  }
  return { glob, name, value };
}

function expectText(value: unknown, name: string, where: string): string {
  if (typeof value !== "string") {
    throw new ConfigError(`${where}: the value of ${name} must be a string.`);
  }
  return value;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
