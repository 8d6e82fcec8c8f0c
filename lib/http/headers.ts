/**
 * The header fields of a parsed request, as views into the buffer they arrived in: four
 * offsets per field line, strings made only when someone asks. A lookup that misses compares
 * bytes and allocates nothing.
 */
import { decodeLatin1, equalsIgnoringAsciiCase } from "./latin1.ts";

/**
 * Views of the header fields: offsets into the buffer, decoded only when asked. A handler
 * reaches it as `req.headers`.
 *
 * @example Look up one field, or walk them all
 * ```ts
 * import type { Handler } from "@zhttp/zhttp";
 *
 * const inspect: Handler = (req, res) => {
 *   const agent = req.headers.get("user-agent") ?? "unknown"; // Names in lowercase.
 *   const lines = [...req.headers.entries()].map(([name, value]) => `${name}: ${value}`);
 *   res.end(`${agent}\n${lines.join("\n")}\n`);
 * };
 * ```
 */
export class HeaderTable {
  /** Number of field lines, in the order they were sent. */
  readonly count: number;
  readonly #buffer: Uint8Array;
  readonly #base: number;
  /** Per field line: name start, name end, value start, value end — relative to #base. */
  readonly #offsets: Int32Array;
  /** Index in #offsets of the first field line's entries. */
  readonly #first: number;

  /**
   * `offsets[first ...]` holds four entries per field line (name start, name end, value
   * start, value end, each relative to `base`), the value range already trimmed of OWS.
   * The parser hands every head its own region of one shared block rather than an array of
   * its own: a typed array allocation costs ~0.5 µs in Deno, a subarray view ~45 ns.
   * The table keeps the buffer by reference: it is valid while those bytes are untouched.
   */
  constructor(
    buffer: Uint8Array,
    base: number,
    offsets: Int32Array,
    first = 0,
    count: number = (offsets.length - first) >> 2,
  ) {
    this.#buffer = buffer;
    this.#base = base;
    this.#offsets = offsets;
    this.#first = first;
    this.count = count;
  }

  /** The name of field line `i` as sent (latin1), not lowercased. */
  name(i: number): string {
    this.#checkIndex(i);
    const at = this.#first + (i << 2);
    return decodeLatin1(
      this.#buffer,
      this.#base + this.#offsets[at],
      this.#base + this.#offsets[at + 1],
    );
  }

  /**
   * The value of field line `i`, without leading and trailing OWS, decoded as latin1
   * (bytes 0x80–0xFF become U+0080–U+00FF).
   */
  value(i: number): string {
    this.#checkIndex(i);
    const at = this.#first + (i << 2);
    return decodeLatin1(
      this.#buffer,
      this.#base + this.#offsets[at + 2],
      this.#base + this.#offsets[at + 3],
    );
  }

  /**
   * The value of the field called `name` (field names are case-insensitive, RFC 9110 §5.1;
   * pass it lowercase), or null. Several field lines with that name are joined with ", " in
   * the order sent, which RFC 9110 §5.3 says means the same as one line with the list.
   */
  get(name: string): string | null {
    const buffer = this.#buffer;
    const base = this.#base;
    const offsets = this.#offsets;
    const length = name.length;
    let joined: string | null = null;
    const last = this.#first + (this.count << 2);
    for (let at = this.#first; at < last; at += 4) {
      const nameStart = base + offsets[at];
      if (base + offsets[at + 1] - nameStart !== length) continue;
      if (!equalsIgnoringAsciiCase(buffer, nameStart, name)) continue;
      const value = decodeLatin1(buffer, base + offsets[at + 2], base + offsets[at + 3]);
      joined = joined === null ? value : `${joined}, ${value}`;
    }
    return joined;
  }

  /** Whether a field called `name` (case-insensitive; pass it lowercase) was sent. */
  has(name: string): boolean {
    const buffer = this.#buffer;
    const base = this.#base;
    const offsets = this.#offsets;
    const length = name.length;
    const last = this.#first + (this.count << 2);
    for (let at = this.#first; at < last; at += 4) {
      const nameStart = base + offsets[at];
      if (
        base + offsets[at + 1] - nameStart === length &&
        equalsIgnoringAsciiCase(buffer, nameStart, name)
      ) {
        return true;
      }
    }
    return false;
  }

  /** Every field line as [name as sent, value], in the order sent; repeats not joined. */
  *entries(): IterableIterator<[string, string]> {
    for (let i = 0; i < this.count; i++) yield [this.name(i), this.value(i)];
  }

  /** A standard `Headers` copy (names lowercased, repeats joined by `Headers` itself). */
  toHeaders(): Headers {
    const headers = new Headers();
    for (let i = 0; i < this.count; i++) headers.append(this.name(i), this.value(i));
    return headers;
  }

  #checkIndex(i: number): void {
    if (!(i >= 0 && i < this.count && Number.isInteger(i))) {
      throw new RangeError(`no field line ${i}: the head has ${this.count}`);
    }
  }
}
