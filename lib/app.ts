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
import { errorBoundary } from "./middleware/error_boundary.ts";
import { redirectToHttps } from "./middleware/https_redirect.ts";
import { Router } from "./router.ts";

export interface AppOptions {
  /** Handles every path no route claims (the static file handler). */
  fallback?: Handler;
  /** Access log format; null turns the access log off. */
  accessLog?: AccessLogFormat | null;
  /** With HTTPS on this port: requests that came over plain HTTP are redirected to it. */
  httpsPort?: number;
  /** zhttp's local CA certificate, downloadable at CA_CERTIFICATE_PATH. */
  caCertificate?: CaCertificateDownload;
}

/** Routes `/hello` and `/echo`, then everything else to the fallback, behind middleware. */
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
  if (options.httpsPort !== undefined) middleware.push(redirectToHttps(options.httpsPort));
  if (options.accessLog) middleware.unshift(accessLog(options.accessLog));
  return compose(router.handler(), ...middleware);
}
