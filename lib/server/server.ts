/**
 * The listener: an accept loop bounded by a semaphore of `maxConnections`, the registry of
 * live connections, the sweep that enforces their deadlines, and graceful shutdown.
 */
import { getLogger } from "@logtape/logtape";
import { Connection, type ConnectionLimits, type Timeouts } from "./connection.ts";
import type { Handler } from "./handler.ts";
import { DEFAULT_PARSER_LIMITS } from "../http/parser.ts";
import { ReadGate } from "./read_gate.ts";
import { Semaphore } from "./semaphore.ts";
import { StallClock } from "./stall_clock.ts";

export const DEFAULT_MAX_CONNECTIONS = 1024;
/** Request bodies above this get 413 unless configured otherwise. */
export const DEFAULT_MAX_BODY_BYTES = 100 * 1024 * 1024;
/**
 * The kernel's queue of connections not yet accepted. The default (511) overflowed when 1000
 * clients connected at once in our measurements; 4096 did not.
 */
export const LISTEN_BACKLOG = 4096;

export const DEFAULT_TIMEOUTS: Readonly<Timeouts> = {
  headMs: 10_000,
  idleMs: 5_000,
  bodyMs: 30_000,
  writeMs: 30_000,
};
/** How long a graceful shutdown waits for requests in flight before closing them. */
export const DEFAULT_DRAIN_MS = 10_000;

export interface ServeOptions {
  handler: Handler;
  /** Address to bind; "127.0.0.1" by default. IPv6 literals without brackets ("::1"). */
  hostname?: string;
  /** 0 picks a free port; the real one is in `server.addr`. */
  port?: number;
  maxConnections?: number;
  timeouts?: Partial<Timeouts>;
  limits?: Partial<ConnectionLimits>;
  drainMs?: number;
}

/** What a shutdown did, for the person watching the console. */
export interface ShutdownReport {
  /** Requests being answered when the shutdown began. */
  inFlight: number;
  /** Connections still busy at the drain deadline, closed without finishing. */
  forced: number;
}

const logger = getLogger(["zhttp", "server"]);

export class Server {
  readonly addr: Deno.NetAddr;
  /** Resolves once the server has stopped and every connection is closed. */
  readonly finished: Promise<void>;

  readonly #listener: Deno.TcpListener;
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
  #closing = false;
  #shutdown: Promise<ShutdownReport> | null = null;
  #stoppedAccepting!: Promise<void>;

  /** Binds and starts serving. Throws Deno.errors.AddrInUse etc. synchronously. */
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
    this.#listener = Deno.listen({
      hostname: options.hostname ?? "127.0.0.1",
      port: options.port ?? 0,
      tcpBacklog: LISTEN_BACKLOG,
    });
    this.addr = this.#listener.addr;
    const sweepMs = sweepInterval(this.#timeouts);
    this.#clock = new StallClock(sweepMs);
    this.#sweep = setInterval(() => this.#enforceDeadlines(), sweepMs);
    this.#stoppedAccepting = this.#acceptLoop();
    this.finished = this.#stoppedAccepting.then(() => this.#allClosed());
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

  /** Stops at once: every connection is closed, whatever it was doing. */
  async close(): Promise<void> {
    this.#stopAccepting();
    for (const connection of this.#connections) connection.close();
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
    try {
      this.#listener.close();
    } catch {
      // Already closed.
    }
  }

  async #acceptLoop(): Promise<void> {
    while (!this.#closing) {
      let conn: Deno.TcpConn;
      try {
        conn = await this.#listener.accept();
      } catch (error) {
        if (this.#closing || error instanceof Deno.errors.BadResource) break;
        // Out of file descriptors and similar: log, breathe, and go on serving.
        logger.warn("accept failed: {error}", { error });
        await new Promise((resolve) => setTimeout(resolve, 50));
        continue;
      }
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
      this.#track(conn);
    }
  }

  #track(conn: Deno.TcpConn): void {
    try {
      conn.setNoDelay(true);
    } catch {
      // The client is already gone; serve() will notice.
    }
    const connection = new Connection(conn, {
      handler: this.#handler,
      limits: this.#limits,
      timeouts: this.#timeouts,
      clock: () => this.#clock.now(),
      readGate: this.#readGate,
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
    clearInterval(this.#sweep);
    this.#readGate.close();
  }
}

/** Starts a server. */
export function serve(options: ServeOptions): Server {
  return new Server(options);
}

/** Checks deadlines often enough that the shortest timeout is late by at most a quarter. */
function sweepInterval(timeouts: Timeouts): number {
  const shortest = Math.min(timeouts.headMs, timeouts.idleMs, timeouts.bodyMs, timeouts.writeMs);
  return Math.min(1000, Math.max(10, Math.floor(shortest / 4)));
}
