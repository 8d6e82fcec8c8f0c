/**
 * HTTPS redirect: while zhttp serves HTTPS, a request that came over plain HTTP (to the
 * `--https-redirect` port, or to the HTTPS port itself from a browser that was given an
 * http:// address) is sent to the same address over https, as nginx's
 * `return 301 https://$host$request_uri` and its 497 handling do.
 *
 * 307 Temporary Redirect rather than 301: browsers cache a permanent redirect without
 * limit, and a developer who later serves plain HTTP on the same port would be sent to
 * an https:// address nobody answers. 307 also keeps the method and body (RFC 9110
 * §15.4.8), so a POST is not turned into a GET.
 */
import type { Middleware } from "../server/handler.ts";
import type { HttpRequest } from "../server/request.ts";

/** The status of the redirect (see the module comment). */
export const HTTPS_REDIRECT_STATUS = 307;
/** The https default port, left out of URLs (RFC 9110 §4.2.2). */
const HTTPS_DEFAULT_PORT = 443;

/** Redirects every request that is not `req.secure` to https on `httpsPort`. */
export function redirectToHttps(httpsPort: number): Middleware {
  return (next) => (req, res) => {
    if (req.secure) return next(req, res);
    const location = httpsLocation(redirectFacts(req), httpsPort);
    res.status = HTTPS_REDIRECT_STATUS;
    res.setHeader("Location", location);
    res.setHeader("Content-Type", "text/plain; charset=utf-8");
    res.end(`This server speaks HTTPS: ${location}\n`);
  };
}

/** What the redirect is made from. */
export interface RedirectFacts {
  /** The request-target as sent. */
  target: string;
  /** The Host field, or null. */
  host: string | null;
  /** The address the client reached us at, for requests without a Host. */
  localHostname: string;
}

/**
 * The https URL for a request: its host without the port (RFC 9110 §7.2), or the address
 * it reached us at; `httpsPort` unless it is 443; and its path and query. A request in
 * absolute form names its own authority (RFC 9112 §3.2.2); `*` and authority form have no
 * path, and go to `/`.
 */
export function httpsLocation(facts: RedirectFacts, httpsPort: number): string {
  let host = facts.host;
  let pathAndQuery = facts.target.startsWith("/") ? facts.target : "/";
  const absolute = /^https?:\/\/([^/?#]*)([^#]*)/i.exec(facts.target);
  if (absolute !== null) {
    host = absolute[1].replace(/^[^@]*@/, "");
    pathAndQuery = absolute[2] === "" ? "/" : absolute[2];
    if (!pathAndQuery.startsWith("/")) pathAndQuery = `/${pathAndQuery}`;
  }
  const hostname = host === null || host === ""
    ? bracketed(facts.localHostname)
    : withoutPort(host);
  const port = httpsPort === HTTPS_DEFAULT_PORT ? "" : `:${httpsPort}`;
  return `https://${hostname}${port}${pathAndQuery}`;
}

function redirectFacts(req: HttpRequest): RedirectFacts {
  const local = req.localAddr;
  return {
    target: req.target,
    host: req.headers.get("host"),
    localHostname: local.transport === "tcp" ? local.hostname : "localhost",
  };
}

/** `example.lan:8080` → `example.lan`, `[::1]:8080` → `[::1]`. */
function withoutPort(host: string): string {
  if (host.startsWith("[")) {
    const end = host.indexOf("]");
    return end < 0 ? host : host.slice(0, end + 1);
  }
  const colon = host.indexOf(":");
  return colon < 0 ? host : host.slice(0, colon);
}

/** An address as a URL's host: IPv6 in brackets, an IPv4-mapped one as plain IPv4. */
function bracketed(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped !== null) return mapped[1];
  return address.includes(":") ? `[${address}]` : address;
}
