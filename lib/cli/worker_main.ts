/**
 * One further server thread of --workers (workers.ts): told its setup by the main thread,
 * it builds the same program (createProgramHandler), listens on the same addresses and port
 * with SO_REUSEPORT, and serves until told to shut down, which it does as the main thread
 * does: requests in flight finish, up to the drain deadline.
 *
 * `deno compile` embeds only the modules main.ts imports, so the compile task names this
 * file with `--include` (scripts/compile/build.ts).
 */
import type { LiveReload } from "../live/live_reload.ts";
import type { Server } from "../server/server.ts";
import { bindListeners } from "./bind.ts";
import { configureLogging, flushLogs } from "./logging.ts";
import { createProgramHandler, listenerFor, serverFor, startLiveReload } from "./serving.ts";
import type { FromWorker, ToWorker, WorkerSetup } from "./workers.ts";

/** The worker's global scope, as far as it is used here. */
interface WorkerScope {
  onmessage: ((event: MessageEvent<ToWorker>) => void) | null;
  postMessage(message: FromWorker): void;
}

const scope = globalThis as unknown as WorkerScope;
let server: Server | null = null;
let live: LiveReload | null = null;

scope.onmessage = (event) => {
  const message = event.data;
  if (message.kind === "start") {
    start(message.setup).then(
      () => scope.postMessage({ kind: "ready" }),
      (error) => scope.postMessage({ kind: "failed", message: (error as Error).message }),
    );
  } else if (message.kind === "shutdown") {
    stop(message.drainMs);
  } else {
    server?.close();
  }
};

async function start(setup: WorkerSetup): Promise<void> {
  const { plan } = setup;
  const { config } = plan;
  await configureLogging({ quiet: config.quiet, tag: `w${setup.index}` });
  live = config.live ? startLiveReload(config.root, plan.hiddenFiles) : null;
  const listen = await listenerFor(setup.tls, true);
  const listeners = await bindListeners(config.host, setup.port, listen);
  const handler = createProgramHandler(plan, {
    live,
    httpsPort: setup.httpsPort,
    caCertificate: setup.caCertificate,
  });
  server = serverFor(plan, handler, listeners);
}

async function stop(drainMs: number): Promise<void> {
  if (server === null) {
    scope.postMessage({ kind: "stopped", forced: 0 });
    return;
  }
  // Live-reload streams are no downloads to wait for: they end now, before the drain.
  const inFlight = server.requestsInFlight - (live?.events.clientCount ?? 0);
  const liveStreams = live?.close();
  scope.postMessage({ kind: "stopping", inFlight });
  const report = await server.shutdown(drainMs);
  await liveStreams;
  await flushLogs();
  scope.postMessage({ kind: "stopped", forced: report.forced });
}
