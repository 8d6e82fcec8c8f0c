/**
 * The fetch adapter: mounts a handler written for `Deno.serve` (`Request` in, `Response`
 * out) on zhttp, unmodified.
 *
 * The `Request` is built from the parsed head: an absolute URL (the absolute-form target as
 * sent, RFC 9112 §3.2.2, else scheme + Host + target), the method, every field line in
 * order, and as its `signal` the request's own (`req.signal`), which aborts when the client
 * leaves, the connection times out or the server shuts down. Its body is a `ReadableStream`
 * that reads the connection only when the handler reads it, one piece at a time: a handler
 * that reads slowly makes the client wait (TCP backpressure), and a body of any size costs
 * one piece in memory.
 *
 * The `Response` is written as it comes: status, fields (each `Set-Cookie` on its own line),
 * then the body. A body that is complete at once (a string, bytes, JSON) leaves with a
 * Content-Length in one write; any other body is streamed chunk by chunk, each written as
 * soon as the handler's stream yields it (server-sent events flow event by event), with
 * backpressure, and its stream is cancelled when the client leaves or a write fails, so a
 * file opened for it is closed. A thrown error or a rejected promise goes to the server's
 * error policy (an HttpError answers its status; anything else is a 500).
 */
import type { Handler } from "../server/handler.ts";
import { concat } from "../http/bytes.ts";
import { HttpError } from "../http/errors.ts";
import type { ResponseWriter } from "../http/response.ts";
import type { HttpRequest } from "../server/request.ts";

/**
 * Bytes of a body collected to be sent whole, with a Content-Length, when its stream keeps
 * yielding chunks without waiting; beyond this, it is streamed.
 */
export const MAX_WHOLE_BODY_BYTES = 64 * 1024;

/**
 * Mounts a `Deno.serve` handler as a zhttp Handler: code written for `Deno.serve` runs on
 * zhttp as it is, behind zhttp's router and middleware. The second argument it gets is a
 * `Deno.ServeHandlerInfo`: `remoteAddr`, and `completed`, which resolves once the whole
 * response has been handed to the connection and rejects with `Deno.errors.Interrupted`
 * when it could not be (the client left, the handler failed).
 *
 * Differences from `Deno.serve`: the `Request` constructor upper-cases standard method
 * names (`get` → `GET`), and the methods it forbids (CONNECT, TRACE, TRACK) are answered 501
 * without calling the handler. `request.signal` is followed by `new Request(url, request)`,
 * not by `request.clone()`, `new Request(request)` or `fetch(request)`: pass
 * `{ signal: request.signal }` to those. A streamed response body must yield
 * `Uint8Array` chunks, as with `Deno.serve`. Request trailers (after a chunked body) are
 * read and dropped; a `Response` has none to send.
 *
 * @example Mount a Deno.serve handler on a route
 * ```ts
 * import { fetchHandler, Router, serve } from "@zhttp/zhttp";
 *
 * const api = fetchHandler(async (request, info) => {
 *   const { name } = await request.json();
 *   return Response.json({ hello: name, from: info.remoteAddr });
 * });
 * const router = new Router().post("/api/hello", api);
 * serve({ handler: router.handler(), port: 8080 });
 * ```
 */
export function fetchHandler<Addr extends Deno.Addr = Deno.Addr>(
  handler: Deno.ServeHandler<Addr>,
): Handler {
  return async (req, res) => {
    const body = RequestBody.of(req);
    const info = new ServeInfo<Addr>(req.remoteAddr as Addr);
    try {
      const response = await handler(toRequest(req, body), info);
      if (!(response instanceof Response)) {
        throw new TypeError("a fetch handler must return a Response");
      }
      await writeResponse(response, req, res);
      info.settle(true);
    } catch (error) {
      info.settle(false);
      throw error;
    } finally {
      await body?.detach();
    }
  };
}

/** Deno.ServeHandlerInfo, with `completed` made only when a handler asks for it. */
class ServeInfo<Addr extends Deno.Addr> implements Deno.ServeHandlerInfo<Addr> {
  readonly remoteAddr: Addr;
  #completed: PromiseWithResolvers<void> | null = null;
  #outcome: boolean | null = null;

  constructor(remoteAddr: Addr) {
    this.remoteAddr = remoteAddr;
  }

  get completed(): Promise<void> {
    if (this.#completed === null) {
      this.#completed = Promise.withResolvers<void>();
      // Deno.serve's promise never goes unhandled: only those who attach to it hear of a
      // failure.
      this.#completed.promise.catch(() => {});
      if (this.#outcome !== null) this.#settleCompleted(this.#outcome);
    }
    return this.#completed.promise;
  }

  settle(sent: boolean): void {
    if (this.#outcome !== null) return;
    this.#outcome = sent;
    if (this.#completed !== null) this.#settleCompleted(sent);
  }

  #settleCompleted(sent: boolean): void {
    if (sent) this.#completed!.resolve();
    else this.#completed!.reject(new Deno.errors.Interrupted("the response was not sent"));
  }
}

/** Methods the `Request` constructor refuses (Fetch standard, "forbidden method"). */
const FORBIDDEN_METHODS = new Set(["CONNECT", "TRACE", "TRACK"]);

/** The `Request` a fetch handler sees for `req`. */
function toRequest(req: HttpRequest, body: RequestBody | null): Request {
  const method = req.method;
  if (FORBIDDEN_METHODS.has(method.toUpperCase())) {
    throw new HttpError(501, "Not Implemented", { closeConnection: false });
  }
  // A GET without a body needs no init at all, which the Request constructor is quickest
  // with. `duplex` is what the Fetch standard asks of a streamed body; Deno's types lack it.
  const init: (RequestInit & { duplex?: "half" }) | undefined = body !== null
    ? { method, body: body.stream, duplex: "half" }
    : method === "GET"
    ? undefined
    : { method };
  let request;
  try {
    request = new ServerRequest(urlOf(req), init, req.signal);
  } catch (error) {
    // The parser checked the method, the fields and the target's syntax: what is left to
    // refuse is a Host that is no URL authority.
    if (error instanceof TypeError) {
      throw new HttpError(400, "Bad Request", { closeConnection: false });
    }
    throw error;
  }
  // Every field line, in order: repeated fields stay repeated (Headers joins them itself).
  // Appended to the Request's own Headers: given in the init, they are converted and then
  // copied into it.
  const headers = request.headers;
  const table = req.headers;
  for (let i = 0; i < table.count; i++) headers.append(table.name(i), table.value(i));
  return request;
}

/**
 * A Request whose `signal` is the server's own for it (req.signal), which aborts when the
 * client leaves, the connection times out or the server shuts down.
 *
 * Not `new Request(url, { signal })`: that makes a dependent signal (AbortSignal.any), whose
 * two WeakRefs cost 9–10 µs per request in Deno 2.9.6, GC included, twice what the rest of
 * the Request costs. The price: a Request derived with `new Request(request)` or
 * `request.clone()`, and `fetch(request)`, read the signal Deno keeps inside, which never
 * aborts; `new Request(url, request)` and `{ signal: request.signal }` read this one.
 */
class ServerRequest extends Request {
  readonly #signal: AbortSignal;

  constructor(url: string, init: RequestInit | undefined, signal: AbortSignal) {
    super(url, init);
    this.#signal = signal;
  }

  override get signal(): AbortSignal {
    return this.#signal;
  }
}

/**
 * The request's absolute URL, as Deno.serve makes it: an absolute-form target as sent (RFC
 * 9112 §3.2.2: it wins over Host), else scheme + Host + target (`OPTIONS *` gives `/*`), and
 * without a Host (HTTP/1.0), the address the client connected to.
 */
function urlOf(req: HttpRequest): string {
  const target = req.target;
  const form = req.head.targetForm;
  if (form === "absolute") return target;
  const origin = `${req.secure ? "https" : "http"}://${
    req.headers.get("host") || authorityOf(req.localAddr)
  }`;
  if (form === "asterisk") return `${origin}/*`;
  return origin + target;
}

/** `host:port` of a local address, IPv6 in brackets; "localhost" for a Unix socket. */
function authorityOf(addr: Deno.Addr): string {
  if (addr.transport !== "tcp") return "localhost";
  const host = addr.hostname.includes(":") ? `[${addr.hostname}]` : addr.hostname;
  return `${host}:${addr.port}`;
}

/**
 * A request body as a `ReadableStream` that pulls from the connection only when read
 * (highWaterMark 0: nothing is read ahead). Each piece is copied, as the connection reuses
 * its buffer on the next read. Once the response is done, the stream is detached: the
 * connection owns its buffer again, and a late read fails instead of reading the next
 * request's bytes.
 */
class RequestBody {
  readonly stream: ReadableStream<Uint8Array>;
  #detached = false;
  /** The connection read in progress, if any: the connection waits for it before going on. */
  #reading: Promise<unknown> | null = null;

  /** The body of `req`, or null for a request that has none (or a method that cannot). */
  static of(req: HttpRequest): RequestBody | null {
    if (req.head.bodyKind === "none") return null;
    const method = req.method;
    // The Request constructor refuses a body for GET and HEAD; the connection drops it.
    if (method === "GET" || method === "HEAD") return null;
    return new RequestBody(req);
  }

  private constructor(req: HttpRequest) {
    const source = req.body;
    this.stream = new ReadableStream({
      type: "bytes",
      pull: async (controller) => {
        if (this.#detached) throw new TypeError("the request body was read after its response");
        const reading = source.read();
        this.#reading = reading;
        let piece;
        try {
          piece = await reading;
        } finally {
          this.#reading = null;
        }
        if (piece === null) {
          controller.close();
          // A byte stream's pending read is only answered once respond() or close() was
          // called on its request.
          controller.byobRequest?.respond(0);
        } else {
          // A copy: enqueue() takes the buffer it is given, and this one is the connection's.
          controller.enqueue(piece.slice());
        }
      },
    }, { highWaterMark: 0 });
  }

  /** The response is done: stop handing out the connection's bytes. */
  async detach(): Promise<void> {
    this.#detached = true;
    // A read still in flight (a handler that answered before reading its body to the end)
    // must finish before the connection reads again; the body timeout bounds it.
    if (this.#reading !== null) await this.#reading.catch(() => {});
  }
}

/** What settleSoon() gives for a promise still pending after its microtasks. */
const NOT_YET = Symbol("not yet");
/**
 * How many microtasks a read may take and still count as answered at once. A `Response` made
 * from a string, bytes or JSON answers its first read in 2 and its last in 1 (Deno 2.9.6),
 * a Blob in 5 and 3. Waiting on microtasks never delays a chunk that waits for I/O or a
 * timer: those can only arrive after the microtask checkpoint ends.
 */
const SETTLE_MICROTASKS = 8;

/** The outcome of `promise` if it settles within SETTLE_MICROTASKS microtasks, else NOT_YET. */
async function settleSoon<T>(promise: Promise<T>): Promise<T | typeof NOT_YET> {
  let outcome: { value: T } | { error: unknown } | null = null;
  promise.then((value) => outcome = { value }, (error) => outcome = { error });
  for (let i = 0; i < SETTLE_MICROTASKS && outcome === null; i++) await undefined;
  // A variable set in a callback is invisible to the compiler's narrowing.
  const settled = outcome as { value: T } | { error: unknown } | null;
  if (settled === null) return NOT_YET;
  if ("error" in settled) throw settled.error;
  return settled.value;
}

type ReadResult = ReadableStreamReadResult<Uint8Array>;

/** Writes a fetch Response on `res`. */
async function writeResponse(
  response: Response,
  req: HttpRequest,
  res: ResponseWriter,
): Promise<void> {
  res.status = response.status;
  // Headers hands out repeated fields joined, except Set-Cookie, whose values it keeps apart
  // (Fetch standard, "sort and combine"): a cookie's Expires has a comma of its own, so
  // joined cookies could not be told apart (RFC 6265 §3). forEach() measured 4x faster
  // than iterating.
  response.headers.forEach((value, name) => res.appendHeader(name, value));
  const body = response.body;
  if (body === null) {
    res.end();
    return;
  }
  const pump = new BodyPump(body.getReader(), req.signal);
  try {
    await pump.send(res, req.method === "HEAD");
  } catch (error) {
    await pump.cancel(error);
    throw error;
  } finally {
    pump.stopWatching();
  }
}

/**
 * Reads a response body and writes it. Whether a body is complete is told by its stream:
 * one that has every chunk queued answers each read within a few microtasks, which a body
 * that waits for data (a file, an event source) never does. So telling the two apart never
 * delays a chunk: a read that is not settled by then means the chunks so far are sent.
 */
class BodyPump {
  readonly #reader: ReadableStreamDefaultReader<Uint8Array>;
  readonly #signal: AbortSignal;
  #watching = false;

  constructor(reader: ReadableStreamDefaultReader<Uint8Array>, signal: AbortSignal) {
    this.#reader = reader;
    this.#signal = signal;
  }

  async send(res: ResponseWriter, headRequest: boolean): Promise<void> {
    const pieces: Uint8Array[] = [];
    let total = 0;
    let next: Promise<ReadResult> | null = null;
    for (;;) {
      const read = this.#reader.read();
      const settled = await settleSoon(read);
      if (settled === NOT_YET) {
        // Not complete: a read that waits. Everything from here on streams.
        next = read;
        break;
      }
      if (settled.done) {
        res.end(pieces.length === 1 ? pieces[0] : concat(pieces));
        return;
      }
      const piece = chunkOf(settled.value);
      pieces.push(piece);
      total += piece.length;
      if (total > MAX_WHOLE_BODY_BYTES) break;
    }

    if (headRequest) {
      // HEAD: the head a GET would get (its framing included), and never a body.
      await this.cancel(null);
      await res.flushHeaders();
      res.end();
      return;
    }
    this.#watch();
    // The head goes out now, with what the body had so far: an event stream's client learns
    // that it is connected before the first event, as with Deno.serve.
    if (pieces.length === 0) await res.flushHeaders();
    for (const piece of pieces) await res.write(piece);
    pieces.length = 0;
    for (;;) {
      const result: ReadResult = await (next ?? this.#reader.read());
      next = null;
      if (this.#signal.aborted) throw this.#signal.reason;
      if (result.done) break;
      await res.write(chunkOf(result.value));
    }
    res.end();
  }

  /** Cancels the body's stream (closing a file it reads, say); never throws. */
  async cancel(reason: unknown): Promise<void> {
    try {
      await this.#reader.cancel(reason ?? undefined);
    } catch {
      // Already errored or closed: nothing is left open.
    }
  }

  /** From the first wait on: a client that leaves cancels the stream, and so the wait. */
  #watch(): void {
    if (this.#watching) return;
    this.#watching = true;
    if (this.#signal.aborted) this.#onAbort();
    else this.#signal.addEventListener("abort", this.#onAbort);
  }

  stopWatching(): void {
    if (this.#watching) this.#signal.removeEventListener("abort", this.#onAbort);
  }

  readonly #onAbort = (): void => {
    this.cancel(this.#signal.reason);
  };
}

/** A body chunk as bytes; Deno.serve accepts only Uint8Array chunks, and so does this. */
function chunkOf(value: unknown): Uint8Array {
  if (value instanceof Uint8Array) return value;
  throw new TypeError("a response body stream must yield Uint8Array chunks");
}
