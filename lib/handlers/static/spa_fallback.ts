/**
 * The single-page-app fallback (`--spa`): a request that a browser makes for a page of the
 * app (a route such as `/settings/profile`) gets the root index.html with 200, and the
 * app's router takes it from there. The rule, in full: GET (or HEAD, which must answer as
 * GET would, RFC 9110 §9.3.2), a path with no file extension in its last segment, an
 * Accept field that names text/html, and nothing at that path on disk. Everything else is
 * answered by the static handler exactly as without --spa: real files and folders, missing
 * assets (`/app.js` stays 404, so a broken script tag shows as one), refused paths, other
 * methods.
 */
import path from "node:path";
import { namesMediaType } from "../../http/accept.ts";
import type { Handler } from "../../server/handler.ts";
import type { HttpRequest } from "../../server/request.ts";
import { RequestView } from "../../server/request_view.ts";
import { INDEX_FILE } from "./static_handler.ts";
import { joinInsideRoot, type PathFlavour, resolveUrlPath } from "./safe_path.ts";

export interface SpaOptions {
  /** The folder served. */
  root: string;
  /** As the static handler has it: dotfile paths are refused there, and stay so. */
  showDotfiles: boolean;
  flavour?: PathFlavour;
}

/** `staticHandler` with the fallback in front of it. */
export function withSpaFallback(staticHandler: Handler, options: SpaOptions): Handler {
  const flavour = options.flavour ?? path;
  const root = flavour.resolve(options.root);
  const index = `/${INDEX_FILE}`;
  return (req, res) => {
    if (!isAppRoute(req)) return staticHandler(req, res);
    const decision = resolveUrlPath(req.path, { showDotfiles: options.showDotfiles });
    if (!decision.ok) return staticHandler(req, res);
    const fsPath = joinInsideRoot(root, decision.segments, flavour);
    return Deno.stat(fsPath).then(
      () => staticHandler(req, res),
      (error) =>
        isMissing(error)
          ? staticHandler(new RequestView(req, { target: index }), res)
          : staticHandler(req, res),
    );
  };
}

/** GET or HEAD, no extension in the last segment, and asking for a page by name. */
function isAppRoute(req: HttpRequest): boolean {
  const method = req.method;
  if (method !== "GET" && method !== "HEAD") return false;
  const target = req.path;
  const name = target.slice(target.lastIndexOf("/") + 1);
  if (name.lastIndexOf(".") > 0) return false;
  return namesMediaType(req.headers.get("accept"), "text/html");
}

function isMissing(error: unknown): boolean {
  return error instanceof Deno.errors.NotFound || error instanceof Deno.errors.NotADirectory;
}
