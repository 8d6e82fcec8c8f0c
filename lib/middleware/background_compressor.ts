/**
 * Encodes whole bodies at the "best" effort in a worker, so that the thread serving requests
 * never waits for brotli's quality 11 (~0.5 s for 256 KiB, measured: every `node:zlib` call
 * in Deno 2.9.6 runs on the thread that makes it, the asynchronous ones too).
 *
 * One worker, started on the first job and stopped after WORKER_IDLE_MS without one: the
 * jobs are rare (once per file version) and bursty (a first page load), and one background
 * thread is all a 2-core machine should give them. Jobs wait their turn in the worker.
 */
import { getLogger } from "@logtape/logtape";
import type { OnTheFlyCoding } from "./codecs.ts";
import type { CompressionJob, CompressionResult } from "./compression_worker.ts";

/** How long the worker is kept without work before it is stopped (and its memory freed). */
export const WORKER_IDLE_MS = 10_000;

const WORKER_URL = new URL("./compression_worker.ts", import.meta.url);
const logger = getLogger(["zhttp", "compression"]);

interface PendingJob {
  resolve(bytes: Uint8Array): void;
  reject(error: Error): void;
}

export class BackgroundCompressor {
  #worker: Worker | null = null;
  readonly #pending = new Map<number, PendingJob>();
  #nextId = 1;
  #idleTimer: ReturnType<typeof setTimeout> | undefined;
  #failed = false;

  /**
   * False once the worker failed (it could not start, or crashed): from then on nothing is
   * sent, and files are encoded per request only. Said once in the log.
   */
  get available(): boolean {
    return !this.#failed;
  }

  /** Jobs sent and not answered yet. */
  get pending(): number {
    return this.#pending.size;
  }

  /** `bytes` encoded with `coding` at the best effort. `bytes` is copied, never detached. */
  compress(coding: OnTheFlyCoding, bytes: Uint8Array): Promise<Uint8Array> {
    if (this.#failed) return Promise.reject(new Error("the compression worker failed"));
    const worker = this.#ensureWorker();
    clearTimeout(this.#idleTimer);
    const id = this.#nextId++;
    const job: CompressionJob = { id, coding, bytes };
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      worker.postMessage(job);
    });
  }

  /** Stops the worker now; jobs not answered yet fail. */
  stop(): void {
    clearTimeout(this.#idleTimer);
    this.#worker?.terminate();
    this.#worker = null;
    this.#failAll(new Error("the compression worker was stopped"));
  }

  #ensureWorker(): Worker {
    if (this.#worker !== null) return this.#worker;
    const worker = new Worker(WORKER_URL, { type: "module" });
    worker.onmessage = (event: MessageEvent<CompressionResult>) => this.#answer(event.data);
    worker.onerror = (event) => {
      event.preventDefault();
      this.#failed = true;
      logger.warn(
        "the compression worker failed ({message}): files are compressed per request from now on",
        { message: event.message },
      );
      this.stop();
    };
    this.#worker = worker;
    return worker;
  }

  #answer(result: CompressionResult): void {
    const job = this.#pending.get(result.id);
    if (job === undefined) return;
    this.#pending.delete(result.id);
    if ("error" in result) job.reject(new Error(result.error));
    else job.resolve(result.bytes);
    if (this.#pending.size === 0) {
      // Unreferenced: an idle worker's timer must not keep a finished program alive.
      const timer = setTimeout(() => this.stop(), WORKER_IDLE_MS);
      Deno.unrefTimer(timer);
      this.#idleTimer = timer;
    }
  }

  #failAll(error: Error): void {
    const jobs = [...this.#pending.values()];
    this.#pending.clear();
    for (const job of jobs) job.reject(error);
  }
}
