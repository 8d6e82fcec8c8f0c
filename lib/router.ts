/**
 * Routes by method and path pattern: exact (`/hello`), parameters (`/users/:id`) and a
 * trailing wildcard (`/assets/*`). Patterns match the raw path segment by segment;
 * parameters are percent-decoded once, here, and handed to the handler in `req.params`.
 *
 * Unknown path → the fallback handler (static files) or 404; known path, other method →
 * 405 with `Allow` (RFC 9110 §15.5.6); HEAD is served by GET handlers (§9.3.2); OPTIONS
 * answers `Allow` unless a route handles it (§9.3.7).
 */
import type { Handler } from "./server/handler.ts";
import { HttpError } from "./http/errors.ts";
import type { ResponseWriter } from "./http/response.ts";
import type { HttpRequest } from "./server/request.ts";

type Segment = { literal: string } | { param: string };

interface Route {
  readonly pattern: string;
  readonly segments: readonly Segment[];
  /** The last segment is `*`: it matches the rest of the path, one or more segments. */
  readonly wildcard: boolean;
  readonly handlers: Map<string, Handler>;
}

/**
 * Routes requests by method and path pattern to handlers; `handler()` makes it one
 * handler. Exact patterns are looked up in one step; patterns with parameters are tried in
 * the order they were added.
 *
 * @example An API with parameters, a wildcard and files for everything else
 * ```ts
 * import { createStaticHandler, Router, serve } from "@zhttp/zhttp";
 *
 * const router = new Router()
 *   .get("/users/:id", (req, res) => res.end(`user ${req.params.id}\n`))
 *   .post("/users", async (req, res) => {
 *     res.status = 201;
 *     res.end(await req.text());
 *   })
 *   .get("/docs/*", (req, res) => res.end(`page ${req.params["*"]}\n`))
 *   .fallback(createStaticHandler({
 *     root: "public",
 *     listing: false,
 *     showDotfiles: false,
 *     followSymlinks: false,
 *     cacheControl: "no-cache",
 *     cors: false,
 *   }));
 * serve({ handler: router.handler() });
 * ```
 */
export class Router {
  /** Patterns without parameters or wildcard, looked up in one step. */
  readonly #exact = new Map<string, Route>();
  /** Patterns with parameters or a wildcard, tried in the order they were added. */
  readonly #patterns: Route[] = [];
  #fallback: Handler | null = null;

  /** Routes GET (and so HEAD) requests for `pattern` to `handler`. */
  get(pattern: string, handler: Handler): this {
    return this.on("GET", pattern, handler);
  }

  /** Routes POST requests for `pattern` to `handler`. */
  post(pattern: string, handler: Handler): this {
    return this.on("POST", pattern, handler);
  }

  /** Routes PUT requests for `pattern` to `handler`. */
  put(pattern: string, handler: Handler): this {
    return this.on("PUT", pattern, handler);
  }

  /** Routes DELETE requests for `pattern` to `handler`. */
  delete(pattern: string, handler: Handler): this {
    return this.on("DELETE", pattern, handler);
  }

  /** Adds `handler` for one or several methods (case-sensitive, RFC 9110 §9.1). */
  on(methods: string | readonly string[], pattern: string, handler: Handler): this {
    const route = this.#routeFor(pattern);
    for (const method of typeof methods === "string" ? [methods] : methods) {
      if (route.handlers.has(method)) throw new Error(`${method} ${pattern} is already routed`);
      route.handlers.set(method, handler);
    }
    return this;
  }

  /** The handler for paths no route matches (the static file handler, usually). */
  fallback(handler: Handler): this {
    this.#fallback = handler;
    return this;
  }

  /** The router as a handler. */
  handler(): Handler {
    return (req, res) => this.#dispatch(req, res);
  }

  #dispatch(req: HttpRequest, res: ResponseWriter): void | Promise<void> {
    const path = req.path;
    const exact = this.#exact.get(path);
    if (exact !== undefined) return this.#dispatchTo(exact, req, res);
    if (this.#patterns.length > 0) {
      const segments = path.split("/");
      for (const route of this.#patterns) {
        const params = matchRoute(route, segments);
        if (params !== null) {
          req.params = params;
          return this.#dispatchTo(route, req, res);
        }
      }
    }
    if (this.#fallback !== null) return this.#fallback(req, res);
    throw new HttpError(404, "Not Found", { closeConnection: false });
  }

  #dispatchTo(route: Route, req: HttpRequest, res: ResponseWriter): void | Promise<void> {
    const method = req.method;
    const handler = route.handlers.get(method) ??
      (method === "HEAD" ? route.handlers.get("GET") : undefined);
    if (handler !== undefined) return handler(req, res);

    res.setHeader("Allow", allowedMethods(route));
    if (method === "OPTIONS") {
      res.status = 204;
      res.end();
      return;
    }
    throw new HttpError(405, "Method Not Allowed", { closeConnection: false });
  }

  #routeFor(pattern: string): Route {
    const route = compilePattern(pattern);
    const isExact = !route.wildcard && route.segments.every((segment) => "literal" in segment);
    if (isExact) {
      const existing = this.#exact.get(pattern);
      if (existing !== undefined) return existing;
      this.#exact.set(pattern, route);
      return route;
    }
    const existing = this.#patterns.find((candidate) => candidate.pattern === pattern);
    if (existing !== undefined) return existing;
    this.#patterns.push(route);
    return route;
  }
}

/** `Allow`: the route's methods, with HEAD wherever GET is, and OPTIONS. */
function allowedMethods(route: Route): string {
  const methods = new Set(route.handlers.keys());
  if (methods.has("GET")) methods.add("HEAD");
  methods.add("OPTIONS");
  return [...methods].join(", ");
}

function compilePattern(pattern: string): Route {
  if (!pattern.startsWith("/")) throw new Error(`a route pattern starts with "/": ${pattern}`);
  const parts = pattern.split("/").slice(1);
  const wildcard = parts.at(-1) === "*";
  if (wildcard) parts.pop();
  const segments: Segment[] = parts.map((part) => {
    if (part.startsWith(":")) {
      if (part.length === 1) throw new Error(`a parameter needs a name: ${pattern}`);
      return { param: part.slice(1) };
    }
    if (part.includes("*")) throw new Error(`"*" is only allowed as the last segment: ${pattern}`);
    return { literal: part };
  });
  return { pattern, segments, wildcard, handlers: new Map() };
}

/**
 * Matches split path segments (index 0 is the empty string before the leading "/") against
 * a route. Returns the decoded parameters, or null when the route does not match.
 */
function matchRoute(route: Route, pathSegments: readonly string[]): Record<string, string> | null {
  const count = pathSegments.length - 1;
  const fixed = route.segments.length;
  if (route.wildcard ? count <= fixed : count !== fixed) return null;
  let params: Record<string, string> | null = null;
  for (let i = 0; i < fixed; i++) {
    const segment = route.segments[i];
    const actual = pathSegments[i + 1];
    if ("literal" in segment) {
      if (segment.literal !== actual) return null;
    } else {
      if (actual === "") return null;
      params ??= {};
      params[segment.param] = decodeParam(actual);
    }
  }
  params ??= {};
  if (route.wildcard) params["*"] = decodeParam(pathSegments.slice(fixed + 1).join("/"));
  return params;
}

function decodeParam(raw: string): string {
  if (!raw.includes("%")) return raw;
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new HttpError(400, "Bad Request", { closeConnection: false });
  }
}
