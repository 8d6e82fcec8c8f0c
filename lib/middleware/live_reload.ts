/**
 * Live reload, the HTTP side: answers the reserved paths (the event stream and the client
 * script, both under `/.zhttp/`, a dotfile folder, so never a user's file) and injects the
 * script's tag into HTML pages as they stream, through a ResponseWrapper. The file on disk
 * is never touched.
 *
 * The injected page is another representation than the file, so it gets its own validator
 * and everything that describes the file's bytes follows (RFC 9110 §8.8):
 * - ETag: the file's with LIVE_TAG_SUFFIX inside the quotes; Content-Length: the file's
 *   plus the tag's (the tag goes in exactly once), so HEAD, a page sent whole and a page
 *   streamed from disk all announce the length they have;
 * - Last-Modified is dropped: the page's bytes change when --live is turned on or off
 *   while the file's date does not, so a date would let a browser keep a page without the
 *   script (or with it) for a 304;
 * - conditional requests are translated before the static handler sees them: a tag with
 *   the suffix is compared as the file's, a tag without it (a page cached before --live)
 *   matches nothing, and If-Modified-Since / If-Unmodified-Since are ignored as for any
 *   resource without a modification date (RFC 9110 §13.1.3, §13.1.4). A 304 answering a
 *   suffixed tag carries the suffixed ETag back;
 * - Range is ignored, as RFC 9110 §14.2 allows, and Accept-Ranges says `none` (§14.3):
 *   ranges of the file would not be ranges of the page.
 * This is done for requests whose path may name a page (ends in "/", has no extension, or
 * an HTML one); other paths pass untouched, at no cost. Responses that are not HTML, that
 * are already encoded (Content-Encoding), 3xx and 206 are not injected.
 *
 * Order with other middleware: live reload is the innermost, so a compressing middleware
 * outside it compresses the injected page (its length and tag are then its business).
 */
import { createHash } from "node:crypto";
import { concat } from "../http/bytes.ts";
import { evaluatePreconditions } from "../http/conditional.ts";
import { formatEntityTag, parseEntityTag, parseEtagList } from "../http/etag.ts";
import { mediaTypeFor } from "../http/media_type.ts";
import { endWithStatus, type ResponseWriter } from "../http/response.ts";
import { CLIENT_SCRIPT, EVENTS_PATH, SCRIPT_PATH, SCRIPT_TAG } from "../live/client_script.ts";
import type { LiveEvents } from "../live/event_stream.ts";
import { HtmlInjector } from "../live/html_injector.ts";
import type { Middleware } from "../server/handler.ts";
import { type HttpRequest, RequestKey } from "../server/request.ts";
import { RequestView } from "../server/request_view.ts";
import { ResponseWrapper, wrapResponses } from "../server/response_wrapper.ts";

const encoder = new TextEncoder();
const SNIPPET = encoder.encode(SCRIPT_TAG);
const SCRIPT_BYTES = encoder.encode(CLIENT_SCRIPT);
/** Changes with the script, so a new zhttp's pages are never taken for an old one's. */
const SCRIPT_HASH = createHash("sha256").update(CLIENT_SCRIPT).update(SCRIPT_TAG).digest("hex")
  .slice(0, 8);
/** Appended inside the quotes of an injected page's ETag: `W/"1a-18c"` → `W/"1a-18c-live-…"`. */
export const LIVE_TAG_SUFFIX = `-live-${SCRIPT_HASH}`;
const SCRIPT_ETAG = `"${SCRIPT_HASH}"`;

/** Set on a request whose conditional fields named an injected page (a suffixed tag). */
const NAMES_INJECTED_PAGE = new RequestKey<boolean>("live: the request names an injected page");

/** Fields that describe the file's bytes or dates: translated or dropped for a page. */
const TAG_FIELDS = ["if-none-match", "if-match"] as const;
const DROPPED_FIELDS = ["if-modified-since", "if-unmodified-since", "range", "if-range"] as const;

/** The live-reload middleware, serving `events` at EVENTS_PATH. */
export function liveReload(events: LiveEvents): Middleware {
  const inject = wrapResponses((req, res) =>
    new ScriptInjectingWriter(res, req.get(NAMES_INJECTED_PAGE) === true)
  );
  return (next) => {
    const injecting = inject(next);
    return (req, res) => {
      const path = req.path;
      if (path === EVENTS_PATH) return events.serve(req, res);
      if (path === SCRIPT_PATH) return serveScript(req, res);
      const method = req.method;
      if ((method !== "GET" && method !== "HEAD") || !mayNamePage(path)) return next(req, res);
      return injecting(asPageRequest(req), res);
    };
  };
}

/**
 * Whether a raw URL path may be answered with a page: a folder ("/…/"), a name without an
 * extension (a single-page app's route, a 404 page), or an HTML file.
 */
export function mayNamePage(path: string): boolean {
  const name = path.slice(path.lastIndexOf("/") + 1);
  const dot = name.lastIndexOf(".");
  if (dot <= 0) return true;
  return mediaTypeFor(name).startsWith("text/html");
}

/** The ETag of the injected page made from a response whose ETag is `etag`. */
export function injectedTag(etag: string): string {
  const tag = parseEntityTag(etag);
  if (tag === null) return etag;
  return formatEntityTag({ weak: tag.weak, opaque: tag.opaque + LIVE_TAG_SUFFIX });
}

/**
 * An If-None-Match or If-Match value as the static handler must see it for an injected
 * page: suffixed tags become the file's, others are dropped (they name another
 * representation), so an empty list matches nothing. `*` and malformed values stay.
 */
export function fileTagsOf(value: string): { value: string; namedPage: boolean } {
  const tags = parseEtagList(value);
  if (tags === null || tags === "*") return { value, namedPage: false };
  const kept = tags
    .filter((tag) => tag.opaque.endsWith(LIVE_TAG_SUFFIX))
    .map((tag) =>
      formatEntityTag({ ...tag, opaque: tag.opaque.slice(0, -LIVE_TAG_SUFFIX.length) })
    );
  return { value: kept.join(", "), namedPage: kept.length > 0 };
}

/** `req` with its conditional and range fields translated for an injected page. */
function asPageRequest(req: HttpRequest): HttpRequest {
  const headers = req.headers;
  let changes: Record<string, string | null> | null = null;
  for (const name of TAG_FIELDS) {
    const value = headers.get(name);
    if (value === null) continue;
    const translated = fileTagsOf(value);
    (changes ??= {})[name] = translated.value;
    if (translated.namedPage) req.set(NAMES_INJECTED_PAGE, true);
  }
  for (const name of DROPPED_FIELDS) {
    if (headers.has(name)) (changes ??= {})[name] = null;
  }
  return changes === null ? req : new RequestView(req, { headers: changes });
}

/** Injects the script tag into an HTML response, and relabels what describes its bytes. */
class ScriptInjectingWriter extends ResponseWrapper {
  readonly #namesInjectedPage: boolean;
  #injector: HtmlInjector | null = null;

  constructor(inner: ResponseWriter, namesInjectedPage: boolean) {
    super(inner);
    this.#namesInjectedPage = namesInjectedPage;
  }

  protected override onHead(): void {
    const status = this.status;
    if (status === 304) {
      // It confirms the page the client has, which is an injected one only if it said so.
      if (this.#namesInjectedPage) this.#relabel();
      return;
    }
    if (!injectable(status, this.getHeader("content-type"), this.getHeader("content-encoding"))) {
      return;
    }
    this.#relabel();
    const length = this.getHeader("content-length");
    if (length !== undefined) this.setHeader("Content-Length", Number(length) + SNIPPET.length);
    if (this.getHeader("accept-ranges") !== undefined) this.setHeader("Accept-Ranges", "none");
    this.#injector = new HtmlInjector(SNIPPET);
  }

  override write(chunk: Uint8Array | string): Promise<void> {
    this.commitHead();
    const injector = this.#injector;
    if (injector === null) return this.inner.write(chunk);
    const pieces = injector.push(typeof chunk === "string" ? encoder.encode(chunk) : chunk);
    if (pieces.length === 0) return Promise.resolve();
    return this.inner.write(pieces.length === 1 ? pieces[0] : concat(pieces));
  }

  override end(body?: Uint8Array | string): void {
    this.commitHead();
    const injector = this.#injector;
    if (injector === null) return this.inner.end(body);
    const pieces = body === undefined
      ? []
      : injector.push(typeof body === "string" ? encoder.encode(body) : body);
    pieces.push(...injector.finish());
    this.inner.end(pieces.length === 1 ? pieces[0] : concat(pieces));
  }

  #relabel(): void {
    const etag = this.getHeader("etag");
    if (etag !== undefined) this.setHeader("ETag", injectedTag(etag));
    this.removeHeader("Last-Modified");
  }
}

/**
 * Whether a response gets the script: an HTML page (not UTF-16, whose bytes the scan would
 * not read) sent whole, as a success or an error page (a 404 page reloads into the page once
 * its file is saved), and not already encoded.
 */
function injectable(
  status: number,
  contentType: string | undefined,
  contentEncoding: string | undefined,
): boolean {
  if (status !== 200 && !(status >= 400 && status <= 599)) return false;
  if (contentEncoding !== undefined && contentEncoding.toLowerCase() !== "identity") return false;
  if (contentType === undefined) return false;
  const [essence, ...parameters] = contentType.toLowerCase().split(";");
  return essence.trim() === "text/html" && !parameters.some((p) => p.includes("utf-16"));
}

/** The client script, with an ETag so that each page load costs a 304. */
function serveScript(req: HttpRequest, res: ResponseWriter): void {
  if (req.method !== "GET" && req.method !== "HEAD") {
    res.setHeader("Allow", "GET, HEAD");
    return endWithStatus(res, 405, false);
  }
  res.setHeader("ETag", SCRIPT_ETAG);
  res.setHeader("Cache-Control", "no-cache");
  const precondition = evaluatePreconditions(req.method, {
    ifMatch: null,
    ifNoneMatch: req.headers.get("if-none-match"),
    ifModifiedSince: null,
    ifUnmodifiedSince: null,
  }, { etag: SCRIPT_ETAG, lastModifiedMs: 0 });
  if (precondition === 304) {
    res.status = 304;
    return res.end();
  }
  res.setHeader("Content-Type", "text/javascript; charset=utf-8");
  res.end(SCRIPT_BYTES);
}
