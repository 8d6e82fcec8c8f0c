/**
 * `--workers N`: N server threads on one port (Linux). The main thread serves as the first
 * of them; each further one is a Web Worker (worker_main.ts) running the same program on
 * its own event loop, with its own caches, listening on the same addresses and port with
 * SO_REUSEPORT, so that the kernel spreads new connections among them.
 *
 * Workers rather than processes: they need no permission to start (a process would need
 * --allow-run for the program itself), they inherit the program's permissions, they write
 * to the same console, and one Ctrl+C reaches the main thread only, which drains them all
 * before the process exits once.
 *
 * Where the OS has no SO_REUSEPORT that spreads connections (Windows, macOS), one thread
 * serves whatever --workers says (the banner says so).
 */
import type { ShutdownReport } from "../server/server.ts";
import type { ServePlan } from "./serving.ts";

/** Everything a worker needs to serve as the main thread does; structured-cloned to it. */
export interface WorkerSetup {
  plan: ServePlan;
  /** The port the main thread bound (after any fallback): every worker binds the same. */
  port: number;
  /** With HTTPS: the certificate chain and key (the main thread made or read them). */
  tls: { cert: string; key: string } | null;
  httpsPort?: number;
  caCertificate?: { der: Uint8Array; mediaType: string };
  /** 2, 3, …: which worker this is, for its log lines (the main thread is 1). */
  index: number;
}

/** What the main thread tells a worker. */
export type ToWorker =
  | { kind: "start"; setup: WorkerSetup }
  | { kind: "shutdown"; drainMs: number }
  | { kind: "close" };

/** What a worker tells the main thread. */
export type FromWorker =
  | { kind: "ready" }
  | { kind: "failed"; message: string }
  | { kind: "stopping"; inFlight: number }
  | { kind: "stopped"; forced: number };

/** Whether this OS spreads connections over listeners sharing a port (SO_REUSEPORT). */
export function sharesPorts(os: typeof Deno.build.os): boolean {
  return os === "linux";
}

/** How long a worker may take to start listening before startup gives up on it. */
export const WORKER_START_MS = 30_000;

const WORKER_URL = new URL("./worker_main.ts", import.meta.url);

/** The workers beyond the main thread, started together and stopped together. */
export class WorkerPool {
  readonly #workers: Worker[];

  private constructor(workers: Worker[]) {
    this.#workers = workers;
  }

  /** How many threads serve, the main one included. */
  get threads(): number {
    return this.#workers.length + 1;
  }

  /**
   * Starts `count` workers serving `setup` (their index from 2 on) and resolves once each
   * listens. A worker that fails to start fails the whole start (the others are stopped),
   * with its reason.
   */
  static async start(count: number, setup: Omit<WorkerSetup, "index">): Promise<WorkerPool> {
    const workers: Worker[] = [];
    try {
      for (let index = 2; index < count + 2; index++) {
        const worker = new Worker(WORKER_URL, { type: "module" });
        workers.push(worker);
        const ready = nextMessage(worker, WORKER_START_MS);
        send(worker, { kind: "start", setup: { ...setup, index } });
        const answer = await ready;
        if (answer.kind === "failed") throw new Error(`worker ${index}: ${answer.message}`);
      }
    } catch (error) {
      for (const worker of workers) worker.terminate();
      throw error;
    }
    return new WorkerPool(workers);
  }

  /**
   * Graceful shutdown of every worker, as Server.shutdown() does it: `inFlight` resolves
   * with the requests they were answering when it began, `done` with what they cut off.
   */
  shutdown(drainMs: number): { inFlight: Promise<number>; done: Promise<ShutdownReport> } {
    const reports = this.#workers.map((worker) => {
      const stopping = nextMessage(worker);
      send(worker, { kind: "shutdown", drainMs });
      return stopping.then((first) => {
        const inFlight = first.kind === "stopping" ? first.inFlight : 0;
        const stopped = first.kind === "stopped"
          ? Promise.resolve(first)
          : nextMessage(worker).then((next) => next);
        return { inFlight, stopped };
      });
    });
    const inFlight = Promise.all(reports).then((all) =>
      all.reduce((sum, report) => sum + report.inFlight, 0)
    );
    const done = Promise.all(reports).then(async (all) => {
      const stopped = await Promise.all(all.map((report) => report.stopped));
      for (const worker of this.#workers) worker.terminate();
      const forced = stopped.reduce(
        (sum, last) => sum + (last.kind === "stopped" ? last.forced : 0),
        0,
      );
      return { inFlight: all.reduce((sum, report) => sum + report.inFlight, 0), forced };
    });
    return { inFlight, done };
  }

  /** Stops every worker at once. */
  terminate(): void {
    for (const worker of this.#workers) worker.terminate();
  }
}

function send(worker: Worker, message: ToWorker): void {
  worker.postMessage(message);
}

/** The worker's next message; a worker that crashes (or stays silent too long) fails it. */
function nextMessage(worker: Worker, timeoutMs?: number): Promise<FromWorker> {
  return new Promise((resolve, reject) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const settle = () => {
      clearTimeout(timer);
      worker.removeEventListener("message", onMessage);
      worker.removeEventListener("error", onError);
    };
    const onMessage = (event: MessageEvent<FromWorker>) => {
      settle();
      resolve(event.data);
    };
    const onError = (event: ErrorEvent) => {
      event.preventDefault();
      settle();
      reject(new Error(event.message));
    };
    worker.addEventListener("message", onMessage);
    worker.addEventListener("error", onError);
    if (timeoutMs !== undefined) {
      timer = setTimeout(() => {
        settle();
        reject(new Error(`not listening after ${timeoutMs / 1000} s`));
      }, timeoutMs);
    }
  });
}
