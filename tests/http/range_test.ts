import assert from "node:assert/strict";
import fc from "fast-check";
import { concat } from "../../lib/http/bytes.ts";
import {
  type ByteRange,
  contentRange,
  decideRange,
  MAX_RANGES,
  multipartByteranges,
  type RangeDecision,
  unsatisfiableContentRange,
} from "../../lib/http/range.ts";

interface RangeCase {
  name: string;
  size: number;
  range: string | null;
  expected: RangeDecision;
}

/** Reads tests/fixtures/range_cases.txt: `name | size | expected | Range as JSON`. */
function loadRangeCases(): RangeCase[] {
  const text = Deno.readTextFileSync(new URL("../fixtures/range_cases.txt", import.meta.url));
  return text.split("\n")
    .filter((line) => line !== "" && !line.startsWith("#"))
    .map((line) => {
      const [name, size, expected, ...rest] = line.split(" | ");
      return {
        name,
        size: Number(size),
        range: JSON.parse(rest.join(" | ")),
        expected: parseExpected(expected),
      };
    });
}

function parseExpected(text: string): RangeDecision {
  if (text === "full") return { kind: "full" };
  if (text === "416") return { kind: "unsatisfiable" };
  const ranges = text.split(",").map((part): ByteRange => {
    const [start, end] = part.split("-").map(Number);
    return { start, end };
  });
  return { kind: "partial", ranges };
}

for (const { name, size, range, expected } of loadRangeCases()) {
  Deno.test(`decideRange() ${name}`, () => {
    assert.deepEqual(decideRange(range, size), expected);
  });
}

Deno.test("decideRange() never returns a range outside the file, overlapping or reversed", () => {
  // Mostly well-formed specs, so that many runs reach the coalescing path, salted with the
  // odd numeral and garbage that must send the whole file instead.
  const position = fc.oneof(
    { arbitrary: fc.nat({ max: 3000 }).map(String), weight: 20 },
    {
      arbitrary: fc.constantFrom("", "00", "9007199254740991", "9007199254740992", "+1"),
      weight: 1,
    },
  );
  const spec = fc.oneof(
    {
      arbitrary: fc.tuple(fc.nat({ max: 3000 }), fc.nat({ max: 300 }))
        .map(([first, length]) => `${first}-${first + length}`),
      weight: 12,
    },
    {
      arbitrary: fc.tuple(position, position).map(([first, last]) => `${first}-${last}`),
      weight: 1,
    },
    { arbitrary: position.map((first) => `${first}-`), weight: 2 },
    { arbitrary: position.map((length) => `-${length}`), weight: 2 },
    { arbitrary: fc.string({ maxLength: 6 }), weight: 1 },
  );
  const header = fc.oneof(
    {
      arbitrary: fc.tuple(
        fc.constantFrom("bytes", "bytes", "bytes", "Bytes", "items", ""),
        fc.array(spec, { maxLength: MAX_RANGES + 2 }),
        fc.constantFrom(",", ", ", " ,\t", ",,"),
      ).map(([unit, specs, separator]) => `${unit}=${specs.join(separator)}`),
      weight: 9,
    },
    { arbitrary: fc.string(), weight: 1 },
  );
  const size = fc.oneof(fc.nat({ max: 3000 }), fc.maxSafeNat());

  fc.assert(
    fc.property(fc.option(header), size, (rangeHeader, fileSize) => {
      const decision = decideRange(rangeHeader, fileSize);
      if (decision.kind !== "partial") return;
      assert(decision.ranges.length >= 1 && decision.ranges.length <= MAX_RANGES);
      for (const { start, end } of decision.ranges) {
        assert(Number.isSafeInteger(start) && Number.isSafeInteger(end));
        assert(0 <= start && start <= end && end <= fileSize - 1, `${start}-${end}/${fileSize}`);
      }
      const ascending = decision.ranges.toSorted((a, b) => a.start - b.start);
      for (let i = 1; i < ascending.length; i++) {
        assert(ascending[i].start > ascending[i - 1].end + 1, "ranges left overlapping");
      }
    }),
    { numRuns: 5000 },
  );
});

Deno.test("contentRange() formats a satisfied range with the complete length", () => {
  assert.deepEqual(contentRange({ start: 0, end: 499 }, 1234), "bytes 0-499/1234");
  assert.deepEqual(contentRange({ start: 7, end: 7 }, 8), "bytes 7-7/8");
});

Deno.test("unsatisfiableContentRange() formats the 416 form with the complete length", () => {
  assert.deepEqual(unsatisfiableContentRange(1234), "bytes */1234");
  assert.deepEqual(unsatisfiableContentRange(0), "bytes */0");
});

/** Builds the body the way the static handler will: each head, that part's data, the tail. */
function assembleBody(
  framing: ReturnType<typeof multipartByteranges>,
  file: Uint8Array,
): Uint8Array {
  const chunks: Uint8Array[] = [];
  for (const { head, range } of framing.parts) {
    chunks.push(head, file.subarray(range.start, range.end + 1));
  }
  chunks.push(framing.tail);
  return concat(chunks);
}

Deno.test("multipartByteranges() frames each part and closes the body (RFC 9110 §14.6)", () => {
  const file = new TextEncoder().encode("0123456789abcdefghij");
  const framing = multipartByteranges(
    [{ start: 0, end: 3 }, { start: 15, end: 19 }],
    file.length,
    "text/plain",
    "zhttp-b0undary",
  );
  assert.deepEqual(framing.contentType, "multipart/byteranges; boundary=zhttp-b0undary");
  const expected = "\r\n--zhttp-b0undary\r\n" +
    "Content-Type: text/plain\r\n" +
    "Content-Range: bytes 0-3/20\r\n\r\n" +
    "0123" +
    "\r\n--zhttp-b0undary\r\n" +
    "Content-Type: text/plain\r\n" +
    "Content-Range: bytes 15-19/20\r\n\r\n" +
    "fghij" +
    "\r\n--zhttp-b0undary--\r\n";
  const body = assembleBody(framing, file);
  assert.deepEqual(new TextDecoder().decode(body), expected);
  assert.deepEqual(framing.length, body.length);
});

Deno.test("multipartByteranges() leaves out Content-Type when the file has none", () => {
  const framing = multipartByteranges([{ start: 1, end: 1 }], 3, "", "b");
  assert.deepEqual(
    new TextDecoder().decode(framing.parts[0].head),
    "\r\n--b\r\nContent-Range: bytes 1-1/3\r\n\r\n",
  );
});

Deno.test("multipartByteranges() rejects a boundary that would corrupt the body", () => {
  for (const boundary of ["", "a".repeat(71), "has space", "semi;colon", 'quo"te', "new\r\nline"]) {
    assert.throws(() => multipartByteranges([{ start: 0, end: 0 }], 1, "", boundary), RangeError);
  }
});

Deno.test("multipartByteranges() length equals the assembled body for any ranges", () => {
  const file = new Uint8Array(300).map((_, i) => i % 256);
  const ranges = fc.array(
    fc.tuple(fc.nat({ max: 299 }), fc.nat({ max: 299 }))
      .map(([a, b]): ByteRange => ({ start: Math.min(a, b), end: Math.max(a, b) })),
    { minLength: 1, maxLength: MAX_RANGES },
  );
  const contentType = fc.constantFrom("", "text/plain", "application/octet-stream", "text/é");
  fc.assert(fc.property(ranges, contentType, (parts, type) => {
    const framing = multipartByteranges(parts, file.length, type, "3d6b6a416f9b5");
    assert.deepEqual(framing.length, assembleBody(framing, file).length);
  }));
});
