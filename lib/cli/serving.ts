/**
 * From a startup plan to a server serving it: the certificate (HTTPS), the sockets (with the
 * port fallback and the redirect port), the folder watch (--live) and the handler the
 * program runs, the same one its tests and every worker build (createProgramHandler).
 */
import { createApp } from "../app.ts";
import type { BannerTls } from "./banner.ts";
import { bindListeners, isWildcardHost } from "./bind.ts";
import { createAuth } from "./auth_setup.ts";
import { ConfigError } from "./config.ts";
import { type HttpsCertificate, type HttpsMachine, prepareHttps } from "./https.ts";
import {
  lanAddresses,
  listenForRedirect,
  listenWithFallback,
  type StartupPlan,
} from "./startup.ts";
import { CA_CERTIFICATE_PATH, type CaCertificateDownload } from "../handlers/ca_certificate.ts";
import { withSpaFallback } from "../handlers/static/spa_fallback.ts";
import { createStaticHandler } from "../handlers/static/static_handler.ts";
import { LiveReload } from "../live/live_reload.ts";
import type { Handler } from "../server/handler.ts";
import { Server } from "../server/server.ts";
import { type Listener, listenTcp } from "../server/transport.ts";
import { sharesPorts, WorkerPool } from "./workers.ts";

/** A plan to serve a folder (not --help, --version or hash-password). */
export type ServePlan = Extract<StartupPlan, { action: "serve" }>;

/** A server listening, and what the banner and the shutdown need to know about it. */
export interface Serving {
  server: Server;
  busyPort?: number;
  https: HttpsCertificate | null;
  redirectPort?: number;
  /** The folder watch of --live, to be closed when shutting down; null without --live. */
  live: LiveReload | null;
  /** The other server threads of --workers; null when the main thread serves alone. */
  workers: WorkerPool | null;
}

/** What the handler needs beyond the plan: the parts startup made. */
export interface ProgramParts {
  live: LiveReload | null;
  /** With HTTPS, its port: requests over plain HTTP are redirected there. */
  httpsPort?: number;
  caCertificate?: CaCertificateDownload;
}

/**
 * Prepares the certificate (with HTTPS), binds the port (falling back from a busy default
 * one) and the redirect port, starts watching the folder (with --live), then starts
 * serving. Startup mistakes are ConfigErrors.
 */
export async function startServing(plan: ServePlan): Promise<Serving> {
  const { config } = plan;
  const https = config.https ? await prepareHttps(config, httpsMachine(config.host)) : null;
  const threads = workerThreads(config.workers, Deno.build.os);
  const tls = https === null ? null : { cert: https.certificatePem, key: https.privateKeyPem };
  const listen = await listenerFor(tls, threads > 1);
  const bound = await listenWithFallback(
    config,
    (port) => bindListeners(config.host, port, listen),
  );
  const listeners: Listener[] = [...bound.server];
  const port = (listeners[0].addr as Deno.NetAddr).port;
  try {
    if (config.httpsRedirectPort !== null) {
      listeners.push(...await listenForRedirect(config.host, config.httpsRedirectPort));
    }
  } catch (error) {
    for (const listener of listeners) listener.close();
    throw error;
  }
  let live: LiveReload | null = null;
  try {
    live = config.live ? startLiveReload(config.root, plan.hiddenFiles) : null;
  } catch (error) {
    for (const listener of listeners) listener.close();
    throw error;
  }
  const parts: ProgramParts = {
    live,
    httpsPort: https === null ? undefined : port,
    caCertificate: https?.ca == null
      ? undefined
      : { der: https.ca.certificateDer, mediaType: https.caMediaType },
  };
  let workers: WorkerPool | null = null;
  if (threads > 1) {
    try {
      workers = await WorkerPool.start(threads - 1, {
        plan,
        port,
        tls,
        httpsPort: parts.httpsPort,
        caCertificate: parts.caCertificate,
      });
    } catch (error) {
      for (const listener of listeners) listener.close();
      await live?.close();
      throw new ConfigError(`--workers could not start: ${(error as Error).message}.`);
    }
  }
  const server = serverFor(plan, createProgramHandler(plan, parts), listeners);
  return {
    server,
    busyPort: bound.busyPort,
    https,
    redirectPort: config.httpsRedirectPort ?? undefined,
    live,
    workers,
  };
}

/** How many threads serve: --workers where the OS spreads connections over them, else 1. */
export function workerThreads(workers: number, os: typeof Deno.build.os): number {
  return sharesPorts(os) ? workers : 1;
}

/** The Server for `plan` on `listeners`, with the plan's bounds and deadlines. */
export function serverFor(plan: ServePlan, handler: Handler, listeners: Listener[]): Server {
  const { config } = plan;
  return new Server({
    handler,
    listeners,
    maxConnections: config.maxConnections,
    timeouts: config.timeouts,
    limits: { maxBodyBytes: config.maxBodyBytes },
    drainMs: config.drainMs,
  });
}

/**
 * How to listen on one address: plain TCP, or HTTPS with `tls` (the TLS listener, loaded
 * only then: node:net and node:tls cost a plain start some 30 ms); `reusePort` to share the
 * port with the other workers.
 */
export async function listenerFor(
  tls: { cert: string; key: string } | null,
  reusePort: boolean,
): Promise<(address: { hostname: string; port: number }) => Listener | Promise<Listener>> {
  if (tls === null) return (address) => listenTcp({ ...address, reusePort });
  const { listenTls } = await import("../server/tls_listener.ts");
  return (address) =>
    listenTls({
      ...address,
      cert: tls.cert,
      key: tls.key,
      // A browser given an http:// address for this port is redirected (by the app).
      plainHttp: "serve",
      reusePort,
    });
}

/** The routes and middleware zhttp runs for `plan` (see app.ts for their order). */
export function createProgramHandler(plan: ServePlan, parts: ProgramParts): Handler {
  const { config } = plan;
  const files = createStaticHandler({
    ...config,
    hiddenFiles: plan.hiddenFiles,
    hiddenFolders: plan.hiddenFolders,
  });
  return createApp({
    accessLog: config.quiet ? null : config.logFormat,
    fallback: config.spa ? withSpaFallback(files, config) : files,
    live: parts.live?.events,
    headers: config.headers,
    auth: config.auth === null ? undefined : createAuth(config.auth, config),
    compress: config.compress,
    httpsPort: parts.httpsPort,
    caCertificate: parts.caCertificate,
  });
}

/** Starts watching `root` for --live; a folder that cannot be watched is a startup mistake. */
export function startLiveReload(root: string, hiddenFiles: readonly string[]): LiveReload {
  try {
    return new LiveReload({ root, hiddenFiles });
  } catch (error) {
    throw new ConfigError(`cannot watch ${root} for --live: ${(error as Error).message}.`);
  }
}

/** What the banner says about the certificate. */
export function bannerTls(https: HttpsCertificate): BannerTls {
  return {
    names: https.leaf.names,
    notAfter: https.leaf.notAfter,
    certFile: https.certFile,
    ca: https.ca === null ? null : {
      file: https.ca.file,
      sha256Fingerprint: https.ca.sha256Fingerprint,
      created: https.ca.created,
      downloadPath: CA_CERTIFICATE_PATH,
    },
    leftOut: https.leftOut,
  };
}

/** The real machine, as HTTPS startup sees it: with --lan, its LAN addresses go in the leaf. */
export function httpsMachine(host: string): HttpsMachine {
  return {
    os: Deno.build.os,
    env: (name) => Deno.env.get(name),
    hostname: () => Deno.hostname(),
    lanAddresses: isWildcardHost(host)
      ? lanAddresses(Deno.networkInterfaces())
      : host === "localhost"
      ? []
      : [host],
  };
}
