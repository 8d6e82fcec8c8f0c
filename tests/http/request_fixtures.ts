/**
 * Loads the raw-request fixtures in tests/fixtures/requests/*.json: one file per rule group,
 * each `{ "description", "cases": [{ "name", "raw", "limits"?, "expect" }] }`.
 *
 * - `raw` is the request bytes written as a JSON string where each character is one byte
 *   (so "\u00ff" is byte 0xFF), or a list of such strings and `{ "repeat": s, "times": n }`
 *   parts for long inputs. A head fixture's `raw` ends exactly where the head ends.
 * - `expect` is "need-more", `{ "status": 400 }`, or the head: `method`, `target` and
 *   `headers` ([name, value] pairs as sent) or `headerCount`, plus, when they differ from
 *   the usual, `version` ("1.1"), `targetForm` ("origin"), `bodyKind` ("none"),
 *   `contentLength` (0), `keepAlive` (true on 1.1, false on 1.0), `expectContinue` (false)
 *   and `start` (0: where the request line begins).
 *
 * Unknown keys are errors, so a typo cannot turn a fixture into one that checks nothing.
 */
import type { BodyKind, ParserLimits, TargetForm } from "../../lib/http/parser.ts";

export interface ExpectedHead {
  method: string;
  target: string;
  versionMinor: 0 | 1;
  targetForm: TargetForm;
  /** The field lines as sent, or null when only their number is given. */
  headers: [string, string][] | null;
  headerCount: number;
  bodyKind: BodyKind;
  contentLength: number;
  keepAlive: boolean;
  expectContinue: boolean;
  start: number;
}

export type Expected =
  | { kind: "head"; head: ExpectedHead }
  | { kind: "need-more" }
  | { kind: "error"; status: number };

export interface RequestFixture {
  /** The file the case comes from, without ".json": its rule group. */
  group: string;
  name: string;
  raw: Uint8Array;
  limits: Partial<ParserLimits>;
  expected: Expected;
}

const FIXTURE_DIRECTORY = new URL("../fixtures/requests/", import.meta.url);

/** Every fixture case, file by file in name order. */
export function loadRequestFixtures(): RequestFixture[] {
  const files = [...Deno.readDirSync(FIXTURE_DIRECTORY)]
    .filter((entry) => entry.isFile && entry.name.endsWith(".json"))
    .map((entry) => entry.name)
    .sort();
  const fixtures: RequestFixture[] = [];
  for (const file of files) {
    const group = file.slice(0, -".json".length);
    const data = record(
      JSON.parse(Deno.readTextFileSync(new URL(file, FIXTURE_DIRECTORY))),
      file,
      ["description", "cases"],
    );
    if (!Array.isArray(data.cases)) throw new Error(`${file}: "cases" must be a list`);
    for (const [index, entry] of data.cases.entries()) {
      const where = `${file} case ${index}`;
      const item = record(entry, where, ["name", "raw", "limits", "expect"]);
      fixtures.push({
        group,
        name: text(item.name, `${where} name`),
        raw: latin1Bytes(expand(item.raw, `${where} raw`)),
        limits: limits(item.limits, where),
        expected: expected(item.expect, where),
      });
    }
  }
  return fixtures;
}

/** The bytes of a string whose characters all stand for one byte each. */
export function latin1Bytes(value: string): Uint8Array {
  const bytes = new Uint8Array(value.length);
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code > 0xff) throw new Error(`character U+${code.toString(16)} is not one byte`);
    bytes[i] = code;
  }
  return bytes;
}

function expected(value: unknown, where: string): Expected {
  if (value === "need-more") return { kind: "need-more" };
  const item = record(value, `${where} expect`, [
    "status",
    "method",
    "target",
    "version",
    "targetForm",
    "headers",
    "headerCount",
    "bodyKind",
    "contentLength",
    "keepAlive",
    "expectContinue",
    "start",
  ]);
  if (item.status !== undefined) {
    if (Object.keys(item).length !== 1) throw new Error(`${where}: status comes alone`);
    return { kind: "error", status: integer(item.status, `${where} status`) };
  }
  const versionMinor = item.version === undefined || item.version === "1.1"
    ? 1
    : item.version === "1.0"
    ? 0
    : fail(`${where}: version must be "1.1" or "1.0"`);
  const headers = item.headers === undefined ? null : fieldList(item.headers, where);
  if ((headers === null) === (item.headerCount === undefined)) {
    throw new Error(`${where}: give exactly one of headers and headerCount`);
  }
  return {
    kind: "head",
    head: {
      method: text(item.method, `${where} method`),
      target: expand(item.target, `${where} target`),
      versionMinor,
      targetForm: oneOf(item.targetForm ?? "origin", TARGET_FORMS, `${where} targetForm`),
      headers,
      headerCount: headers?.length ?? integer(item.headerCount, `${where} headerCount`),
      bodyKind: oneOf(item.bodyKind ?? "none", BODY_KINDS, `${where} bodyKind`),
      contentLength: integer(item.contentLength ?? 0, `${where} contentLength`),
      keepAlive: flag(item.keepAlive ?? versionMinor === 1, `${where} keepAlive`),
      expectContinue: flag(item.expectContinue ?? false, `${where} expectContinue`),
      start: integer(item.start ?? 0, `${where} start`),
    },
  };
}

const TARGET_FORMS: readonly TargetForm[] = ["origin", "absolute", "authority", "asterisk"];
const BODY_KINDS: readonly BodyKind[] = ["none", "length", "chunked"];

function fieldList(value: unknown, where: string): [string, string][] {
  if (!Array.isArray(value)) throw new Error(`${where}: headers must be a list`);
  return value.map((pair, i) => {
    if (!Array.isArray(pair) || pair.length !== 2) {
      throw new Error(`${where}: header ${i} must be [name, value]`);
    }
    return [text(pair[0], `${where} header ${i}`), expand(pair[1], `${where} header ${i}`)];
  });
}

function limits(value: unknown, where: string): Partial<ParserLimits> {
  if (value === undefined) return {};
  const item = record(value, `${where} limits`, [
    "maxRequestLineBytes",
    "maxHeaderBytes",
    "maxHeaderCount",
  ]);
  const result: Partial<ParserLimits> = {};
  for (const [key, limit] of Object.entries(item)) {
    result[key as keyof ParserLimits] = integer(limit, `${where} ${key}`);
  }
  return result;
}

/** A string, or a list of strings and `{ repeat, times }` parts joined into one. */
function expand(value: unknown, where: string): string {
  if (typeof value === "string") return value;
  if (!Array.isArray(value)) throw new Error(`${where}: expected a string or a list of parts`);
  return value.map((part) => {
    if (typeof part === "string") return part;
    const repeat = record(part, where, ["repeat", "times"]);
    return text(repeat.repeat, where).repeat(integer(repeat.times, where));
  }).join("");
}

function record(value: unknown, where: string, keys: string[]): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new Error(`${where}: expected an object`);
  }
  for (const key of Object.keys(value)) {
    if (!keys.includes(key)) throw new Error(`${where}: unknown key "${key}"`);
  }
  return value as Record<string, unknown>;
}

function text(value: unknown, where: string): string {
  if (typeof value !== "string") throw new Error(`${where}: expected a string`);
  return value;
}

function integer(value: unknown, where: string): number {
  if (!Number.isSafeInteger(value)) throw new Error(`${where}: expected an integer`);
  return value as number;
}

function flag(value: unknown, where: string): boolean {
  if (typeof value !== "boolean") throw new Error(`${where}: expected true or false`);
  return value;
}

function oneOf<T extends string>(value: unknown, allowed: readonly T[], where: string): T {
  if (!allowed.includes(value as T)) throw new Error(`${where}: expected one of ${allowed}`);
  return value as T;
}

function fail(message: string): never {
  throw new Error(message);
}
