/**
 * What the accept loop does when accept() fails. Two kinds of failure are expected on a
 * busy server and neither may stop it or flood the log:
 * - a client that reset before we took it (NotConnected, ConnectionAborted...): nothing to
 *   serve, so the loop goes straight on to the next client, as nginx does;
 * - no file descriptor left (EMFILE, ENFILE): retrying at once would spin, so the loop
 *   backs off, from BACKOFF_START_MS doubling to BACKOFF_MAX_MS, until an accept succeeds
 *   (nginx likewise stops accepting for a while).
 * Each kind is logged as one line per LOG_WINDOW_MS at most, with a count, never a stack
 * trace: these are conditions of the network and the machine, not bugs.
 */
import { getLogger } from "@logtape/logtape";

/** The first pause after running out of descriptors. */
export const BACKOFF_START_MS = 10;
/** The longest pause between two tries while descriptors stay exhausted. */
export const BACKOFF_MAX_MS = 1000;
/** At most one log line per kind of failure in this long. */
export const LOG_WINDOW_MS = 5000;

const logger = getLogger(["zhttp", "server"]);

/** Whether `error` says the process or the system ran out of file descriptors. */
export function isDescriptorExhaustion(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === "EMFILE" || code === "ENFILE";
}

/** One kind of failure, logged at most once a window with the count since the last line. */
class RateLimitedLine {
  readonly #level: "debug" | "warning";
  #windowStart = -Infinity;
  #unlogged = 0;
  #lastMessage = "";
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(level: "debug" | "warning") {
    this.#level = level;
  }

  record(message: string, now: number): void {
    this.#lastMessage = message;
    if (now - this.#windowStart >= LOG_WINDOW_MS) {
      // The last window's summary first, if its timer has not given it yet.
      clearTimeout(this.#timer);
      this.#endWindow();
      this.#windowStart = now;
      this.#log(1);
      // The failures of this window are summed up when it ends, if there were any more.
      this.#timer = setTimeout(() => this.#endWindow(), LOG_WINDOW_MS);
    } else {
      this.#unlogged++;
    }
  }

  close(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #endWindow(): void {
    this.#timer = undefined;
    if (this.#unlogged === 0) return;
    const count = this.#unlogged;
    this.#unlogged = 0;
    this.#log(count);
  }

  #log(count: number): void {
    const seconds = LOG_WINDOW_MS / 1000;
    const line = count === 1
      ? "accept failed: {message}"
      : `accept failed {count} times in the last ${seconds} s: {message}`;
    logger[this.#level](line, { count, message: this.#lastMessage });
  }
}

/** The accept loop's memory of its failures: how long to pause, and what was logged. */
export class AcceptFailures {
  readonly #now: () => number;
  readonly #exhausted = new RateLimitedLine("warning");
  readonly #dropped = new RateLimitedLine("debug");
  /** The next pause while descriptors are exhausted; 0 once an accept succeeded. */
  #backoffMs = 0;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  /** Records a failed accept; returns how long to wait before the next (0: at once). */
  record(error: unknown): number {
    const message = error instanceof Error ? error.message : String(error);
    if (!isDescriptorExhaustion(error)) {
      this.#dropped.record(message, this.#now());
      return 0;
    }
    this.#exhausted.record(message, this.#now());
    this.#backoffMs = this.#backoffMs === 0
      ? BACKOFF_START_MS
      : Math.min(this.#backoffMs * 2, BACKOFF_MAX_MS);
    return this.#backoffMs;
  }

  /** An accept succeeded: the next exhaustion starts with a short pause again. */
  succeeded(): void {
    this.#backoffMs = 0;
  }

  /** Stops the timers of pending summary lines. */
  close(): void {
    this.#exhausted.close();
    this.#dropped.close();
  }
}
