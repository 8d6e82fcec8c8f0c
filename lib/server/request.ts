/**
 * HttpRequest: what a handler gets. A thin face over the parsed head (whose fields are views
 * into the connection's buffer, decoded only when asked), the body reader, and where the
 * request came from (addresses, TLS, an abort signal), asked of the connection only when a
 * handler wants them.
 */
import type { BodyReader } from "./body.ts";
import type { HeaderTable } from "../http/headers.ts";
import type { RequestHead } from "../http/parser.ts";

const DECODER = new TextDecoder();

/** Where a request came from, as the connection that read it knows. */
export interface RequestOrigin {
  /** The client's address. */
  readonly remoteAddr: Deno.Addr;
  /** The server's address the client connected to. */
  readonly localAddr: Deno.Addr;
  /** The connection is TLS. */
  readonly secure: boolean;
  /** Aborts when the client leaves, the connection times out or the server shuts down. */
  readonly signal: AbortSignal;
}

/**
 * A typed slot in which a middleware leaves something for the handlers after it (the user
 * an authentication middleware found, say): `const USER = new RequestKey<string>("user")`,
 * then `req.set(USER, name)` and `req.get(USER)`. Keys are compared by identity, so two
 * middlewares never collide on a name.
 *
 * @example The user a middleware found, for the handler after it
 * ```ts
 * import { type Handler, type Middleware, RequestKey } from "@zhttp/zhttp";
 *
 * const USER = new RequestKey<string>("user");
 * const identify: Middleware = (next) => (req, res) => {
 *   req.set(USER, req.headers.get("x-user") ?? "guest");
 *   return next(req, res);
 * };
 * const greet: Handler = (req, res) => res.end(`Hello, ${req.get(USER)}!\n`);
 * ```
 */
export class RequestKey<T> {
  /** What the slot holds, for debugging. */
  readonly description: string;
  /** Never set: it only carries the slot's type. */
  declare readonly type: T;

  /** A new slot, distinct from every other; `description` is only for debugging. */
  constructor(description: string) {
    this.description = description;
  }
}

/**
 * One request, as a handler sees it: method, target, headers and body, read lazily from
 * the connection's buffer; where it came from; an abort signal; slots for middleware.
 *
 * @example Read a JSON body and answer with where it came from
 * ```ts
 * import { type Handler, hostOf, HttpError } from "@zhttp/zhttp";
 *
 * const api: Handler = async (req, res) => {
 *   if (req.headers.get("content-type") !== "application/json") {
 *     throw new HttpError(415, "Unsupported Media Type", { closeConnection: false });
 *   }
 *   const order = JSON.parse(await req.text());
 *   res.setHeader("Content-Type", "application/json");
 *   res.end(JSON.stringify({ received: order, from: hostOf(req.remoteAddr) }));
 * };
 * ```
 */
export class HttpRequest {
  /** Route parameters (`/users/:id` → `{ id }`), percent-decoded once by the router. */
  params: Record<string, string> = {};

  readonly #head: RequestHead;
  readonly #body: BodyReader;
  readonly #origin: RequestOrigin;
  #path: string | undefined;
  #values: Map<RequestKey<unknown>, unknown> | null = null;

  /** Made by the connection for each request it reads. */
  constructor(head: RequestHead, body: BodyReader, origin: RequestOrigin) {
    this.#head = head;
    this.#body = body;
    this.#origin = origin;
  }

  /** The method as sent (case-sensitive, RFC 9110 §9.1): "GET", "POST"... */
  get method(): string {
    return this.#head.method;
  }

  /** The request-target exactly as sent (RFC 9112 §3.2), e.g. `/a%20b?x=1`. */
  get target(): string {
    return this.#head.target;
  }

  /** "HTTP/1.1" or "HTTP/1.0". */
  get version(): string {
    return this.#head.versionMinor === 1 ? "HTTP/1.1" : "HTTP/1.0";
  }

  /** 1 for HTTP/1.1, 0 for HTTP/1.0. */
  get versionMinor(): 0 | 1 {
    return this.#head.versionMinor;
  }

  /** The header fields; `get(name)` takes the name in lowercase. */
  get headers(): HeaderTable {
    return this.#head.headers;
  }

  /** The raw (still percent-encoded) path of the target, without the query. */
  get path(): string {
    if (this.#path === undefined) this.#path = pathOfTarget(this.#head.target);
    return this.#path;
  }

  /** The raw query after `?` (without it), or "" when there is none. */
  get query(): string {
    const target = this.#head.target;
    const mark = target.indexOf("?");
    return mark < 0 ? "" : target.slice(mark + 1);
  }

  /** The client's address: a `Deno.NetAddr` over TCP and TLS (see `hostOf()`). */
  get remoteAddr(): Deno.Addr {
    return this.#origin.remoteAddr;
  }

  /** The server's address the client connected to (which listener, which port). */
  get localAddr(): Deno.Addr {
    return this.#origin.localAddr;
  }

  /** True when the request came over TLS. */
  get secure(): boolean {
    return this.#origin.secure;
  }

  /**
   * Aborts when the answer is no longer wanted: the client disconnected, the connection
   * timed out (reason: a "TimeoutError" DOMException) or the server shut down before the
   * answer was done. A handler that waits on something slow should pass it on or watch it.
   */
  get signal(): AbortSignal {
    return this.#origin.signal;
  }

  /** What a middleware left under `key` for this request, if anything. */
  get<T>(key: RequestKey<T>): T | undefined {
    return this.#values?.get(key) as T | undefined;
  }

  /** Leaves `value` under `key` for the handlers that see this request after. */
  set<T>(key: RequestKey<T>, value: T): void {
    (this.#values ??= new Map()).set(key, value);
  }

  /** The parsed head, for code that needs the framing facts. */
  get head(): RequestHead {
    return this.#head;
  }

  /** The body reader (Content-Length or chunked); `read()` yields views until null. */
  get body(): BodyReader {
    return this.#body;
  }

  /** The whole body as bytes (bounded by the server's body size limit: 413 beyond it). */
  async bytes(): Promise<Uint8Array> {
    const pieces: Uint8Array[] = [];
    let total = 0;
    for (let piece = await this.#body.read(); piece !== null; piece = await this.#body.read()) {
      pieces.push(piece.slice());
      total += piece.length;
    }
    // Each piece had to be copied (views are reused by the next read); one needs no more.
    if (pieces.length === 1) return pieces[0];
    const all = new Uint8Array(total);
    let at = 0;
    for (const piece of pieces) {
      all.set(piece, at);
      at += piece.length;
    }
    return all;
  }

  /** The whole body decoded as UTF-8. */
  async text(): Promise<string> {
    return DECODER.decode(await this.bytes());
  }
}

/**
 * The path of a request-target: origin-form up to `?`; for absolute-form
 * (`http://host/p?q`, RFC 9112 §3.2.2) the path after the authority; "*" stays "*".
 */
export function pathOfTarget(target: string): string {
  let start = 0;
  if (target.charCodeAt(0) !== 0x2f /* "/" */ && target !== "*") {
    const scheme = target.indexOf("://");
    if (scheme >= 0) {
      const slash = target.indexOf("/", scheme + 3);
      const mark = target.indexOf("?", scheme + 3);
      if (slash < 0 || (mark >= 0 && mark < slash)) return "/";
      start = slash;
    }
  }
  const mark = target.indexOf("?", start);
  return mark < 0 ? (start === 0 ? target : target.slice(start)) : target.slice(start, mark);
}
