/**
 * RequestView: a request as a middleware hands it on with part of its head changed (another
 * target, header fields removed or replaced), the way the response side has
 * ResponseWrapper. Everything else is the original's: the body reader, the signal, the
 * addresses, and the slots (`get`/`set` reach the original's, so what one middleware leaves
 * is seen by all, whichever view they hold).
 *
 * The live-reload middleware uses it to translate conditional requests for a page it
 * changes, and the single-page-app fallback to ask the static handler for index.html.
 */
import { HeaderTable } from "../http/headers.ts";
import { HttpRequest, pathOfTarget, type RequestKey } from "./request.ts";

/** What a view changes: a new request-target, and fields by lowercase name (null removes). */
export interface RequestChanges {
  target?: string;
  headers?: Readonly<Record<string, string | null>>;
}

/** `original` with `changes` applied to its head. */
export class RequestView extends HttpRequest {
  readonly #original: HttpRequest;
  readonly #target: string;
  readonly #headers: HeaderTable;
  #path: string | undefined;

  constructor(original: HttpRequest, changes: RequestChanges) {
    super(original.head, original.body, original);
    this.#original = original;
    this.#target = changes.target ?? original.target;
    this.#headers = changes.headers === undefined
      ? original.headers
      : changedHeaders(original.headers, changes.headers);
  }

  /** The request-target this view has (the original's unless changed). */
  override get target(): string {
    return this.#target;
  }

  override get path(): string {
    return this.#path ??= pathOfTarget(this.#target);
  }

  override get query(): string {
    const mark = this.#target.indexOf("?");
    return mark < 0 ? "" : this.#target.slice(mark + 1);
  }

  /** The header fields with the changes made (`head.headers` keeps the fields as sent). */
  override get headers(): HeaderTable {
    return this.#headers;
  }

  override get<T>(key: RequestKey<T>): T | undefined {
    return this.#original.get(key);
  }

  override set<T>(key: RequestKey<T>, value: T): void {
    this.#original.set(key, value);
  }
}

/**
 * A new table: the original's fields in order, less every line named in `changes`, then the
 * replacements. Field lines are latin1 (RFC 9110 §5.5), so they are encoded back exactly.
 */
function changedHeaders(
  original: HeaderTable,
  changes: Readonly<Record<string, string | null>>,
): HeaderTable {
  const fields: [string, string][] = [];
  for (const [name, value] of original.entries()) {
    if (!Object.hasOwn(changes, name.toLowerCase())) fields.push([name, value]);
  }
  for (const [name, value] of Object.entries(changes)) {
    if (value !== null) fields.push([name, value]);
  }
  const size = fields.reduce((sum, [name, value]) => sum + name.length + value.length, 0);
  const buffer = new Uint8Array(size);
  const offsets = new Int32Array(fields.length * 4);
  let at = 0;
  fields.forEach(([name, value], i) => {
    offsets[i * 4] = at;
    at = writeLatin1(buffer, at, name);
    offsets[i * 4 + 1] = at;
    offsets[i * 4 + 2] = at;
    at = writeLatin1(buffer, at, value);
    offsets[i * 4 + 3] = at;
  });
  return new HeaderTable(buffer, 0, offsets);
}

/** Writes `text` as latin1 bytes at `at`; returns the end. Throws for other characters. */
function writeLatin1(buffer: Uint8Array, at: number, text: string): number {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code > 0xff) throw new TypeError(`a header field must be latin1: ${JSON.stringify(text)}`);
    buffer[at + i] = code;
  }
  return at + text.length;
}
