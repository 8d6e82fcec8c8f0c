import assert from "node:assert/strict";
import fc from "fast-check";
import { HttpError } from "../../lib/http/errors.ts";
import { HeadParser, type ParserLimits, type RequestHead } from "../../lib/http/parser.ts";
import { latin1Bytes, loadRequestFixtures } from "./request_fixtures.ts";

/** Statuses the parser may answer with; anything else is a bug. */
const PARSER_STATUSES = new Set([400, 414, 417, 431, 501, 505]);
/** Filler around the input: NUL is invalid everywhere in a head, so no view may contain it. */
const FILLER = 0x00;
const PADDING = 5;

type Outcome =
  | { kind: "head"; start: number; end: number; summary: string[] }
  | { kind: "need-more" }
  | { kind: "error"; status: number; message: string };

/**
 * Parses `input` placed at PADDING inside a NUL-filled buffer and checks the invariants that
 * hold for every input: the outcome is a head, null or an HttpError with a parser status,
 * and a head's views stay inside the bytes it was given.
 */
function parseChecked(parser: HeadParser, input: Uint8Array, available: number): Outcome {
  const buf = new Uint8Array(PADDING + input.length + PADDING).fill(FILLER);
  buf.set(input, PADDING);
  return observe(parser, buf, PADDING, PADDING + available);
}

function observe(parser: HeadParser, buf: Uint8Array, start: number, end: number): Outcome {
  let head: RequestHead | null;
  try {
    head = parser.parse(buf, start, end);
  } catch (error) {
    if (!(error instanceof HttpError)) throw error;
    assert.ok(PARSER_STATUSES.has(error.status), `unexpected status ${error.status}`);
    return { kind: "error", status: error.status, message: error.message };
  }
  if (head === null) return { kind: "need-more" };
  assert.ok(head.start >= start && head.start < head.end && head.end <= end);
  const summary = [head.method, head.target];
  let viewed = head.method.length + 1 + head.target.length;
  for (const [name, value] of head.headers.entries()) {
    assert.ok(name.length > 0);
    summary.push(name, value);
    viewed += name.length + value.length;
  }
  assert.ok(viewed <= head.end - head.start, "views overlap or leave the head");
  for (const text of summary) assert.ok(!text.includes("\u0000"), "a view left the input");
  return { kind: "head", start: head.start - start, end: head.end - start, summary };
}

/** Feeds `input` in pieces, moving the unparsed bytes to a new buffer where asked. */
function parseInPieces(
  input: Uint8Array,
  limits: Partial<ParserLimits>,
  pieces: { cut: number; moveTo: number | null }[],
): Outcome {
  const parser = new HeadParser(limits);
  let buf = input;
  let start = 0;
  const cuts = pieces.map((piece) => piece.cut % (input.length + 1)).sort((a, b) => a - b);
  for (const [i, cut] of cuts.entries()) {
    const outcome = observe(parser, buf, start, start + cut);
    if (outcome.kind !== "need-more") return outcome;
    const moveTo = pieces[i].moveTo;
    if (moveTo !== null) {
      const moved = new Uint8Array(moveTo + input.length).fill(FILLER);
      moved.set(input, moveTo);
      buf = moved;
      start = moveTo;
    }
  }
  return observe(parser, buf, start, start + input.length);
}

const piecesArbitrary = fc.array(
  fc.record({ cut: fc.nat(), moveTo: fc.option(fc.nat({ max: 16 })) }),
  { maxLength: 6 },
);

/** Mostly `usual`, sometimes one of `unusual`: inputs that get deep into the head. */
function mostly(usual: string, ...unusual: string[]): fc.Arbitrary<string> {
  return fc.oneof(
    { arbitrary: fc.constant(usual), weight: 8 },
    { arbitrary: fc.constantFrom(...unusual), weight: 1 },
  );
}

const lineEnd = mostly("\r\n", "\n", "\r", "\r\r\n", "");
const requestLine = fc.tuple(
  mostly("GET", "POST", "OPTIONS", "CONNECT", "PRI", "get", "G\u0000T"),
  mostly(" ", "  ", "\t", ""),
  mostly("/a?b", "*", "http://example.com/x", "https://a:1", "example.com:443", "a@b", ""),
  mostly(" ", "  ", "\t"),
  mostly("HTTP/1.1", "HTTP/1.0", "HTTP/2.0", "HTTP/1.10", "http/1.1", "HTTP/1.1 "),
  lineEnd,
).map((parts) => parts.join(""));
const fieldLine = fc.tuple(
  mostly("", " ", "\t"),
  fc.constantFrom("Host", "Content-Length", "Transfer-Encoding", "Connection", "Expect", "X-A"),
  mostly(":", " :", "\u0000:", ""),
  mostly(" ", "", "\t", "  "),
  fc.array(
    fc.constantFrom(
      "example.com",
      "chunked",
      "gzip",
      "close",
      "keep-alive",
      "100-continue",
      "5",
      "05",
      "0x5",
      ",",
      " ",
      "\t",
      ";",
      "@",
      "\u0000",
      "\u000b",
      "\u0080",
      "\u00ff",
    ),
    { maxLength: 4 },
  ).map((words) => words.join("")),
  lineEnd,
).map((parts) => parts.join(""));
const hostLine = mostly("Host: example.com\r\n", "");
const httpishBytes = fc.tuple(requestLine, hostLine, fc.array(fieldLine, { maxLength: 5 }), lineEnd)
  .map(([line, host, fields, end]) => latin1Bytes(line + host + fields.join("") + end));

const SMALL_LIMITS: Partial<ParserLimits> = {
  maxRequestLineBytes: 24,
  maxHeaderBytes: 48,
  maxHeaderCount: 3,
};

Deno.test("HeadParser.parse() only returns a head, null or an HttpError for random bytes", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), (input) => {
      parseChecked(new HeadParser(), input, input.length);
    }),
    { numRuns: 2000 },
  );
});

Deno.test("HeadParser.parse() only returns a head, null or an HttpError for HTTP-like bytes", () => {
  fc.assert(
    fc.property(httpishBytes, fc.boolean(), (input, small) => {
      parseChecked(new HeadParser(small ? SMALL_LIMITS : {}), input, input.length);
    }),
    { numRuns: 3000 },
  );
});

Deno.test("HeadParser.parse() gives the same outcome however HTTP-like bytes are split", () => {
  fc.assert(
    fc.property(httpishBytes, piecesArbitrary, fc.boolean(), (input, pieces, small) => {
      const limits = small ? SMALL_LIMITS : {};
      const whole = observe(new HeadParser(limits), input, 0, input.length);
      assert.deepEqual(parseInPieces(input, limits, pieces), whole);
    }),
    { numRuns: 3000 },
  );
});

type Mutation =
  | { kind: "flip"; at: number; byte: number }
  | { kind: "insert"; at: number; byte: number }
  | { kind: "delete"; at: number }
  | { kind: "truncate"; at: number };

const mutationArbitrary: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant("flip" as const), at: fc.nat(), byte: fc.nat({ max: 255 }) }),
  fc.record({ kind: fc.constant("insert" as const), at: fc.nat(), byte: fc.nat({ max: 255 }) }),
  fc.record({ kind: fc.constant("delete" as const), at: fc.nat() }),
  fc.record({ kind: fc.constant("truncate" as const), at: fc.nat() }),
);

function mutate(input: Uint8Array, mutations: Mutation[]): Uint8Array {
  const bytes = [...input];
  for (const mutation of mutations) {
    const at = mutation.at % (bytes.length + 1);
    if (mutation.kind === "flip" && at < bytes.length) bytes[at] = mutation.byte;
    if (mutation.kind === "insert") bytes.splice(at, 0, mutation.byte);
    if (mutation.kind === "delete") bytes.splice(at, 1);
    if (mutation.kind === "truncate") bytes.length = at;
  }
  return Uint8Array.from(bytes);
}

const validHeads = loadRequestFixtures().filter((fixture) =>
  fixture.expected.kind === "head" && fixture.raw.length < 2048
);

Deno.test("HeadParser.parse() survives mutated valid requests, whole and in pieces", () => {
  fc.assert(
    fc.property(
      fc.constantFrom(...validHeads),
      fc.array(mutationArbitrary, { minLength: 1, maxLength: 4 }),
      piecesArbitrary,
      (fixture, mutations, pieces) => {
        const input = mutate(fixture.raw, mutations);
        const whole = parseChecked(new HeadParser(fixture.limits), input, input.length);
        assert.deepEqual(parseInPieces(input, fixture.limits, pieces), whole);
      },
    ),
    { numRuns: 3000 },
  );
});

const TCHARS = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
const token = fc.string({ unit: fc.constantFrom(...TCHARS), minLength: 1, maxLength: 12 });
const pathText = fc.string({
  unit: fc.constantFrom(..."abcXYZ019-._~%!$&'()*+,;=:@/?"),
  maxLength: 30,
});
const fieldWord = fc.string({
  unit: fc.oneof(
    fc.integer({ min: 0x21, max: 0x7e }).map((code) => String.fromCharCode(code)),
    fc.integer({ min: 0x80, max: 0xff }).map((code) => String.fromCharCode(code)),
  ),
  minLength: 1,
  maxLength: 10,
});
/** A field value: field-vchar words with spaces or tabs between them, never at the ends. */
const fieldValue = fc.array(fc.tuple(fc.constantFrom(" ", "\t", " \t "), fieldWord), {
  maxLength: 4,
}).map((words) => words.map(([gap, word], i) => (i === 0 ? word : gap + word)).join(""));
const field = fc.tuple(
  token.map((name) => `X-${name}`),
  fieldValue,
  fc.constantFrom("", " ", "\t"),
);

Deno.test("HeadParser.parse() returns exactly the method, target and fields of a valid request", () => {
  fc.assert(
    fc.property(token, pathText, fc.array(field, { maxLength: 20 }), (method, path, fields) => {
      const head = ["Host", "example.com"];
      const text = `${method} /${path} HTTP/1.1\r\n${head[0]}: ${head[1]}\r\n` +
        fields.map(([name, value, ows]) => `${name}:${ows}${value}${ows}\r\n`).join("") + "\r\n";
      const bytes = latin1Bytes(text);
      const parsed = new HeadParser().parse(bytes, 0, bytes.length);
      assert.ok(parsed !== null);
      assert.equal(parsed.method, method);
      assert.equal(parsed.target, `/${path}`);
      assert.equal(parsed.end, bytes.length);
      assert.deepEqual(
        [...parsed.headers.entries()],
        [head, ...fields.map(([name, value]) => [name, value])],
      );
    }),
    { numRuns: 1000 },
  );
});
