/**
 * The page a browser gets for a 404 or 403 in a served folder (unless the folder has its own
 * 404.html): what went wrong and a link to the parent folder, so a person is never left at
 * a dead end. Self-contained (inline style, no script, no image, no request to anywhere)
 * and sent with a Content-Security-Policy that allows nothing else. Clients that do not ask
 * for HTML (curl, scripts, fetch) keep the short text body.
 */
import { namesMediaType } from "../../http/accept.ts";
import { escapeHtml } from "./listing_page.ts";

/** The statuses that get a page. */
export type PageStatus = 403 | 404;

/** Sent with the page: it loads nothing and runs nothing; its one style is inline. */
export const ERROR_PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'";

const TITLES: Record<PageStatus, string> = { 403: "Forbidden", 404: "Not Found" };
const EXPLANATIONS: Record<PageStatus, string> = {
  403: "zhttp will not serve this address.",
  404: "There is nothing at this address.",
};

/** The media types that make a request one for a page. */
const HTML_TYPES = ["text/html", "application/xhtml+xml"];

/**
 * Whether a request's Accept field asks for HTML by name, with a weight above 0: browsers
 * navigating to a page send `text/html` first. A missing Accept means any type (RFC 9110
 * §12.5.1), but such clients are programs, better served by the short text; so are those
 * that send `*\/*` (a script's `fetch()`).
 */
export function acceptsHtml(accept: string | null): boolean {
  return HTML_TYPES.some((type) => namesMediaType(accept, type));
}

/**
 * The folder above what a request path names: "/docs/a.html" → "/docs/", "/docs/old/" →
 * "/docs/", "/" → "/". `rawPath` is the path as the request sent it (percent-encoded). Dot
 * segments (also encoded) are resolved, and "\\" separates as "/" does, as browsers read
 * it; empty segments are dropped, as the static handler drops them. So the result is
 * always a path on this server: never "//host/", which a browser would take for another
 * site.
 */
export function parentFolder(rawPath: string): string {
  const segments: string[] = [];
  for (const segment of rawPath.split(/[\\/]/)) {
    const dots = segment.replace(/%2e/gi, ".");
    if (dots === "" || dots === ".") continue;
    if (dots === "..") segments.pop();
    else segments.push(segment);
  }
  segments.pop();
  return segments.length === 0 ? "/" : `/${segments.join("/")}/`;
}

/** The whole page for `status` at `rawPath`; every text from the request is escaped. */
export function renderErrorPage(status: PageStatus, rawPath: string): string {
  const title = `${status} ${TITLES[status]}`;
  const parent = parentFolder(rawPath);
  const shown = safeDecode(rawPath);
  const parentLabel = parent === "/" ? "the top folder" : safeDecode(parent);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<meta name="robots" content="noindex">
<title>${title}</title>
<style>
body{font:16px/1.5 system-ui,sans-serif;margin:0;padding:12vh 1.5rem;color:#1d2430;background:#f6f7f9}
main{max-width:36rem;margin:0 auto}
.code{font-size:4rem;font-weight:700;line-height:1;margin:0;color:#0b5cad}
h1{font-size:1.5rem;margin:.5rem 0 1rem}
code{font:.95em ui-monospace,monospace;overflow-wrap:anywhere}
a{color:#0b5cad}
@media (prefers-color-scheme:dark){body{color:#e4e8ee;background:#14181f}.code,a{color:#6cb0ff}}
</style>
</head>
<body>
<main>
<p class="code">${status}</p>
<h1>${TITLES[status]}</h1>
<p>${EXPLANATIONS[status]} <code>${escapeHtml(shown)}</code></p>
<p><a href="${escapeHtml(parent)}">Go to ${escapeHtml(parentLabel)}</a></p>
</main>
</body>
</html>
`;
}

/** The path as a person reads it; left encoded where it does not decode. */
function safeDecode(rawPath: string): string {
  try {
    return decodeURIComponent(rawPath);
  } catch {
    return rawPath;
  }
}
