import assert from "node:assert/strict";
import fc from "fast-check";
import {
  ChunkedDecoder,
  type ChunkedLimits,
  type ChunkedStep,
  MAX_CHUNK_LINE_BYTES,
  MAX_TRAILER_BYTES,
} from "../../lib/http/chunked.ts";
import { HttpError } from "../../lib/http/errors.ts";
import validFixtures from "../fixtures/chunked/valid.json" with { type: "json" };
import invalidFixtures from "../fixtures/chunked/invalid.json" with { type: "json" };

interface ValidCase {
  name: string;
  input: string;
  body: string;
  limits?: Partial<ChunkedLimits>;
}

interface InvalidCase {
  name: string;
  input: string;
  status: number;
  limits?: Partial<ChunkedLimits>;
}

const VALID_CASES: readonly ValidCase[] = validFixtures.cases;
const INVALID_CASES: readonly InvalidCase[] = invalidFixtures.cases;

/** A pipelined request after the body: the decoder must leave every byte of it alone. */
const PIPELINED = "GET /next HTTP/1.1\r\nHost: a\r\n\r\n";

type Outcome =
  | { kind: "done"; body: string; consumed: number }
  | { kind: "incomplete"; body: string }
  | { kind: "error"; status: number; closeConnection: boolean };

/**
 * How the simulated connection calls the decoder after each read: "drain" calls until the
 * decoder stalls; "once" calls a single time and keeps the rest for later, so unconsumed
 * bytes (after a data span) get moved to a new buffer between calls.
 */
type CallStyle = "drain" | "once";

/** Filler around the live bytes: a decoder that strays outside [start, end) sees bare LFs. */
const FILLER_BYTE = 0x0a;
const FILLER_LENGTH = 3;

/**
 * Feeds `input` to a new decoder as a connection would: the pieces end at `cuts` (ascending,
 * the last one input.length). For every read the kept bytes and the new piece are copied into
 * a fresh buffer at an offset, so the decoder's state cannot depend on where bytes sat.
 * Asserts the step invariants on every call.
 */
function decodeInPieces(
  input: Uint8Array,
  cuts: readonly number[],
  style: CallStyle,
  limits?: Partial<ChunkedLimits>,
): Outcome {
  const decoder = new ChunkedDecoder(limits);
  const data: number[] = [];
  let kept = new Uint8Array(0);
  let consumed = 0;
  let pieceStart = 0;
  let firstStep: ChunkedStep | null = null;
  try {
    for (const [index, cut] of cuts.entries()) {
      const piece = input.subarray(pieceStart, cut);
      pieceStart = cut;
      const buf = new Uint8Array(FILLER_LENGTH + kept.length + piece.length + FILLER_LENGTH);
      buf.fill(FILLER_BYTE);
      buf.set(kept, FILLER_LENGTH);
      buf.set(piece, FILLER_LENGTH + kept.length);
      let start = FILLER_LENGTH;
      const end = FILLER_LENGTH + kept.length + piece.length;
      const drain = style === "drain" || index === cuts.length - 1;
      for (;;) {
        const step = decoder.decode(buf, start, end);
        firstStep ??= step;
        assert.equal(step, firstStep, "the step object is reused");
        assert.ok(step.consumed >= 0 && step.consumed <= end - start, "consumed within input");
        if (step.dataStart !== step.dataEnd) {
          assert.ok(step.dataStart >= start, "data starts inside the consumed bytes");
          assert.ok(step.dataStart < step.dataEnd, "data span is ordered");
          assert.ok(step.dataEnd <= start + step.consumed, "data ends inside the consumed bytes");
        }
        data.push(...buf.subarray(step.dataStart, step.dataEnd));
        assert.equal(decoder.bodyBytes, data.length, "bodyBytes counts the delivered data");
        assert.equal(step.done, decoder.done);
        start += step.consumed;
        consumed += step.consumed;
        if (step.done || step.consumed === 0 || !drain) break;
      }
      kept = buf.slice(start, end);
      if (decoder.done) break;
    }
  } catch (error) {
    if (!(error instanceof HttpError)) throw error;
    return { kind: "error", status: error.status, closeConnection: error.closeConnection };
  }
  const body = String.fromCharCode(...data);
  return decoder.done ? { kind: "done", body, consumed } : { kind: "incomplete", body };
}

/** Every way the tests split an input of `length` bytes: whole, in two at every offset, byte by byte. */
function everySplit(length: number): number[][] {
  const splits = [[length]];
  for (let k = 1; k < length; k++) splits.push([k, length]);
  splits.push(Array.from({ length }, (_, i) => i + 1));
  return splits;
}

function latin1(text: string): Uint8Array {
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code > 0xff) throw new Error(`not a latin1 character at ${i} in ${JSON.stringify(text)}`);
    bytes[i] = code;
  }
  return bytes;
}

function describeSplit(cuts: readonly number[], style: CallStyle): string {
  return `split at ${cuts.join(",")}, calls: ${style}`;
}

for (const { name, input, body, limits } of VALID_CASES) {
  Deno.test(`ChunkedDecoder.decode() decodes ${name}, however the input is split`, () => {
    const bytes = latin1(input + PIPELINED);
    const expected: Outcome = { kind: "done", body, consumed: input.length };
    for (const style of ["drain", "once"] as const) {
      for (const cuts of everySplit(bytes.length)) {
        assert.deepEqual(
          decodeInPieces(bytes, cuts, style, limits),
          expected,
          describeSplit(cuts, style),
        );
      }
    }
  });

  Deno.test(`ChunkedDecoder.decode() waits for more bytes on every prefix of ${name}`, () => {
    const bytes = latin1(input);
    for (let k = 0; k < bytes.length; k++) {
      const outcome = decodeInPieces(bytes.subarray(0, k), [k], "drain", limits);
      assert.equal(outcome.kind, "incomplete", `prefix of ${k} bytes`);
      assert.ok(body.startsWith((outcome as { body: string }).body), `prefix of ${k} bytes`);
    }
  });
}

for (const { name, input, status, limits } of INVALID_CASES) {
  Deno.test(`ChunkedDecoder.decode() rejects ${name} with ${status}`, () => {
    const bytes = latin1(input);
    const expected: Outcome = { kind: "error", status, closeConnection: true };
    for (const style of ["drain", "once"] as const) {
      for (const cuts of everySplit(bytes.length)) {
        assert.deepEqual(
          decodeInPieces(bytes, cuts, style, limits),
          expected,
          describeSplit(cuts, style),
        );
      }
    }
  });
}

Deno.test("ChunkedDecoder.decode() accepts a chunk-size line of MAX_CHUNK_LINE_BYTES and rejects a longer one with 400", () => {
  const lineOfLimit = "1;" + "x".repeat(MAX_CHUNK_LINE_BYTES - 2);
  const accepted = latin1(`${lineOfLimit}\r\na\r\n0\r\n\r\n`);
  const rejected = latin1(`${lineOfLimit}y\r\na\r\n0\r\n\r\n`);
  const byteByByte = (length: number) => Array.from({ length }, (_, i) => i + 1);
  for (const cuts of [[accepted.length], byteByByte(accepted.length)]) {
    assert.deepEqual(decodeInPieces(accepted, cuts, "drain"), {
      kind: "done",
      body: "a",
      consumed: accepted.length,
    });
  }
  for (const cuts of [[rejected.length], byteByByte(rejected.length)]) {
    assert.deepEqual(decodeInPieces(rejected, cuts, "drain"), {
      kind: "error",
      status: 400,
      closeConnection: true,
    });
  }
});

Deno.test("ChunkedDecoder.decode() accepts a trailer section of MAX_TRAILER_BYTES and rejects a longer one with 431", () => {
  const field = "X-Pad: " + "v".repeat(MAX_TRAILER_BYTES - "X-Pad: \r\n".length) + "\r\n";
  assert.equal(field.length, MAX_TRAILER_BYTES);
  const accepted = latin1(`0\r\n${field}\r\n`);
  const rejected = latin1(`0\r\nA: b\r\n${field}\r\n`);
  assert.deepEqual(decodeInPieces(accepted, [accepted.length], "drain"), {
    kind: "done",
    body: "",
    consumed: accepted.length,
  });
  assert.deepEqual(decodeInPieces(rejected, [rejected.length], "drain"), {
    kind: "error",
    status: 431,
    closeConnection: true,
  });
});

Deno.test("ChunkedDecoder.decode() accepts a thirteen-digit chunk-size and delivers its data as it arrives", () => {
  const decoder = new ChunkedDecoder();
  const bytes = latin1("FFFFFFFFFFFFF\r\nabc");
  const step = decoder.decode(bytes, 0, bytes.length);
  assert.deepEqual({ ...step }, { consumed: 18, dataStart: 15, dataEnd: 18, done: false });
  assert.equal(decoder.bodyBytes, 3);
});

Deno.test("ChunkedDecoder.decode() delivers data as offsets into the caller's buffer", () => {
  const decoder = new ChunkedDecoder();
  const bytes = latin1("xx5\r\nhelloyy");
  const step = decoder.decode(bytes, 2, 10);
  assert.deepEqual({ ...step }, { consumed: 8, dataStart: 5, dataEnd: 10, done: false });
  assert.equal(bytes.subarray(step.dataStart, step.dataEnd).buffer, bytes.buffer);
});

Deno.test("ChunkedDecoder.decode() delivers at most one data span per call and stops right after it", () => {
  const decoder = new ChunkedDecoder();
  const bytes = latin1("1\r\na\r\n1\r\nb\r\n0\r\n\r\n");
  const steps = [];
  let at = 0;
  for (let step = decoder.decode(bytes, at, bytes.length); step.consumed > 0;) {
    steps.push({ ...step });
    at += step.consumed;
    step = decoder.decode(bytes, at, bytes.length);
  }
  assert.deepEqual(steps, [
    { consumed: 4, dataStart: 3, dataEnd: 4, done: false },
    { consumed: 6, dataStart: 9, dataEnd: 10, done: false },
    { consumed: 7, dataStart: 10, dataEnd: 10, done: true },
  ]);
});

Deno.test("ChunkedDecoder.decode() refuses before handing out data when the bytes after it are bad", () => {
  const rows: [string, number][] = [
    ["5\r\nhelloXX", 400], // data longer than its size
    ["5\r\nhello\r\nzz\r\n", 400], // the next chunk-size line
    ["5\r\nhello\r\n0\r\nBad Name: x\r\n\r\n", 400], // the trailer
  ];
  for (const [input, status] of rows) {
    const decoder = new ChunkedDecoder();
    const bytes = latin1(input);
    assert.throws(() => decoder.decode(bytes, 0, bytes.length), (error) => {
      return error instanceof HttpError && error.status === status;
    }, input);
  }
  // Bytes not received yet cannot be judged: the data comes out, the error later.
  const decoder = new ChunkedDecoder();
  const first = latin1("5\r\nhello");
  assert.equal(decoder.decode(first, 0, first.length).dataEnd, first.length);
  assert.throws(() => decoder.decode(latin1("XX"), 0, 2), HttpError);
});

Deno.test("ChunkedDecoder.decode() consumes a partial line as it validates it", () => {
  const decoder = new ChunkedDecoder();
  const first = latin1("5;name=");
  assert.equal(decoder.decode(first, 0, first.length).consumed, first.length);
  const second = latin1('"va\\"lue"\r\nhel');
  const step = decoder.decode(second, 0, second.length);
  assert.deepEqual({ ...step }, {
    consumed: second.length,
    dataStart: 11,
    dataEnd: 14,
    done: false,
  });
});

Deno.test("ChunkedDecoder.decode() returns the same step object on every call", () => {
  const decoder = new ChunkedDecoder();
  const bytes = latin1("1\r\na\r\n0\r\n\r\n");
  const first = decoder.decode(bytes, 0, 4);
  assert.equal(decoder.decode(bytes, 4, bytes.length), first);
});

Deno.test("ChunkedDecoder.decode() consumes nothing once done, leaving pipelined bytes to the caller", () => {
  const decoder = new ChunkedDecoder();
  const bytes = latin1(`0\r\n\r\n${PIPELINED}`);
  assert.equal(decoder.decode(bytes, 0, bytes.length).consumed, 5);
  assert.deepEqual({ ...decoder.decode(bytes, 5, bytes.length) }, {
    consumed: 0,
    dataStart: 5,
    dataEnd: 5,
    done: true,
  });
  assert.equal(decoder.done, true);
});

Deno.test("ChunkedDecoder.decode() throws the same error on every call after a failure", () => {
  const decoder = new ChunkedDecoder();
  const bad = latin1("5\nhello");
  let first: unknown = null;
  assert.throws(() => decoder.decode(bad, 0, bad.length), (error) => {
    first = error;
    return error instanceof HttpError && error.status === 400;
  });
  const good = latin1("0\r\n\r\n");
  assert.throws(() => decoder.decode(good, 0, good.length), (error) => error === first);
});

Deno.test("ChunkedDecoder.decode() refuses with 413 as soon as a chunk-size exceeds the remaining budget", () => {
  const decoder = new ChunkedDecoder({ maxBodyBytes: 8 });
  const bytes = latin1("5\r\nhello\r\n4");
  const step = decoder.decode(bytes, 0, 8);
  assert.equal(step.dataEnd - step.dataStart, 5);
  assert.throws(
    () => decoder.decode(bytes, 8, bytes.length),
    (error) => error instanceof HttpError && error.status === 413,
  );
});

// Property tests.

/** Bytes that matter to the grammar, drawn often so random inputs get past the first byte. */
const GRAMMAR_BYTES = latin1('0159aFfx-+ \t\r\n;=":\\A\x00\x7f\x80\xff');
const byteArb = fc.oneof(fc.constantFrom(...GRAMMAR_BYTES), fc.integer({ min: 0, max: 255 }));
const cutsArb = fc.array(fc.nat(), { maxLength: 8 });
const styleArb = fc.constantFrom<CallStyle>("drain", "once");
const limitsArb = fc.record(
  {
    maxBodyBytes: fc.nat(64),
    maxChunkLineBytes: fc.integer({ min: 1, max: 24 }),
    maxTrailerBytes: fc.nat(48),
  },
  { requiredKeys: [] },
);

/** Turns random numbers into ascending cut points ending at `length`. */
function toCuts(raw: readonly number[], length: number): number[] {
  const inner = raw.map((n) => n % (length + 1)).filter((n) => n > 0 && n < length);
  return [...new Set(inner)].sort((a, b) => a - b).concat(length);
}

function assertSaneOutcome(outcome: Outcome, input: Uint8Array): void {
  if (outcome.kind === "error") {
    assert.ok([400, 413, 431].includes(outcome.status), `status ${outcome.status}`);
    assert.equal(outcome.closeConnection, true);
  } else {
    assert.ok(outcome.body.length <= input.length, "decoded data never exceeds the input");
  }
  if (outcome.kind === "done") assert.ok(outcome.consumed <= input.length);
}

/** Decoded whole, `input` has a sane outcome, and split at `rawCuts` it has the same one. */
function assertSplitsAgree(
  input: Uint8Array,
  rawCuts: readonly number[],
  style: CallStyle,
  limits: Partial<ChunkedLimits> | undefined,
): void {
  const whole = decodeInPieces(input, [input.length], "drain", limits);
  assertSaneOutcome(whole, input);
  assert.deepEqual(decodeInPieces(input, toCuts(rawCuts, input.length), style, limits), whole);
}

Deno.test("ChunkedDecoder.decode() yields only steps or HttpError for random bytes, however split", () => {
  fc.assert(
    fc.property(
      fc.array(byteArb, { maxLength: 96 }),
      cutsArb,
      styleArb,
      limitsArb,
      (byteList, rawCuts, style, limits) => {
        assertSplitsAgree(Uint8Array.from(byteList), rawCuts, style, limits);
      },
    ),
    { numRuns: 2000 },
  );
});

type Mutation =
  | { kind: "flip" | "insert"; at: number; byte: number }
  | { kind: "delete" | "truncate"; at: number };

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constantFrom("flip", "insert" as const), at: fc.nat(), byte: byteArb }),
  fc.record({ kind: fc.constantFrom("delete", "truncate" as const), at: fc.nat() }),
);

function mutate(input: Uint8Array, mutations: readonly Mutation[]): Uint8Array {
  let bytes = [...input];
  for (const mutation of mutations) {
    const at = mutation.at % (bytes.length + 1);
    switch (mutation.kind) {
      case "flip":
        if (at < bytes.length) bytes[at] = mutation.byte;
        break;
      case "insert":
        bytes.splice(at, 0, mutation.byte);
        break;
      case "delete":
        bytes.splice(at, 1);
        break;
      case "truncate":
        bytes = bytes.slice(0, at);
        break;
    }
  }
  return Uint8Array.from(bytes);
}

Deno.test("ChunkedDecoder.decode() yields only steps or HttpError for mutated valid bodies, however split", () => {
  fc.assert(
    fc.property(
      fc.constantFrom(...VALID_CASES),
      fc.array(mutationArb, { minLength: 1, maxLength: 4 }),
      cutsArb,
      styleArb,
      ({ input, limits }, mutations, rawCuts, style) => {
        assertSplitsAgree(mutate(latin1(input + PIPELINED), mutations), rawCuts, style, limits);
      },
    ),
    { numRuns: 2000 },
  );
});

const TCHARS = "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const tokenArb = fc.string({ unit: fc.constantFrom(...TCHARS), minLength: 1, maxLength: 6 });
const bwsArb = fc.constantFrom("", " ", "\t", " \t ");
/** HTAB, SP, VCHAR and obs-text: field-value bytes, and what a quoted-pair may escape. */
const textCharArb = fc.integer({ min: 0, max: 255 })
  .filter((b) => b === 0x09 || (b >= 0x20 && b !== 0x7f))
  .map((b) => String.fromCharCode(b));
const quotedArb = fc.array(
  fc.oneof(
    textCharArb.filter((c) => c !== '"' && c !== "\\"),
    textCharArb.map((c) => "\\" + c),
  ),
  { maxLength: 6 },
).map((parts) => `"${parts.join("")}"`);
const extensionArb = fc.tuple(
  bwsArb,
  bwsArb,
  tokenArb,
  fc.option(fc.tuple(bwsArb, bwsArb, fc.oneof(tokenArb, quotedArb))),
).map(([before, after, name, value]) =>
  `${before};${after}${name}${value === null ? "" : `${value[0]}=${value[1]}${value[2]}`}`
);
const extensionsArb = fc.array(extensionArb, { maxLength: 3 }).map((parts) => parts.join(""));
const chunkArb = fc.record({
  data: fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 48 })
    .map((bytes) => String.fromCharCode(...bytes)),
  leadingZeros: fc.nat(3),
  uppercase: fc.boolean(),
  extensions: extensionsArb,
});
const trailerArb = fc.tuple(tokenArb, fc.string({ unit: textCharArb, maxLength: 12 }))
  .map(([name, value]) => `${name}:${value}\r\n`);

Deno.test("ChunkedDecoder.decode() decodes any well-formed chunked body to its data, however split", () => {
  fc.assert(
    fc.property(
      fc.array(chunkArb, { maxLength: 5 }),
      fc.nat(2),
      extensionsArb,
      fc.array(trailerArb, { maxLength: 3 }),
      cutsArb,
      styleArb,
      (chunks, lastChunkZeros, lastChunkExtensions, trailers, rawCuts, style) => {
        let encoded = "";
        for (const { data, leadingZeros, uppercase, extensions } of chunks) {
          const size = data.length.toString(16);
          encoded += "0".repeat(leadingZeros) + (uppercase ? size.toUpperCase() : size);
          encoded += `${extensions}\r\n${data}\r\n`;
        }
        encoded += `${"0".repeat(1 + lastChunkZeros)}${lastChunkExtensions}\r\n`;
        encoded += `${trailers.join("")}\r\n`;
        const input = latin1(encoded + PIPELINED);
        assert.deepEqual(decodeInPieces(input, toCuts(rawCuts, input.length), style), {
          kind: "done",
          body: chunks.map((chunk) => chunk.data).join(""),
          consumed: encoded.length,
        });
      },
    ),
    { numRuns: 1000 },
  );
});
