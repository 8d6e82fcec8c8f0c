/**
 * The server: accept loops over its listeners, bounded together by a semaphore of
 * `maxConnections`, the registry of live connections, the sweep that enforces their
 * deadlines, and graceful shutdown. It knows transports only through transport.ts, so TCP,
 * TLS and Unix sockets are served by the same loop.
 */
import { AcceptFailures } from "./accept_failures.ts";
import { Connection, type ConnectionLimits, SHUT_DOWN, type Timeouts } from "./connection.ts";
import type { Handler } from "./handler.ts";
import { DEFAULT_PARSER_LIMITS } from "../http/parser.ts";
import { ReadGate } from "./read_gate.ts";
import { Semaphore } from "./semaphore.ts";
import { StallClock } from "./stall_clock.ts";
import { type Listener, listenTcp, type Transport } from "./transport.ts";

/**
 * Connections served at once unless configured otherwise.
 *
 * @example Twice as many
 * ```ts
 * import { DEFAULT_MAX_CONNECTIONS, hello, serve } from "@zhttp/zhttp";
 *
 * serve({ handler: hello, maxConnections: 2 * DEFAULT_MAX_CONNECTIONS });
 * ```
 */
export const DEFAULT_MAX_CONNECTIONS = 1024;
/**
 * Request bodies above this get 413 unless configured otherwise.
 *
 * @example Uploads of up to 1 GiB
 * ```ts
 * import { echoBody, serve } from "@zhttp/zhttp";
 *
 * serve({ handler: echoBody, limits: { maxBodyBytes: 1024 ** 3 } });
 * ```
 */
export const DEFAULT_MAX_BODY_BYTES = 100 * 1024 * 1024;

/**
 * How long each kind of wait may last unless configured otherwise: 10 s for a request head,
 * 5 s between requests on a kept-alive connection, 30 s without progress on a body read or
 * on a write.
 *
 * @example A longer keep-alive, the other deadlines as they are
 * ```ts
 * import { DEFAULT_TIMEOUTS, hello, serve } from "@zhttp/zhttp";
 *
 * serve({ handler: hello, timeouts: { idleMs: 4 * DEFAULT_TIMEOUTS.idleMs } });
 * ```
 */
export const DEFAULT_TIMEOUTS: Readonly<Timeouts> = {
  headMs: 10_000,
  idleMs: 5_000,
  bodyMs: 30_000,
  writeMs: 30_000,
};
/**
 * How long a graceful shutdown waits for requests in flight before closing them.
 *
 * @example Give downloads a minute to finish
 * ```ts
 * import { hello, serve } from "@zhttp/zhttp";
 *
 * const server = serve({ handler: hello, drainMs: 60_000 });
 * Deno.addSignalListener("SIGTERM", () => server.shutdown());
 * ```
 */
export const DEFAULT_DRAIN_MS = 10_000;

/**
 * How a Server listens and serves: the handler, where connections come from, and the
 * bounds on them. Everything but the handler has a default.
 *
 * @example One port on every interface, with a connection bound
 * ```ts
 * import { hello, type ServeOptions, serve } from "@zhttp/zhttp";
 *
 * const options: ServeOptions = {
 *   handler: hello,
 *   hostname: "0.0.0.0",
 *   port: 8080,
 *   maxConnections: 256,
 * };
 * serve(options);
 * ```
 */
export interface ServeOptions {
  /** Answers every request. */
  handler: Handler;
  /**
   * Where connections come from (listenTcp(), listenUnix(), a TLS listener), served
   * together under one connection bound. When absent, one TCP listener on hostname:port.
   */
  listeners?: readonly Listener[];
  /** Address to bind without `listeners`; "127.0.0.1" by default. IPv6 without brackets. */
  hostname?: string;
  /** Port to bind without `listeners`; 0 picks a free one (see `server.addr`). */
  port?: number;
  /** Connections open at once, across all listeners; 1024 by default. */
  maxConnections?: number;
  /** Deadlines for each kind of wait (DEFAULT_TIMEOUTS). */
  timeouts?: Partial<Timeouts>;
  /** Head and body size limits (DEFAULT_PARSER_LIMITS, DEFAULT_MAX_BODY_BYTES). */
  limits?: Partial<ConnectionLimits>;
  /** How long a graceful shutdown waits for requests in flight (DEFAULT_DRAIN_MS). */
  drainMs?: number;
}

/**
 * What a shutdown did, for the person watching the console.
 *
 * @example
 * ```ts
 * import { hello, serve } from "@zhttp/zhttp";
 *
 * const server = serve({ handler: hello });
 * const { inFlight, forced } = await server.shutdown();
 * console.log(`${inFlight} requests were in flight; ${forced} did not finish in time`);
 * ```
 */
export interface ShutdownReport {
  /** Requests being answered when the shutdown began. */
  inFlight: number;
  /** Connections still busy at the drain deadline, closed without finishing. */
  forced: number;
}

/**
 * An HTTP/1.1 server over any number of listeners: it serves from the moment it is made
 * until `shutdown()` (graceful) or `close()` (at once).
 *
 * @example Serve, then stop gracefully on Ctrl+C
 * ```ts
 * import { hello, Server } from "@zhttp/zhttp";
 *
 * const server = new Server({ handler: hello, port: 8080 });
 * console.log(`listening on http://localhost:${server.addr.port}/`);
 * Deno.addSignalListener("SIGINT", async () => {
 *   const report = await server.shutdown();
 *   console.log(`stopped; ${report.forced} connections cut at the drain deadline`);
 * });
 * await server.finished;
 * ```
 */
export class Server {
  /** The addresses listened on, one per listener, in the order given. */
  readonly addrs: readonly Deno.Addr[];
  /** Resolves once the server has stopped and every connection is closed. */
  readonly finished: Promise<void>;

  readonly #listeners: readonly Listener[];
  readonly #handler: Handler;
  readonly #limits: ConnectionLimits;
  readonly #timeouts: Timeouts;
  readonly #drainMs: number;
  readonly #permits: Semaphore;
  /** Makes connections take turns reading when the server is saturated (see read_gate.ts). */
  readonly #readGate = new ReadGate();
  readonly #connections = new Set<Connection>();
  readonly #sweep: ReturnType<typeof setInterval>;
  /** Deadlines are measured on this clock, which stops while the event loop is stalled. */
  readonly #clock: StallClock;
  readonly #acceptFailures = new AcceptFailures();
  #closing = false;
  #shutdown: Promise<ShutdownReport> | null = null;
  #stoppedAccepting!: Promise<void>;

  /**
   * Starts serving. Without `listeners`, binds hostname:port first and throws
   * `Deno.errors.AddrInUse` and the like synchronously.
   */
  constructor(options: ServeOptions) {
    this.#handler = options.handler;
    this.#timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
    this.#limits = {
      ...DEFAULT_PARSER_LIMITS,
      maxBodyBytes: DEFAULT_MAX_BODY_BYTES,
      ...options.limits,
    };
    this.#drainMs = options.drainMs ?? DEFAULT_DRAIN_MS;
    this.#permits = new Semaphore(options.maxConnections ?? DEFAULT_MAX_CONNECTIONS);
    this.#listeners = options.listeners ??
      [listenTcp({ hostname: options.hostname ?? "127.0.0.1", port: options.port ?? 0 })];
    if (this.#listeners.length === 0) throw new TypeError("a server needs a listener");
    this.addrs = this.#listeners.map((listener) => listener.addr);
    const sweepMs = sweepInterval(this.#timeouts);
    this.#clock = new StallClock(sweepMs);
    this.#sweep = setInterval(() => this.#enforceDeadlines(), sweepMs);
    this.#stoppedAccepting = Promise.all(
      this.#listeners.map((listener) => this.#acceptLoop(listener)),
    ).then(() => {});
    this.finished = this.#stoppedAccepting.then(() => this.#allClosed());
  }

  /**
   * The address of the first network listener (its real port when 0 was asked for).
   * Throws when every listener is a Unix socket: see `addrs`.
   */
  get addr(): Deno.NetAddr {
    const net = this.addrs.find((addr): addr is Deno.NetAddr => addr.transport === "tcp");
    if (net === undefined) throw new TypeError("this server has no network listener");
    return net;
  }

  /** Requests being answered right now. */
  get requestsInFlight(): number {
    let count = 0;
    for (const connection of this.#connections) {
      if (connection.state === "active") count++;
    }
    return count;
  }

  /** Connections open right now. */
  get connectionCount(): number {
    return this.#connections.size;
  }

  /**
   * Graceful shutdown: stop accepting, close idle connections, let requests in flight finish
   * until the drain deadline, then close what is left. Calling it again returns the same
   * promise.
   */
  shutdown(drainMs: number = this.#drainMs): Promise<ShutdownReport> {
    this.#shutdown ??= this.#gracefulShutdown(drainMs);
    return this.#shutdown;
  }

  /**
   * Stops at once: every connection is closed, whatever it was doing (handlers still
   * running see their request's signal abort).
   */
  async close(): Promise<void> {
    this.#stopAccepting();
    for (const connection of this.#connections) connection.close(SHUT_DOWN);
    await this.finished;
  }

  async #gracefulShutdown(drainMs: number): Promise<ShutdownReport> {
    this.#stopAccepting();
    const inFlight = this.requestsInFlight;
    for (const connection of this.#connections) connection.drain();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<"deadline">((resolve) => {
      timer = setTimeout(() => resolve("deadline"), drainMs);
    });
    const outcome = await Promise.race([this.#allClosed().then(() => "done" as const), deadline]);
    clearTimeout(timer);
    const forced = outcome === "deadline" ? this.#connections.size : 0;
    await this.close();
    return { inFlight, forced };
  }

  #stopAccepting(): void {
    if (this.#closing) return;
    this.#closing = true;
    for (const listener of this.#listeners) {
      try {
        listener.close();
      } catch {
        // Already closed.
      }
    }
  }

  async #acceptLoop(listener: Listener): Promise<void> {
    while (!this.#closing) {
      let conn: Transport;
      try {
        conn = await listener.accept();
      } catch (error) {
        if (this.#closing || error instanceof Deno.errors.BadResource) break;
        // A client that reset before we took it, or no descriptor left: never a reason to
        // stop serving. Only running out of descriptors is worth a pause (see
        // accept_failures.ts); anything else is skipped at once.
        const pauseMs = this.#acceptFailures.record(error);
        if (pauseMs > 0) await new Promise((resolve) => setTimeout(resolve, pauseMs));
        continue;
      }
      this.#acceptFailures.succeeded();
      if (!this.#permits.tryAcquire()) {
        // At the bound, with a client waiting. An idle connection is the cheapest to give
        // up (nginx does the same when it runs out of connections); otherwise this client
        // waits for one to end, and the loop accepts no one else meanwhile: later clients
        // wait in the kernel's backlog, costing no memory here.
        this.#closeLongestIdle();
        await this.#permits.acquire();
        if (this.#closing) {
          this.#permits.release();
          conn.close();
          break;
        }
      }
      this.#track(conn, listener.secure === true);
    }
  }

  #track(conn: Transport, secure: boolean): void {
    if (conn.remoteAddr.transport === "tcp" && "setNoDelay" in conn) {
      // Back-to-back small writes were 4x slower with Nagle's algorithm on.
      try {
        (conn as Deno.TcpConn).setNoDelay(true);
      } catch {
        // The client is already gone; serve() will notice.
      }
    }
    const connection = new Connection(conn, {
      handler: this.#handler,
      limits: this.#limits,
      timeouts: this.#timeouts,
      clock: () => this.#clock.now(),
      readGate: this.#readGate,
      secure,
    });
    this.#connections.add(connection);
    // A connection counts, in the registry and against the bound, while its socket is open,
    // not while its handler runs: a handler that never returns (a hung upstream, a forgotten
    // promise) must not hold a place, nor keep a shutdown from ending once its socket is
    // closed at the drain deadline.
    connection.closed.then(() => {
      this.#connections.delete(connection);
      this.#permits.release();
    });
    connection.serve(); // Never rejects.
  }

  #closeLongestIdle(): void {
    let oldest: Connection | null = null;
    for (const connection of this.#connections) {
      if (
        connection.state === "idle" && (oldest === null || connection.idleSince < oldest.idleSince)
      ) {
        oldest = connection;
      }
    }
    oldest?.close();
  }

  #enforceDeadlines(): void {
    const now = this.#clock.tick();
    for (const connection of this.#connections) connection.enforceDeadlines(now);
  }

  async #allClosed(): Promise<void> {
    await this.#stoppedAccepting;
    while (this.#connections.size > 0) {
      await Promise.all(Array.from(this.#connections, (connection) => connection.closed));
    }
    await Promise.all(this.#listeners.map((listener) => listener.drained));
    clearInterval(this.#sweep);
    this.#readGate.close();
    this.#acceptFailures.close();
  }
}

/**
 * Starts a server: the same as `new Server(options)`. Without `listeners`, it binds
 * hostname:port (127.0.0.1 and a free port by default) and throws `Deno.errors.AddrInUse`
 * and the like synchronously.
 *
 * @example
 * ```ts
 * import { serve } from "@zhttp/zhttp";
 *
 * const server = serve({
 *   handler: (_req, res) => res.end("Hello!\n"),
 *   port: 8080,
 * });
 * console.log(server.addr); // { transport: "tcp", hostname: "127.0.0.1", port: 8080 }
 * ```
 */
export function serve(options: ServeOptions): Server {
  return new Server(options);
}

/** Checks deadlines often enough that the shortest timeout is late by at most a quarter. */
function sweepInterval(timeouts: Timeouts): number {
  const shortest = Math.min(timeouts.headMs, timeouts.idleMs, timeouts.bodyMs, timeouts.writeMs);
  return Math.min(1000, Math.max(10, Math.floor(shortest / 4)));
}
