/**
 * The zhttp application: the routes and the middleware chain around them, built from a
 * Config. Kept apart from main.ts so that tests and embedders get exactly what the binary
 * serves.
 */
import { compose, type Handler, type Middleware } from "./server/handler.ts";
import {
  CA_CERTIFICATE_PATH,
  caCertificate,
  type CaCertificateDownload,
} from "./handlers/ca_certificate.ts";
import { echoBody, echoRequest } from "./handlers/echo.ts";
import { hello } from "./handlers/hello.ts";
import { accessLog, type AccessLogFormat } from "./middleware/access_log.ts";
import { compression } from "./middleware/compression.ts";
import { errorBoundary } from "./middleware/error_boundary.ts";
import { liveReload } from "./middleware/live_reload.ts";
import type { LiveEvents } from "./live/event_stream.ts";
import { type HeaderRule, responseHeaders } from "./middleware/response_headers.ts";
import { redirectToHttps } from "./middleware/https_redirect.ts";
import { Router } from "./router.ts";

export interface AppOptions {
  /** Handles every path no route claims (the static file handler). */
  fallback?: Handler;
  /** Access log format; null turns the access log off. */
  accessLog?: AccessLogFormat | null;
  /** --live: the event streams to serve, and pages get the live-reload script. */
  live?: LiveEvents;
  /** Extra response headers (--header, zhttp.json `headers`). */
  headers?: readonly HeaderRule[];
  /**
   * Access control (`basicAuth()`): right inside the error boundary, so that every route
   * and every middleware after it is behind it.
   */
  auth?: Middleware;
  /** Compress responses on the fly (the compression middleware); default false. */
  compress?: boolean;
  /** With HTTPS on this port: requests that came over plain HTTP are redirected to it. */
  httpsPort?: number;
  /** zhttp's local CA certificate, downloadable at CA_CERTIFICATE_PATH. */
  caCertificate?: CaCertificateDownload;
}

/**
 * Routes `/hello` and `/echo`, then everything else to the fallback, behind middleware.
 * The order, outermost first: access log, response headers, error boundary, auth, then the
 * response-changing middleware with live reload innermost (compression goes outside it:
 * a page gets its script first, and is compressed after).
 */
export function createApp(options: AppOptions = {}): Handler {
  const router = new Router()
    .get("/hello", hello)
    .get("/echo", echoRequest)
    .on(["POST", "PUT"], "/echo", echoBody);
  if (options.caCertificate !== undefined) {
    router.get(CA_CERTIFICATE_PATH, caCertificate(options.caCertificate));
  }
  // Without a fallback the router answers unknown paths with 404 itself.
  if (options.fallback !== undefined) router.fallback(options.fallback);
  const middleware: Middleware[] = [errorBoundary()];
  // Outside the error boundary, so that error answers get the user's headers too; globs
  // match in any case where file names do, or a path spelt otherwise would escape its rule.
  if (options.headers !== undefined && options.headers.length > 0) {
    const caseInsensitive = Deno.build.os === "windows" || Deno.build.os === "darwin";
    middleware.unshift(responseHeaders(options.headers, { caseInsensitive }));
  }
  // Plain HTTP goes to HTTPS before anything else, so no password is asked for in clear.
  if (options.httpsPort !== undefined) middleware.push(redirectToHttps(options.httpsPort));
  // Right inside the error boundary: every route and live reload's streams need a login.
  if (options.auth) middleware.push(options.auth);
  if (options.accessLog) middleware.unshift(accessLog(options.accessLog));
  // Inside the error boundary: a failed handler's error answer goes out on the writer the
  // compression wrapped, unencoded; outside the handlers, whose bodies it encodes.
  if (options.compress) middleware.push(compression());
  // Live reload is the innermost: what wraps responses outside it (compression) must see
  // the page with its script, so it is injected first and compressed after.
  if (options.live !== undefined) middleware.push(liveReload(options.live));
  return compose(router.handler(), ...middleware);
}
