/**
 * OutputBuffer: what take() hands to the socket, in what order, and that bytes handed out
 * stay as they were until release().
 */
import assert from "node:assert/strict";
import { COPY_LIMIT, OutputBuffer } from "../../lib/http/output.ts";
import { concat } from "../../lib/http/bytes.ts";

/** One write to the buffer, as a test table spells it. */
type Write =
  | { latin1: string }
  | { bytes: Uint8Array };

function apply(output: OutputBuffer, write: Write): void {
  if ("latin1" in write) output.writeLatin1(write.latin1);
  else output.writeBytes(write.bytes);
}

/** The bytes `write` stands for. */
function bytesOf(write: Write): Uint8Array {
  if ("bytes" in write) return write.bytes;
  return Uint8Array.from(write.latin1, (char) => char.charCodeAt(0));
}

/** Fails at the first differing byte (a deep diff of tens of KiB would take minutes). */
function assertSameBytes(actual: Uint8Array, expected: Uint8Array, label = ""): void {
  assert.equal(actual.length, expected.length, `${label} length`);
  const at = actual.findIndex((byte, i) => byte !== expected[i]);
  assert.equal(at, -1, `${label} first difference at byte ${at}`);
}

/** `length` bytes counting up from `seed`, so misplaced or stale bytes show. */
function pattern(length: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = (seed + i) & 0xff;
  return bytes;
}

const LARGE = COPY_LIMIT + 1;

interface TakeCase {
  name: string;
  writes: Write[];
  /** Lengths of the pieces take() returns, in order. */
  pieceLengths: number[];
  /** Indexes into `writes` of the large pieces that must be handed out as the same object. */
  byReference: number[];
}

const TAKE_CASES: TakeCase[] = [
  {
    name: "take() returns nothing when nothing was written",
    writes: [],
    pieceLengths: [],
    byReference: [],
  },
  {
    name: "take() coalesces small writes of every kind into one piece",
    writes: [
      { latin1: "HTTP/1.1 200 OK\r\n" },
      { bytes: new Uint8Array([0x41, 0x3a, 0x20, 0x31]) },
      { latin1: "\r\nContent-Length: " },
      { latin1: "7" },
      { latin1: "1234567" },
      { latin1: "\r\n\r\n" },
    ],
    pieceLengths: [17 + 4 + 18 + 1 + 7 + 4],
    byReference: [],
  },
  {
    name: "take() copies a piece of exactly COPY_LIMIT bytes",
    writes: [{ latin1: "head" }, { bytes: pattern(COPY_LIMIT, 1) }],
    pieceLengths: [4 + COPY_LIMIT],
    byReference: [],
  },
  {
    name: "take() hands out a piece over COPY_LIMIT by reference",
    writes: [{ bytes: pattern(LARGE, 2) }],
    pieceLengths: [LARGE],
    byReference: [0],
  },
  {
    name: "take() keeps the order of small and large pieces",
    writes: [
      { latin1: "head\r\n" },
      { latin1: "more" },
      { bytes: pattern(LARGE, 3) },
      { latin1: "between" },
      { bytes: pattern(LARGE + 5, 4) },
      { bytes: pattern(LARGE + 9, 5) },
      { latin1: "42" },
      { bytes: pattern(10, 6) },
    ],
    pieceLengths: [10, LARGE, 7, LARGE + 5, LARGE + 9, 12],
    byReference: [2, 4, 5],
  },
  {
    name: "take() ignores empty writes",
    writes: [{ bytes: new Uint8Array(0) }, { latin1: "" }, { latin1: "x" }],
    pieceLengths: [1],
    byReference: [],
  },
  {
    name: "take() continues in a new buffer when small writes overflow the old one",
    writes: [
      { bytes: pattern(COPY_LIMIT, 7) },
      { bytes: pattern(COPY_LIMIT - 1, 8) },
      { bytes: pattern(COPY_LIMIT, 9) },
      { latin1: "tail" },
    ],
    pieceLengths: [2 * COPY_LIMIT - 1, COPY_LIMIT + 4],
    byReference: [],
  },
  {
    name: "take() accepts a latin1 text longer than the whole buffer",
    writes: [{ latin1: "a" }, { latin1: "\xe9".repeat(5 * COPY_LIMIT) }, { latin1: "z" }],
    pieceLengths: [1, 5 * COPY_LIMIT, 1],
    byReference: [],
  },
];

for (const { name, writes, pieceLengths, byReference } of TAKE_CASES) {
  Deno.test(`OutputBuffer.${name}`, () => {
    const output = new OutputBuffer();
    for (const write of writes) apply(output, write);
    const expected = concat(writes.map(bytesOf));
    assert.equal(output.size, expected.length);
    const pieces = output.take();
    assert.deepEqual(pieces.map((piece) => piece.length), pieceLengths);
    assertSameBytes(concat(pieces), expected);
    for (const index of byReference) {
      const bytes = (writes[index] as { bytes: Uint8Array }).bytes;
      assert.ok(pieces.includes(bytes), `write ${index} is handed out as the same object`);
    }
    assert.equal(output.size, 0);
    output.release();
    assert.deepEqual(output.take(), []);
    output.release();
  });
}

Deno.test("OutputBuffer.writeLatin1() writes each character below U+0100 as one byte", () => {
  const cases: [string, number[]][] = [
    ["A: b\r\n", [0x41, 0x3a, 0x20, 0x62, 0x0d, 0x0a]],
    ["caf\xe9", [0x63, 0x61, 0x66, 0xe9]],
    ["\x00\x7f\x80\xff", [0x00, 0x7f, 0x80, 0xff]],
  ];
  for (const [text, bytes] of cases) {
    const output = new OutputBuffer();
    output.writeLatin1(text);
    assert.deepEqual([...concat(output.take())], bytes, JSON.stringify(text));
  }
});

Deno.test("OutputBuffer.take() pieces stay unchanged while more is written before release()", () => {
  const output = new OutputBuffer();
  output.writeLatin1("first response");
  output.writeBytes(pattern(COPY_LIMIT, 10));
  output.writeBytes(pattern(COPY_LIMIT - 100, 11));
  const first = output.take();
  const firstCopy = concat(first).slice();

  // Written while the first pieces are out, with nothing else pending: the first write
  // overflows the nearly full buffer at once, and the rest fill and overflow it again.
  const later: Uint8Array[] = [];
  for (let i = 0; i < 5; i++) {
    const bytes = pattern(COPY_LIMIT, 20 + i);
    later.push(bytes);
    output.writeBytes(bytes);
  }
  assertSameBytes(concat(first), firstCopy);

  output.release();
  const second = output.take();
  assertSameBytes(concat(first), firstCopy);
  assertSameBytes(concat(second), concat(later));
  output.release();
});

Deno.test("OutputBuffer.take() pieces stay unchanged when release() leaves bytes pending", () => {
  const output = new OutputBuffer();
  output.writeLatin1("one");
  const first = output.take();
  output.writeLatin1("two");
  // Released with "two" still pending: the buffer must not rewind under it.
  output.release();
  output.writeLatin1("three");
  assertSameBytes(concat(first), bytesOf({ latin1: "one" }));
  const second = output.take();
  assertSameBytes(concat(second), bytesOf({ latin1: "twothree" }));
  output.release();
});

Deno.test("OutputBuffer carries many take()/release() rounds of mixed writes in order", () => {
  const output = new OutputBuffer();
  const sent: Uint8Array[] = [];
  const expected: Uint8Array[] = [];
  // Sizes chosen to end pieces at, before and after the buffer's end on different rounds.
  const sizes = [1, 700, COPY_LIMIT, LARGE, 3000, COPY_LIMIT - 7, 2 * COPY_LIMIT, 5];
  for (let round = 0; round < 40; round++) {
    const writes: Write[] = [
      { latin1: `HTTP/1.1 200 OK\r\nContent-Length: ` },
      { latin1: String(round) },
      { latin1: "\r\n\r\n" },
      { bytes: pattern(sizes[round % sizes.length], round) },
    ];
    if (round % 3 === 0) writes.push({ bytes: pattern(sizes[(round + 3) % sizes.length], 99) });
    for (const write of writes) {
      apply(output, write);
      expected.push(bytesOf(write));
    }
    // Take on most rounds, let writes pile up on others, as pipelined answers do.
    if (round % 4 !== 1) {
      const pieces = output.take();
      const copy = concat(pieces).slice();
      apply(output, { latin1: "written while out" });
      expected.push(bytesOf({ latin1: "written while out" }));
      assertSameBytes(concat(pieces), copy, `round ${round}`);
      sent.push(copy);
      output.release();
    }
  }
  sent.push(concat(output.take()));
  output.release();
  assertSameBytes(concat(sent), concat(expected));
  assert.equal(output.size, 0);
});

Deno.test("OutputBuffers of many connections never write into bytes another has not released", () => {
  // Buffers go back to a shared pool on release(): one connection's answer must never land
  // in bytes another connection has taken and is still writing.
  const outputs = Array.from({ length: 8 }, () => new OutputBuffer());
  for (let round = 0; round < 20; round++) {
    const held: { pieces: Uint8Array[]; copy: Uint8Array; output: OutputBuffer }[] = [];
    for (const [index, output] of outputs.entries()) {
      apply(output, { bytes: pattern(500 + index * 300, round * 8 + index) });
      const pieces = output.take();
      held.push({ pieces, copy: concat(pieces).slice(), output });
      // Every other connection finishes at once, handing its buffer to the next one.
      if (index % 2 === 0) output.release();
    }
    for (const [index, { pieces, copy, output }] of held.entries()) {
      if (index % 2 === 1) {
        assertSameBytes(concat(pieces), copy, `round ${round}, connection ${index}`);
        output.release();
      }
    }
  }
  for (const output of outputs) assert.equal(output.size, 0);
});

Deno.test("OutputBuffer: a connection with nothing to send holds no buffer of its own", () => {
  // Seen from outside as: after release(), another connection's next answer reuses the
  // very memory (the warmest buffer), instead of every connection keeping 32 KiB.
  const first = new OutputBuffer();
  apply(first, { latin1: "first answer" });
  const [firstPiece] = first.take();
  first.release();
  const second = new OutputBuffer();
  apply(second, { latin1: "second" });
  const [secondPiece] = second.take();
  assert.equal(secondPiece.buffer, firstPiece.buffer);
  second.release();
});
