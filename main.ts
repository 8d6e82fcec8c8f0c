/**
 * zhttp: serves a folder over HTTP/1.1. argv → Config → server; banner; signals; exit codes
 * (0 after a clean stop, 2 for a startup mistake, 1 for anything else).
 */
import { resolve } from "node:path";
import { createApp } from "./lib/app.ts";
import { formatBanner } from "./lib/banner.ts";
import { createStaticHandler } from "./lib/handlers/static.ts";
import { ConfigError, parseCommandLine, resolveConfig } from "./lib/config.ts";
import { HELP_TEXT } from "./lib/help.ts";
import { configureLogging, flushLogs } from "./lib/logging.ts";
import { Server, type ShutdownReport } from "./lib/server.ts";
import { onStopSignals } from "./lib/signals.ts";
import { VERSION } from "./lib/version.ts";

export async function main(args: readonly string[]): Promise<number> {
  let config;
  try {
    const command = parseCommandLine(args);
    if (command.action === "help") {
      console.log(HELP_TEXT);
      return 0;
    }
    if (command.action === "version") {
      console.log(`zhttp ${VERSION}`);
      return 0;
    }
    const root = resolve(command.rootArgument ?? ".");
    await assertDirectory(root);
    config = resolveConfig({ flags: command.settings, root });
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`zhttp: ${error.message}`);
      return 2;
    }
    throw error;
  }

  await configureLogging({ quiet: config.quiet });
  let server: Server;
  try {
    server = new Server({
      handler: createApp({
        accessLog: config.quiet ? null : config.logFormat,
        fallback: createStaticHandler(config),
      }),
      hostname: config.host,
      port: config.port,
      maxConnections: config.maxConnections,
      timeouts: config.timeouts,
      limits: { maxBodyBytes: config.maxBodyBytes },
      drainMs: config.drainMs,
    });
  } catch (error) {
    if (error instanceof Deno.errors.AddrInUse) {
      console.error(`zhttp: port ${config.port} is already in use; choose another with --port.`);
      return 2;
    }
    throw error;
  }
  console.log(
    formatBanner({ version: VERSION, config, port: server.addr.port, lanAddresses: [] }),
  );

  let stopping: Promise<ShutdownReport> | null = null;
  const removeListeners = onStopSignals(
    {
      os: Deno.build.os,
      addSignalListener: Deno.addSignalListener,
      removeSignalListener: Deno.removeSignalListener,
    },
    () => {
      const inFlight = server.requestsInFlight;
      console.log(
        `stopping: ${plural(inFlight, "request")} in flight… (Ctrl+C again to quit at once)`,
      );
      stopping = server.shutdown();
    },
    () => {
      console.log("stopped at once");
      Deno.exit(130);
    },
  );
  await server.finished;
  removeListeners();
  if (stopping !== null) {
    const { forced } = await stopping;
    console.log(forced === 0 ? "stopped" : `stopped (${plural(forced, "request")} cut off)`);
  }
  await flushLogs();
  return 0;
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}

async function assertDirectory(root: string): Promise<void> {
  let info;
  try {
    info = await Deno.stat(root);
  } catch {
    throw new ConfigError(`the folder to serve does not exist: ${root}`);
  }
  if (!info.isDirectory) throw new ConfigError(`not a folder: ${root}`);
}

if (import.meta.main) Deno.exit(await main(Deno.args));
