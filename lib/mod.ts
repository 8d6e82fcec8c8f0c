/**
 * zhttp as a library: the HTTP/1.1 engine, router, middleware and static file handler that
 * the `zhttp` program is made of, for programs that serve HTTP themselves.
 *
 * A handler answers a request on a Go-style writer: set `res.status` and headers, then
 * `res.end(body)`, or stream with `await res.write(chunk)`. Middleware wraps a handler and
 * returns a handler; `compose()` chains them. Code written for `Deno.serve` mounts as it is
 * with `fetchHandler()`.
 *
 * @example A folder served, one route and one middleware
 * ```ts
 * import { compose, createStaticHandler, type Middleware, Router, serve } from "@zhttp/zhttp";
 *
 * const poweredBy: Middleware = (next) => (req, res) => {
 *   res.setHeader("X-Powered-By", "zhttp");
 *   return next(req, res);
 * };
 * const router = new Router()
 *   .get("/api/hello/:name", (req, res) => res.end(`Hello, ${req.params.name}!\n`))
 *   .fallback(createStaticHandler({
 *     root: "public",
 *     listing: true,
 *     showDotfiles: false,
 *     followSymlinks: false,
 *     cacheControl: "no-cache",
 *     cors: false,
 *   }));
 * const server = serve({ handler: compose(router.handler(), poweredBy), port: 8080 });
 * console.log(`http://localhost:${server.addr.port}/`);
 * ```
 *
 * @module
 */
export {
  DEFAULT_DRAIN_MS,
  DEFAULT_MAX_BODY_BYTES,
  DEFAULT_MAX_CONNECTIONS,
  DEFAULT_TIMEOUTS,
  serve,
  type ServeOptions,
  Server,
  type ShutdownReport,
} from "./server/server.ts";
export type { ConnectionLimits, Timeouts } from "./server/connection.ts";
export {
  type BodyKind,
  DEFAULT_PARSER_LIMITS,
  type ParserLimits,
  type RequestHead,
  type TargetForm,
} from "./http/parser.ts";
export {
  hostOf,
  LISTEN_BACKLOG,
  type Listener,
  listenTcp,
  listenUnix,
  type Transport,
} from "./server/transport.ts";
export { compose, type Handler, type Middleware } from "./server/handler.ts";
export { HttpRequest, RequestKey } from "./server/request.ts";
export type { BodyReader } from "./server/body.ts";
export type { HeaderTable } from "./http/headers.ts";
export type { ResponseWriter } from "./http/response.ts";
export { ResponseWrapper, wrapResponses } from "./server/response_wrapper.ts";
export { HttpError } from "./http/errors.ts";
export { Router } from "./router.ts";
export { createStaticHandler, type StaticOptions } from "./handlers/static/static_handler.ts";
export { DEFAULT_FILE_CACHE_LIMITS, type FileCacheLimits } from "./handlers/static/file_cache.ts";
export type { PathFlavour } from "./handlers/static/safe_path.ts";
export { accessLog, type AccessLogFormat } from "./middleware/access_log.ts";
export { errorBoundary } from "./middleware/error_boundary.ts";
export { fetchHandler, MAX_WHOLE_BODY_BYTES } from "./handlers/fetch_adapter.ts";
export { hello } from "./handlers/hello.ts";
export { echoBody, echoRequest } from "./handlers/echo.ts";
