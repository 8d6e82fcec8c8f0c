/**
 * The zhttp application: the routes and the middleware chain around them, built from a
 * Config. Kept apart from main.ts so that tests and embedders get exactly what the binary
 * serves.
 */
import { compose, type Handler } from "./server/handler.ts";
import { echoBody, echoRequest } from "./handlers/echo.ts";
import { hello } from "./handlers/hello.ts";
import { accessLog, type AccessLogFormat } from "./middleware/access_log.ts";
import { compression } from "./middleware/compression.ts";
import { errorBoundary } from "./middleware/error_boundary.ts";
import { Router } from "./router.ts";

export interface AppOptions {
  /** Handles every path no route claims (the static file handler). */
  fallback?: Handler;
  /** Access log format; null turns the access log off. */
  accessLog?: AccessLogFormat | null;
  /** Compress responses on the fly (the compression middleware); default false. */
  compress?: boolean;
}

/** Routes `/hello` and `/echo`, then everything else to the fallback, behind middleware. */
export function createApp(options: AppOptions = {}): Handler {
  const router = new Router()
    .get("/hello", hello)
    .get("/echo", echoRequest)
    .on(["POST", "PUT"], "/echo", echoBody);
  // Without a fallback the router answers unknown paths with 404 itself.
  if (options.fallback !== undefined) router.fallback(options.fallback);
  const middleware = [errorBoundary()];
  if (options.accessLog) middleware.unshift(accessLog(options.accessLog));
  // Inside the error boundary: a failed handler's error answer goes out on the writer the
  // compression wrapped, unencoded; outside the handlers, whose bodies it encodes.
  if (options.compress) middleware.push(compression());
  return compose(router.handler(), ...middleware);
}
