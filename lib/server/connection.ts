/**
 * One client connection: read into one reused buffer, parse heads in place, dispatch, keep
 * the connection alive (RFC 9112 §9), answer pipelined requests in order with their
 * responses batched into one write, and enforce a deadline on every wait. The socket is a
 * Transport (transport.ts): TCP, TLS and Unix sockets are served alike.
 *
 * The read buffer is owned here. A request's head stays where it was parsed for as long as
 * its handler runs (its fields are views into the buffer); the body is read into the space
 * after it, and bytes of a following request stay where they are until the next parse.
 */
import { getLogger } from "@logtape/logtape";
import { BodyReader, type BufferedSource } from "./body.ts";
import { answerError } from "./answer_error.ts";
import type { Handler } from "./handler.ts";
import { HttpError } from "../http/errors.ts";
import { serverAndDateLines } from "../http/field_lines.ts";
import { OutputBuffer } from "../http/output.ts";
import { HeadParser, type ParserLimits, type RequestHead } from "../http/parser.ts";
import {
  endWithStatus,
  Http1ResponseWriter,
  type ResponseChannel,
  type ResponseContext,
} from "../http/response.ts";
import { type ReadGate, ReadPermit } from "./read_gate.ts";
import { HttpRequest, type RequestOrigin } from "./request.ts";
import type { Transport } from "./transport.ts";

/**
 * How long each kind of wait may last, in milliseconds (DEFAULT_TIMEOUTS). A client that
 * trickles its request (slowloris) or stops reading the answer is cut off, not waited for.
 *
 * @example Short deadlines for a server behind a proxy on the same host
 * ```ts
 * import { hello, serve, type Timeouts } from "@zhttp/zhttp";
 *
 * const timeouts: Partial<Timeouts> = { headMs: 2_000, idleMs: 60_000 };
 * serve({ handler: hello, timeouts });
 * ```
 */
export interface Timeouts {
  /** From the first byte of a request (or from accept) until its head is complete → 408. */
  headMs: number;
  /** Between requests on a kept-alive connection with nothing received → silent close. */
  idleMs: number;
  /** Without any progress while a request body is being read → 408 (or close). */
  bodyMs: number;
  /** Without any progress while writing to a client that stopped reading → close. */
  writeMs: number;
}

/**
 * The size limits a connection enforces on requests: the head's (DEFAULT_PARSER_LIMITS),
 * 414 or 431 beyond them, and the body's (DEFAULT_MAX_BODY_BYTES), 413 beyond it.
 *
 * @example Small heads and bodies only
 * ```ts
 * import { type ConnectionLimits, echoBody, serve } from "@zhttp/zhttp";
 *
 * const limits: Partial<ConnectionLimits> = { maxHeaderBytes: 4096, maxBodyBytes: 64 * 1024 };
 * serve({ handler: echoBody, limits });
 * ```
 */
export interface ConnectionLimits extends ParserLimits {
  /** Request bodies larger than this get 413. */
  maxBodyBytes: number;
}

/** What a connection is given by the server that accepted it. */
export interface ConnectionOptions {
  handler: Handler;
  limits: ConnectionLimits;
  timeouts: Timeouts;
  /** The time deadlines are measured on (see StallClock). */
  clock: () => number;
  /** Shared by the server's connections: head reads take turns when it is saturated. */
  readGate: ReadGate;
  /** The transport is TLS (requests are `https`). */
  secure?: boolean;
}

/** First size of a connection's read buffer: enough for typical heads and pipelined bursts. */
const INITIAL_BUFFER_BYTES = 16 * 1024;
/**
 * A request body left unread by its handler is read and dropped up to this many bytes so the
 * connection can serve the next request; a larger rest costs more than a new connection, so
 * the connection closes instead (like nginx's lingering, but bounded).
 */
export const MAX_DRAIN_BYTES = 256 * 1024;
/** Below this much free space after a head, a body read moves to a fresh buffer. */
const MIN_BODY_ROOM = 4 * 1024;
/** Pipelined answers are sent once this much output has accumulated, even mid-batch. */
const FLUSH_THRESHOLD = 64 * 1024;

/** Where a connection is in its life; the server uses this to pick idle ones to close. */
export type ConnectionState = "idle" | "head" | "active" | "lingering" | "closed";

/** How long, and how many bytes, a closing connection reads and drops (see #linger). */
const LINGER_MS = 2000;
/**
 * How long a connection that shuts down after its last answer waits for the client's end
 * (see serve()): long enough for the data to leave, short enough that no shutdown waits
 * on clients that keep their connection open (a browser's, an event stream's).
 */
const SHUTDOWN_LINGER_MS = 300;
const MAX_LINGER_BYTES = 4 * 1024 * 1024;

/** Why a connection closed, as a request's `signal.reason` tells its handler. */
export const CLIENT_GONE = "the client disconnected";
export const TIMED_OUT = "the connection timed out";
export const SHUT_DOWN = "the server shut down before the request was answered";

const logger = getLogger(["zhttp", "connection"]);
const NOTHING_TO_WRITE = Promise.resolve();
const CONTINUE_BYTES = new TextEncoder().encode("HTTP/1.1 100 Continue\r\n\r\n");

/** One client, served request after request until it leaves or a deadline passes. */
export class Connection implements BufferedSource, ResponseChannel {
  readonly output = new OutputBuffer();
  buffer: Uint8Array = new Uint8Array(INITIAL_BUFFER_BYTES);
  position = 0;
  end = 0;

  readonly #conn: Transport;
  readonly #secure: boolean;
  readonly #handler: Handler;
  readonly #limits: ConnectionLimits;
  readonly #timeouts: Timeouts;
  readonly #parser: HeadParser;
  readonly #maxHeadBufferBytes: number;
  readonly #now: () => number;
  readonly #readGate: ReadGate;
  readonly #readPermit = new ReadPermit();

  #state: ConnectionState = "idle";
  #closed = false;
  /** Why the connection closed (see close()), once it has. */
  #closeReason: string | null = null;
  /** Set by drain(): finish the request in flight, then close. */
  #draining = false;
  /** Requests completed on this connection. */
  #served = 0;
  /** When the idle connection began waiting, for picking the longest idle one. */
  #idleSince = 0;
  /** Read and write deadlines (ms since epoch, 0 = none), enforced by the server's sweep. */
  #readDeadline = 0;
  #writeDeadline = 0;
  /**
   * The write in progress, so that writes never interleave their bytes. It never rejects: a
   * failed write closes the connection and is kept in #writeFailure for flush() to report.
   */
  #writing: Promise<void> | null = null;
  #writeFailure: Error | null = null;
  /** The Server and Date lines as of the last read. */
  #readDate: Uint8Array = serverAndDateLines();
  /** True while a handler is running its synchronous part. */
  #answeringSynchronously = false;
  /** Resolved by close(). */
  readonly #closedSignal = Promise.withResolvers<void>();
  /** The request being answered, for 100-continue. */
  #exchange: Exchange | null = null;
  /** The client may still be sending (a refused or unread request): linger before closing. */
  #lingerOnClose = false;
  /**
   * A read started while a slow handler runs, to notice a client that leaves meanwhile
   * (see #watchClient); resolves false when the client is gone. Null when none is pending.
   */
  #watching: Promise<boolean> | null = null;
  /** The client closed its side while its request was being answered. */
  #clientLeft = false;
  /** When a handler whose client left is given up on (0 = not set). */
  #orphanDeadline = 0;

  constructor(conn: Transport, options: ConnectionOptions) {
    this.#conn = conn;
    this.#secure = options.secure === true;
    this.#handler = options.handler;
    this.#limits = options.limits;
    this.#timeouts = options.timeouts;
    this.#parser = new HeadParser(options.limits);
    this.#now = options.clock;
    this.#readGate = options.readGate;
    // Room for the largest head the limits allow, plus the CRLFs around it.
    this.#maxHeadBufferBytes = options.limits.maxRequestLineBytes +
      options.limits.maxHeaderBytes + 1024;
    this.#idleSince = this.#now();
    this.#readDeadline = this.#idleSince + this.#timeouts.headMs;
  }

  get state(): ConnectionState {
    return this.#state;
  }

  /** Resolves once the socket is closed, even while a handler that ignores that still runs. */
  get closed(): Promise<void> {
    return this.#closedSignal.promise;
  }

  /** When this connection became idle (only meaningful in the "idle" state). */
  get idleSince(): number {
    return this.#idleSince;
  }

  /** Serves requests until the client leaves, an error, a timeout or a drain. Never throws. */
  async serve(): Promise<void> {
    const gate = this.#readGate;
    const permit = this.#readPermit;
    try {
      while (!this.#closed) {
        // A pipelined request already in the buffer is answered without waiting on a read,
        // and a synchronous handler without a single promise.
        let head = this.#parser.parse(this.buffer, this.position, this.end);
        // The read loop lives here rather than in an async helper: every async layer costs a
        // promise and a microtask per request.
        while (head === null) {
          if (this.#clientLeft) break;
          // A client that sends requests without reading the answers must not make the
          // output grow: with a write still in flight, wait for it before reading more.
          if (this.#writing !== null && this.output.size > 0) await this.#writing;
          if (this.#watching !== null) {
            // The read that watched the client during a slow answer is this read.
            this.#startWriting();
            if (!await this.#watching) break;
            head = this.#parser.parse(this.buffer, this.position, this.end);
            continue;
          }
          const into = this.#prepareRead();
          if (into === null) break;
          const turn = gate.enter(permit);
          if (turn !== undefined) await turn;
          // No try/finally for the permit: a failed read ends up in close(), which returns it.
          const read = await this.#conn.read(into);
          gate.leave(permit);
          if (read === null) break;
          this.end += read;
          this.#readDate = serverAndDateLines();
          head = this.#parser.parse(this.buffer, this.position, this.end);
        }
        if (head === null) break;
        const answered = this.#answer(head);
        if (typeof answered !== "boolean") {
          if (!await answered) break;
        } else if (!answered) {
          break;
        } else if (gate.waiting > 0) {
          // Saturated (clients queue at the read gate), and this request was answered
          // synchronously. The connections whose reads completed in this turn resume in one
          // wave of microtasks; stepping back one microtask puts this connection's next read
          // behind the rest of its wave. Measured at 1000 connections (1 KiB file, p99):
          // no step 94–130 ms, one step 55–122 ms, two 0.8–1.5 s, three about 1 s.
          await undefined;
        }
      }
      if (!this.#closed) await this.flush();
      // Shutting down after an answer: a close right after the last write can lose its tail
      // where writes complete before the data has left (seen under Wine, where the process
      // exits next: 3 of 8 runs lost a download's last ~200 KB; ending our side alone, 1 of
      // 6). Ending our side and lingering briefly for the client's end keeps it (0 of 8).
      if (this.#draining && this.#served > 0 && !this.#closed) {
        await this.#linger(SHUTDOWN_LINGER_MS);
      }
    } catch (error) {
      await this.#answerError(error);
    } finally {
      if (this.#lingerOnClose && !this.#closed) await this.#linger();
      this.close();
    }
  }

  /**
   * Graceful shutdown: an idle connection closes now; a busy one finishes its request, with
   * `Connection: close`, then closes.
   */
  drain(): void {
    this.#draining = true;
    if (this.#state === "idle") this.close();
  }

  /**
   * Closes the socket at once; a pending read or write fails and serve() ends. A handler
   * still running sees its request's signal abort, with `reason` (CLIENT_GONE, TIMED_OUT,
   * SHUT_DOWN) as the message.
   */
  close(reason: string = CLIENT_GONE): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#closeReason = reason;
    this.#state = "closed";
    this.#closedSignal.resolve();
    this.#exchange?.abort(reason);
    this.#readGate.withdraw(this.#readPermit);
    try {
      this.#conn.close();
    } catch {
      // Already closed by the peer or the runtime: nothing left to release.
    }
  }

  /**
   * Called by the server's sweep: acts on a deadline that has passed, and starts watching
   * the client of a handler that has been running since the last sweep.
   */
  enforceDeadlines(now: number): void {
    if (this.#closed) return;
    if (this.#writeDeadline !== 0 && now >= this.#writeDeadline) {
      logger.debug("closing a connection whose client stopped reading");
      this.close(TIMED_OUT);
    } else if (this.#readDeadline !== 0 && now >= this.#readDeadline) {
      this.#readTimedOut();
    } else if (this.#orphanDeadline !== 0 && now >= this.#orphanDeadline) {
      logger.debug("closing a connection whose client left while its request was answered");
      this.close(CLIENT_GONE);
    } else if (this.#exchange !== null && this.#watching === null && !this.#clientLeft) {
      // Seen by two sweeps in a row: a slow answer (a handler waiting on something, or hung).
      if (this.#exchange.seenBySweep) this.#watchClient(now);
      else this.#exchange.seenBySweep = true;
    }
  }

  // ── BufferedSource, for request bodies ────────────────────────────────────────────────

  async fill(floor: number): Promise<boolean> {
    if (this.buffer !== this.#exchange?.head.buffer) floor = 0;
    if (this.end === this.buffer.length) {
      if (this.position > floor) {
        this.buffer.copyWithin(floor, this.position, this.end);
        this.end -= this.position - floor;
        this.position = floor;
      }
      if (this.buffer.length - this.end < MIN_BODY_ROOM) {
        // The head fills the buffer: read the body into a fresh one and keep the head's.
        const fresh = new Uint8Array(INITIAL_BUFFER_BYTES);
        fresh.set(this.buffer.subarray(this.position, this.end));
        this.end -= this.position;
        this.position = 0;
        this.buffer = fresh;
      }
    }
    this.#readDeadline = this.#now() + this.#timeouts.bodyMs;
    const read = await this.#conn.read(this.buffer.subarray(this.end));
    this.#readDeadline = 0;
    if (read === null) return false;
    this.end += read;
    return true;
  }

  async beforeFirstWait(): Promise<void> {
    const exchange = this.#exchange;
    // RFC 9110 §10.1.1: 100 Continue only to HTTP/1.1 clients that asked, and only once the
    // body is wanted; never after the final response has started.
    if (
      exchange !== null && exchange.head.expectContinue && exchange.versionMinor === 1 &&
      !exchange.response?.headersSent
    ) {
      exchange.continueSent = true;
      this.output.writeBytes(CONTINUE_BYTES);
      await this.flush();
    }
  }

  // ── ResponseChannel, for the ResponseWriter ───────────────────────────────────────────

  /**
   * Sends what is queued and resolves once it is written; rejects if the connection could
   * not write it (and is closed).
   */
  flush(): Promise<void> {
    this.#startWriting();
    if (this.#writing !== null) return this.#writing.then(this.#reportWriteFailure);
    return this.#writeFailure === null ? NOTHING_TO_WRITE : Promise.reject(this.#writeFailure);
  }

  readonly #reportWriteFailure = (): void => {
    if (this.#writeFailure !== null) throw this.#writeFailure;
  };

  /**
   * There is one writer at a time, and it writes until nothing is queued: bytes queued while
   * it runs are sent by it (it looks again before it stops). Nobody needs to wait for it, and
   * it never rejects, so starting one costs no promise besides its own.
   */
  #startWriting(): void {
    if (this.#writing !== null || this.output.size === 0 || this.#writeFailure !== null) return;
    // #writeOut always awaits a socket write before it clears #writing, so the assignment
    // below happens first.
    this.#writing = this.#writeOut();
  }

  serverAndDateLines(): Uint8Array {
    // A head written while the handler runs synchronously belongs to the read that brought
    // the request, microseconds ago: its Date serves all the pipelined answers of that read
    // (one clock read per read, not per response). Later heads take the time afresh.
    return this.#answeringSynchronously ? this.#readDate : serverAndDateLines();
  }

  // ── The request loop ─────────────────────────────────────────────────────────────────

  /**
   * Before reading more of a head (none is complete in the buffer): sends what is queued,
   * sets the state and its deadline, and returns where the read goes. Null when draining.
   */
  #prepareRead(): Uint8Array | null {
    // Nothing more to answer before the client sends more: send what is queued, and read
    // while it is being written rather than after, which saves a turn of the event loop per
    // request.
    this.#startWriting();
    if (this.position === this.end) {
      if (this.#draining) return null;
      this.position = this.end = 0;
      if (this.#state !== "idle") {
        this.#state = "idle";
        this.#idleSince = this.#now();
        this.#readDeadline = this.#idleSince +
          (this.#served === 0 ? this.#timeouts.headMs : this.#timeouts.idleMs);
      }
      return this.buffer;
    }
    this.#makeRoomForHead();
    if (this.#state !== "head") {
      // The head timeout runs from its first byte, not per read: a client trickling one
      // byte at a time (slowloris) still runs out of time.
      this.#state = "head";
      this.#readDeadline = this.#now() + this.#timeouts.headMs;
    }
    return this.buffer.subarray(this.end);
  }

  /**
   * Answers one request: whether the connection may serve another, as a plain boolean when
   * everything happened synchronously (the common case), else as a promise.
   */
  #answer(head: RequestHead): boolean | Promise<boolean> {
    this.#state = "active";
    this.#readDeadline = 0;
    this.position = head.end;

    const exchange = new Exchange(head, head.keepAlive && !this.#draining, this);
    const response = new Http1ResponseWriter(this, exchange);
    exchange.response = response;
    this.#exchange = exchange;
    let result;
    try {
      const body = head.bodyKind === "none" ? BodyReader.NONE : new BodyReader(this, {
        kind: head.bodyKind,
        contentLength: head.contentLength,
        start: head.end,
      }, this.#limits);
      exchange.body = body;
      const request = new HttpRequest(head, body, exchange);
      this.#answeringSynchronously = true;
      try {
        result = this.#handler(request, response);
      } finally {
        this.#answeringSynchronously = false;
      }
    } catch (error) {
      return this.#answerFailed(error, response);
    }
    if (result instanceof Promise) {
      return result.then(
        () => this.#complete(exchange, response),
        (error) => this.#answerFailed(error, response),
      );
    }
    return this.#complete(exchange, response);
  }

  /** The handler returned: end the response if it did not, then settle the connection. */
  #complete(exchange: Exchange, response: Http1ResponseWriter): boolean | Promise<boolean> {
    if (!response.ended) {
      try {
        response.end();
      } catch (error) {
        return this.#answerFailed(error, response);
      }
    }
    this.#exchange = null;
    return this.#settle(exchange, response);
  }

  /** The handler (or ending its response) threw. */
  #answerFailed(error: unknown, response: Http1ResponseWriter): boolean | Promise<boolean> {
    const exchange = this.#exchange!;
    if (this.#closed) {
      this.#exchange = null;
      return false;
    }
    const mayContinue = this.#answerFailedExchange(error, response);
    this.#exchange = null;
    if (!mayContinue) {
      this.#lingerOnClose = true;
      return this.#finish(false);
    }
    return this.#settle(exchange, response);
  }

  /**
   * After the response: a body the handler left unread is drained (small) or the connection
   * closes; then it stays open if the response said so.
   */
  #settle(exchange: Exchange, response: Http1ResponseWriter): boolean | Promise<boolean> {
    const keepAlive = response.keepAlive && !response.incomplete && !this.#draining;
    const body = exchange.body;
    if (body === null || body.done) {
      this.#served++;
      return this.#finish(keepAlive);
    }
    if (!keepAlive) {
      this.#lingerOnClose = true;
      return this.#finish(false);
    }
    return this.#drainBody(body).then((drained) => {
      if (!drained) this.#lingerOnClose = true;
      else this.#served++;
      return this.#finish(drained);
    });
  }

  /**
   * Completes an exchange: the output waits for the answers to pipelined requests already
   * buffered (one write for all), unless the connection closes or much is queued.
   */
  #finish(keepAlive: boolean): boolean | Promise<boolean> {
    if (!keepAlive || this.output.size >= FLUSH_THRESHOLD) {
      return this.flush().then(() => keepAlive);
    }
    return keepAlive;
  }

  /** Turns an error thrown while answering into a response (answer_error.ts). */
  #answerFailedExchange(error: unknown, response: Http1ResponseWriter): boolean {
    const head = this.#exchange?.head;
    return answerError(error, response, {
      method: head?.method ?? "-",
      target: head?.target ?? "-",
    });
  }

  /** Reads and drops the rest of an unread body, within MAX_DRAIN_BYTES and the timeout. */
  async #drainBody(body: BodyReader): Promise<boolean> {
    const limit = body.bytesRead + MAX_DRAIN_BYTES;
    try {
      while (!body.done) {
        if (body.bytesRead > limit || this.#closed) return false;
        await body.read();
      }
      return true;
    } catch {
      return false;
    }
  }

  /** Answers an error raised outside any handler (parser errors): status, then close. */
  async #answerError(error: unknown): Promise<void> {
    if (this.#closed) return;
    this.#lingerOnClose = true;
    if (error instanceof HttpError) {
      logger.debug("bad request: {status} {message}", {
        status: error.status,
        message: error.message,
      });
      this.#queueErrorResponse(error.status, true, null);
    } else if (!isDisconnect(error)) {
      logger.error("connection failed: {error}", { error });
      if (this.#state !== "active") this.#queueErrorResponse(500, true, null);
    }
    try {
      await this.flush();
    } catch {
      // The client is gone; nothing more to tell it.
    }
  }

  /** Queues an error response, through the exchange's writer when there is one. */
  #queueErrorResponse(
    status: number,
    close: boolean,
    response: Http1ResponseWriter | null,
  ): void {
    const writer = response ?? new Http1ResponseWriter(this, {
      headRequest: false,
      versionMinor: 1,
      keepAlive: false,
    });
    endWithStatus(writer, status, close);
  }

  /**
   * Closes our side for writing and reads (and drops) what the client still sends, for a
   * bounded time and amount, before the full close. Closing with unread input makes the
   * kernel send a reset, and a client that is still sending would then lose the error
   * response it was about to read (nginx's lingering close does the same).
   */
  async #linger(ms: number = LINGER_MS): Promise<void> {
    this.#state = "lingering";
    try {
      await this.#conn.closeWrite();
      this.#readDeadline = this.#now() + ms;
      let dropped = 0;
      while (dropped < MAX_LINGER_BYTES && !this.#closed) {
        const read = await this.#conn.read(this.buffer);
        if (read === null) break;
        dropped += read;
      }
    } catch {
      // The client is gone or the deadline closed the socket: either way, done.
    }
  }

  /**
   * Reads while a slow handler runs, so that a client leaving is noticed at once: its
   * request's signal aborts, and the connection no longer waits on the handler for ever
   * (it closes after the idle timeout if the handler does not finish; a client that only
   * half-closed still gets an answer given in that time). Bytes that arrive are kept: they
   * are the client's next requests. Go's net/http does the same (its "background read").
   * Only once the body is read (the handler owns the buffer until then) and only for slow
   * answers: fast ones are read after as usual, through the read gate.
   */
  #watchClient(now: number): void {
    const exchange = this.#exchange!;
    if (!exchange.bodyDone) return;
    const buffer = this.buffer;
    const into = buffer.subarray(this.end);
    if (into.length === 0) return;
    const watching = this.#conn.read(into).then((read) => {
      this.#watching = null;
      if (read === null) {
        this.#noticeClientLeft(now);
        return false;
      }
      // Nothing moves the buffer while a handler runs with its body read.
      if (buffer === this.buffer) this.end += read;
      if (this.#exchange === exchange && !this.#closed) this.#watchClient(now);
      return true;
    }, () => {
      this.#watching = null;
      this.close(CLIENT_GONE);
      return false;
    });
    this.#watching = watching;
  }

  /** The client closed its side while its request was being answered. */
  #noticeClientLeft(now: number): void {
    this.#clientLeft = true;
    const exchange = this.#exchange;
    if (exchange === null) return;
    exchange.keepAlive = false;
    exchange.abort(CLIENT_GONE);
    this.#orphanDeadline = now + this.#timeouts.idleMs;
  }

  /** Makes room after `end` for more of a head: move it down, or grow up to the head limit. */
  #makeRoomForHead(): void {
    if (this.end < this.buffer.length) return;
    if (this.position > 0) {
      this.buffer.copyWithin(0, this.position, this.end);
      this.end -= this.position;
      this.position = 0;
    } else if (this.buffer.length < this.#maxHeadBufferBytes) {
      const grown = new Uint8Array(Math.min(this.buffer.length * 2, this.#maxHeadBufferBytes));
      grown.set(this.buffer.subarray(0, this.end));
      this.buffer = grown;
    } else {
      // The parser enforces limits smaller than this buffer, so this cannot happen.
      throw new HttpError(431, "Request Header Fields Too Large");
    }
  }

  /**
   * Writes everything queued, piece by piece, each write under the write deadline. One
   * async function, not one per piece: each layer costs a promise per response. A failure
   * means the client is gone: the connection closes (so a pending read ends too).
   */
  async #writeOut(): Promise<void> {
    const conn = this.#conn;
    try {
      while (this.output.size > 0) {
        const pieces = this.output.take();
        try {
          for (const piece of pieces) {
            for (let written = 0; written < piece.length;) {
              this.#writeDeadline = this.#now() + this.#timeouts.writeMs;
              written += await conn.write(written === 0 ? piece : piece.subarray(written));
            }
          }
          this.#writeDeadline = 0;
        } finally {
          this.output.release();
        }
      }
    } catch (error) {
      this.#writeFailure = error instanceof Error ? error : new Error(String(error));
      this.close();
    } finally {
      this.#writing = null;
    }
  }

  /** A read deadline passed: idle connections just close; a partial request gets 408. */
  #readTimedOut(): void {
    const state = this.#state;
    this.#readDeadline = 0;
    if (state === "idle" || state === "lingering") {
      this.close(TIMED_OUT);
      return;
    }
    if (state === "active" && this.#exchange?.response?.headersSent) {
      this.close(TIMED_OUT);
      return;
    }
    // RFC 9110 §15.5.9: 408 tells the client why; then the connection closes.
    this.#state = "closed";
    const writer = this.#exchange?.response ?? null;
    this.#queueErrorResponse(408, true, writer);
    this.#writeDeadline = this.#now() + this.#timeouts.writeMs;
    this.flush().catch(() => {}).finally(() => this.close(TIMED_OUT));
  }

  // ── RequestOrigin, for the requests' addresses (through their Exchange) ──────────────

  get remoteAddr(): Deno.Addr {
    return this.#conn.remoteAddr;
  }

  get localAddr(): Deno.Addr {
    return this.#conn.localAddr;
  }

  get secure(): boolean {
    return this.#conn.secure ?? this.#secure;
  }

  /** Why the connection closed, or null while it is open. */
  get closeReason(): string | null {
    return this.#closeReason;
  }
}

/**
 * One request and its response, as the connection tracks them. Also the ResponseContext
 * (whether the connection stays open is decided when the response head is written) and the
 * request's origin: its addresses and its abort signal, made only when a handler asks.
 */
class Exchange implements ResponseContext, RequestOrigin {
  readonly head: RequestHead;
  readonly headRequest: boolean;
  readonly versionMinor: 0 | 1;
  response: Http1ResponseWriter | null = null;
  body: BodyReader | null = null;
  continueSent = false;
  /** Set by the server's sweep once it saw this exchange in progress (see enforceDeadlines). */
  seenBySweep = false;
  readonly #connection: Connection;
  #keepAlive: boolean;
  #abort: AbortController | null = null;

  constructor(head: RequestHead, keepAlive: boolean, connection: Connection) {
    this.head = head;
    this.headRequest = head.method === "HEAD";
    this.versionMinor = head.versionMinor;
    this.#keepAlive = keepAlive;
    this.#connection = connection;
  }

  get remoteAddr(): Deno.Addr {
    return this.#connection.remoteAddr;
  }

  get localAddr(): Deno.Addr {
    return this.#connection.localAddr;
  }

  get secure(): boolean {
    return this.#connection.secure;
  }

  /** Aborts when the client leaves, the connection times out or the server shuts down. */
  get signal(): AbortSignal {
    if (this.#abort === null) {
      this.#abort = new AbortController();
      // Asked for after the connection closed (a handler that awaited something first).
      const closed = this.#connection.closeReason;
      if (closed !== null) this.abort(closed);
    }
    return this.#abort.signal;
  }

  /** Whether the request body has been read to its end (or there is none). */
  get bodyDone(): boolean {
    return this.body === null || this.body.done;
  }

  abort(reason: string): void {
    if (this.#abort === null || this.#abort.signal.aborted) return;
    const name = reason === TIMED_OUT ? "TimeoutError" : "AbortError";
    this.#abort.abort(new DOMException(reason, name));
  }

  get keepAlive(): boolean {
    const body = this.body;
    if (!this.#keepAlive || body === null || body.done) return this.#keepAlive;
    // A body the handler has not read (yet) when the head goes out: if it is larger than we
    // are willing to drain, or a 100-continue client was never told to send it (so it may or
    // may not, RFC 9110 §10.1.1), only closing keeps the next request's boundary certain.
    if (body.knownRemaining > MAX_DRAIN_BYTES) return false;
    if (this.head.expectContinue && !this.continueSent) return false;
    return true;
  }

  set keepAlive(value: boolean) {
    this.#keepAlive = value;
  }
}

/** Errors that only mean the client went away. */
function isDisconnect(error: unknown): boolean {
  return error instanceof Deno.errors.ConnectionReset ||
    error instanceof Deno.errors.BrokenPipe ||
    error instanceof Deno.errors.BadResource ||
    error instanceof Deno.errors.Interrupted ||
    error instanceof Deno.errors.NotConnected ||
    error instanceof Deno.errors.UnexpectedEof;
}
