/**
 * The zhttp application: the routes and the middleware chain around them, built from a
 * Config. Kept apart from main.ts so that tests and embedders get exactly what the binary
 * serves.
 */
import { compose, type Handler, type Middleware } from "./server/handler.ts";
import { echoBody, echoRequest } from "./handlers/echo.ts";
import { hello } from "./handlers/hello.ts";
import { accessLog, type AccessLogFormat } from "./middleware/access_log.ts";
import { errorBoundary } from "./middleware/error_boundary.ts";
import { Router } from "./router.ts";

export interface AppOptions {
  /** Handles every path no route claims (the static file handler). */
  fallback?: Handler;
  /** Access log format; null turns the access log off. */
  accessLog?: AccessLogFormat | null;
  /**
   * Access control (`basicAuth()`): right inside the error boundary, so that every route
   * and every middleware after it is behind it.
   */
  auth?: Middleware;
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
  if (options.auth) middleware.push(options.auth);
  if (options.accessLog) middleware.unshift(accessLog(options.accessLog));
  return compose(router.handler(), ...middleware);
}
