/** The one handler signature, and middleware as functions from handler to handler. */
import type { HttpRequest } from "./request.ts";
import type { ResponseWriter } from "../http/response.ts";

/** Answers one request: set status and headers on `res`, then end or stream the body. */
export type Handler = (req: HttpRequest, res: ResponseWriter) => void | Promise<void>;

/** Wraps a handler in behaviour of its own (logging, error handling, auth...). */
export type Middleware = (next: Handler) => Handler;

/** Applies middleware so that the first listed is the outermost: it sees requests first. */
export function compose(handler: Handler, ...middleware: Middleware[]): Handler {
  let composed = handler;
  for (let i = middleware.length - 1; i >= 0; i--) composed = middleware[i](composed);
  return composed;
}
