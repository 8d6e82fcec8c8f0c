/**
 * LiveEvents: the Server-Sent Events streams (WHATWG HTML §9.2) that tell open pages what
 * changed. Bounded on every side: at most `maxClients` streams (503 beyond), a few queued
 * events per stream (a burst collapses into one "reload"), one heartbeat timer for all of
 * them, and close() ends every stream at once, so a shutdown never waits on them (their
 * requests would otherwise be "in flight" until the drain deadline).
 *
 * A stream ends when its client leaves (the request's signal aborts, or a write fails), or
 * at close(). A client that stops reading is cut off by the connection's write timeout.
 */
import { endWithStatus, type ResponseWriter } from "../http/response.ts";
import type { HttpRequest } from "../server/request.ts";

/** Streams open at once; a browser opens one per tab. */
export const MAX_LIVE_CLIENTS = 64;
/**
 * Between two comment lines on an idle stream: under the 30–60 s after which proxies and
 * some browsers drop a silent connection, and a client that left is noticed by then.
 */
export const HEARTBEAT_MS = 20_000;
/** The `retry:` delay a browser waits before reconnecting (zhttp restarting, say). */
export const RECONNECT_MS = 1000;
/** Events queued for one stream before they collapse into a single "reload". */
export const MAX_QUEUED_EVENTS = 16;
/** Retry-After, in seconds, when every place is taken. */
const RETRY_AFTER_SECONDS = 10;

/** What a page must do: swap stylesheets (URL paths, decoded) or reload. */
export type LiveChange = { kind: "css"; paths: readonly string[] } | { kind: "reload" };

export interface LiveEventsOptions {
  maxClients?: number;
  heartbeatMs?: number;
  /** Names this zhttp in each stream's first event, so pages notice a restart. */
  instance?: string;
}

interface Client {
  queue: string[];
  wake: (() => void) | null;
}

const RELOAD_EVENT = "event: reload\ndata:\n\n";
const HEARTBEAT = ":\n\n";

export class LiveEvents {
  readonly #clients = new Set<Client>();
  readonly #maxClients: number;
  readonly #heartbeatMs: number;
  readonly #instance: string;
  #heartbeat: ReturnType<typeof setInterval> | undefined;
  #closed = false;

  constructor(options: LiveEventsOptions = {}) {
    this.#maxClients = options.maxClients ?? MAX_LIVE_CLIENTS;
    this.#heartbeatMs = options.heartbeatMs ?? HEARTBEAT_MS;
    this.#instance = options.instance ?? crypto.randomUUID();
  }

  /** Streams open now. */
  get clientCount(): number {
    return this.#clients.size;
  }

  /** Sends `change` to every open stream. */
  publish(change: LiveChange): void {
    const event = change.kind === "css"
      ? `event: css\ndata: ${JSON.stringify(change.paths)}\n\n`
      : RELOAD_EVENT;
    for (const client of this.#clients) this.#send(client, event);
  }

  /** Answers a request for the event stream: streams until the client leaves or close(). */
  serve(req: HttpRequest, res: ResponseWriter): void | Promise<void> {
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.setHeader("Allow", "GET, HEAD");
      return endWithStatus(res, 405, false);
    }
    if (this.#closed || this.#clients.size >= this.#maxClients) {
      res.setHeader("Retry-After", RETRY_AFTER_SECONDS);
      return endWithStatus(res, 503, false);
    }
    res.setHeader("Content-Type", "text/event-stream");
    res.setHeader("Cache-Control", "no-store");
    if (req.method === "HEAD") return res.end();
    // A stream ends only when its client goes or zhttp stops: no connection to keep after.
    res.closeAfterResponse();
    return this.#stream(req, res);
  }

  /** Ends every stream now and refuses new ones. */
  close(): void {
    this.#closed = true;
    for (const client of this.#clients) client.wake?.();
    this.#stopHeartbeat();
  }

  async #stream(req: HttpRequest, res: ResponseWriter): Promise<void> {
    const client: Client = {
      queue: [`retry: ${RECONNECT_MS}\nevent: hello\ndata: ${this.#instance}\n\n`],
      wake: null,
    };
    this.#clients.add(client);
    this.#heartbeat ??= setInterval(() => {
      for (const each of this.#clients) this.#send(each, HEARTBEAT);
    }, this.#heartbeatMs);
    const signal = req.signal;
    const leave = () => client.wake?.();
    signal.addEventListener("abort", leave);
    try {
      while (!this.#closed && !signal.aborted) {
        if (client.queue.length === 0) {
          await new Promise<void>((resolve) => client.wake = resolve);
          client.wake = null;
          continue;
        }
        const text = client.queue.join("");
        client.queue.length = 0;
        await res.write(text);
      }
    } catch {
      // The write failed: the client is gone and its connection closed.
    } finally {
      signal.removeEventListener("abort", leave);
      this.#clients.delete(client);
      if (this.#clients.size === 0) this.#stopHeartbeat();
      if (!res.ended) res.end();
    }
  }

  #send(client: Client, event: string): void {
    const queue = client.queue;
    queue.push(event);
    // A stream that cannot keep up gets one reload, which covers everything it missed.
    if (queue.length > MAX_QUEUED_EVENTS) queue.splice(0, queue.length, RELOAD_EVENT);
    client.wake?.();
  }

  #stopHeartbeat(): void {
    clearInterval(this.#heartbeat);
    this.#heartbeat = undefined;
  }
}
