/**
 * HtmlInjector: puts a snippet (the live-reload script tag) into an HTML page as it streams,
 * once: before the first `</body>` that is markup, or at the end when the page has none.
 * Pure: bytes in, bytes out, no I/O, so it is tested over pages split at every offset.
 *
 * "Markup" matters: a `</body>` inside a comment or inside a `<script>` or `<style>` (say a
 * string `"</body>"` in a script) is text, and a `<script>` tag put there would end the
 * script early and break the page. So the scan follows just enough of the HTML tokenizer
 * (WHATWG HTML §13.2.5) to skip comments and the raw text of script and style elements.
 * Tag names are matched in any ASCII case (`</BODY>`), and a tag name must end where HTML
 * ends one (space, `/` or `>`), so `</bodyx>` is not `</body>`.
 *
 * Bytes are passed on as they come, except a `<` near the end of a piece whose tag cannot
 * be told yet (`</bo` | `dy>`): those few bytes (eight at most, for `<script `) are held
 * until the next piece decides them. The output is always the input plus the snippet, in
 * order, so its length is known from the start: the input's length plus the snippet's.
 */

const LT = 0x3c;
const GT = 0x3e;
const SLASH = 0x2f;
const DASH = 0x2d;

// Scan states.
const DATA = 0;
const COMMENT = 1;
const RAW_TEXT = 2;
const DONE = 3;

const ASCII = new TextEncoder();
const BODY_END = ASCII.encode("/body");
const SCRIPT = ASCII.encode("script");
const STYLE = ASCII.encode("style");
const COMMENT_START = ASCII.encode("!--");
const SCRIPT_END = ASCII.encode("</script");
const STYLE_END = ASCII.encode("</style");

/** What the bytes after a `<` make of it. */
type TagStart = "body-end" | "comment" | "script" | "style" | "other" | "undecided";

/** Injects `snippet` once into one HTML page fed to it piece by piece. */
export class HtmlInjector {
  readonly #snippet: Uint8Array;
  #state = DATA;
  /** In RAW_TEXT: the end tag being looked for (`</script` or `</style`). */
  #rawEnd: Uint8Array = SCRIPT_END;
  /** In RAW_TEXT: how much of #rawEnd the last bytes matched (its length: a name ends next). */
  #rawMatched = 0;
  /** In COMMENT: dashes just before; `<!--` counts as two, so `<!-->` ends at once. */
  #dashes = 0;
  /** A `<` and what follows it, held back from the end of the last piece. */
  #held: Uint8Array | null = null;

  constructor(snippet: Uint8Array) {
    this.#snippet = snippet;
  }

  /** True once the snippet is in the output. */
  get injected(): boolean {
    return this.#state === DONE;
  }

  /**
   * Feeds the next piece of the page; returns what to send now, in order (views into
   * `piece`, bytes held from the last piece, the snippet). `piece` is not kept.
   */
  push(piece: Uint8Array): Uint8Array[] {
    if (this.#state === DONE) return piece.length === 0 ? [] : [piece];
    let data = piece;
    const held = this.#held;
    if (held !== null) {
      // Rare (a piece ended inside a tag's first bytes): one copy joins the two.
      data = new Uint8Array(held.length + piece.length);
      data.set(held);
      data.set(piece, held.length);
      this.#held = null;
    }
    return this.#scan(data, false);
  }

  /** The page ended: what is left to send, with the snippet if it has not been placed. */
  finish(): Uint8Array[] {
    const held = this.#held;
    this.#held = null;
    const out = held === null || this.#state === DONE ? [] : this.#scan(held, true);
    if (this.#state !== DONE) out.push(this.#snippet);
    this.#state = DONE;
    return out;
  }

  /** Scans `data` from the state left by the last piece; `final` when nothing follows. */
  #scan(data: Uint8Array, final: boolean): Uint8Array[] {
    const length = data.length;
    let i = 0;
    while (i < length) {
      if (this.#state === COMMENT) {
        i = this.#skipComment(data, i);
        continue;
      }
      if (this.#state === RAW_TEXT) {
        i = this.#skipRawText(data, i);
        continue;
      }
      const lt = data.indexOf(LT, i);
      if (lt < 0) break;
      const tag = tagStart(data, lt, final);
      if (tag === "undecided") {
        // Too few bytes to tell: keep them for the next piece, send what comes before.
        this.#held = data.slice(lt);
        return lt === 0 ? [] : [data.subarray(0, lt)];
      }
      if (tag === "body-end") {
        this.#state = DONE;
        const out = lt === 0 ? [] : [data.subarray(0, lt)];
        out.push(this.#snippet, data.subarray(lt));
        return out;
      }
      if (tag === "comment") {
        this.#state = COMMENT;
        this.#dashes = 2;
        i = lt + 1 + COMMENT_START.length;
      } else if (tag === "script" || tag === "style") {
        this.#state = RAW_TEXT;
        this.#rawEnd = tag === "script" ? SCRIPT_END : STYLE_END;
        this.#rawMatched = 0;
        // The name end (a space before attributes, or `>`) is where the raw text may start.
        i = lt + 1 + (tag === "script" ? SCRIPT : STYLE).length;
      } else {
        i = lt + 1;
      }
    }
    return length === 0 ? [] : [data];
  }

  /** Scans a comment for its end, `-->` (or `--->`); returns where it stopped. */
  #skipComment(data: Uint8Array, from: number): number {
    let dashes = this.#dashes;
    for (let i = from; i < data.length; i++) {
      const byte = data[i];
      if (byte === GT && dashes >= 2) {
        this.#state = DATA;
        this.#dashes = 0;
        return i + 1;
      }
      dashes = byte === DASH ? dashes + 1 : 0;
    }
    this.#dashes = dashes;
    return data.length;
  }

  /** Scans raw text for its end tag (`</script` then a name end); returns where it stopped. */
  #skipRawText(data: Uint8Array, from: number): number {
    const end = this.#rawEnd;
    let matched = this.#rawMatched;
    for (let i = from; i < data.length; i++) {
      const byte = data[i];
      if (matched === end.length) {
        if (endsTagName(byte)) {
          this.#state = DATA;
          this.#rawMatched = 0;
          return i;
        }
        matched = 0;
      }
      if (lower(byte) === end[matched]) matched++;
      else matched = byte === LT ? 1 : 0;
    }
    this.#rawMatched = matched;
    return data.length;
  }
}

/** The tags the scan looks for after a `<`, and whether a name end must follow. */
const CANDIDATES: readonly [Uint8Array, TagStart, boolean][] = [
  [COMMENT_START, "comment", false],
  [BODY_END, "body-end", true],
  [SCRIPT, "script", true],
  [STYLE, "style", true],
];

/**
 * Classifies the `<` at `lt` by the bytes after it, or says more bytes are needed to tell
 * (never when `final`: then what is there is all there is).
 */
function tagStart(data: Uint8Array, lt: number, final: boolean): TagStart {
  let short = false;
  for (const [name, kind, nameEnds] of CANDIDATES) {
    const match = matchAt(data, lt + 1, name, nameEnds);
    if (match === "yes") return kind;
    if (match === "short") short = true;
  }
  return short && !final ? "undecided" : "other";
}

/** Whether `name` (then a name end, if asked) is at `at`: yes, no, or too few bytes to tell. */
function matchAt(
  data: Uint8Array,
  at: number,
  name: Uint8Array,
  nameEnds: boolean,
): "yes" | "no" | "short" {
  const needed = name.length + (nameEnds ? 1 : 0);
  for (let k = 0; k < needed; k++) {
    if (at + k >= data.length) return "short";
    const byte = data[at + k];
    const fits = k < name.length ? lower(byte) === name[k] : endsTagName(byte);
    if (!fits) return "no";
  }
  return "yes";
}

/** A tag name ends at whitespace, `/` or `>` (WHATWG HTML §13.2.5.8, tag name state). */
function endsTagName(byte: number | undefined): boolean {
  return byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0c || byte === 0x0d ||
    byte === SLASH || byte === GT;
}

function lower(byte: number): number {
  return byte >= 0x41 && byte <= 0x5a ? byte | 0x20 : byte;
}
