/**
 * Access log: one line per answered request, through LogTape (category zhttp.access), in a
 * readable form by default or in the Common Log Format that log tools understand.
 */
import { getLogger } from "@logtape/logtape";
import type { Middleware } from "../server/handler.ts";
import type { ResponseWriter } from "../http/response.ts";
import type { HttpRequest } from "../server/request.ts";
import { hostOf } from "../server/transport.ts";
import { AUTHENTICATED_USER } from "./basic_auth.ts";

/**
 * How access log lines look: "pretty" (`GET /hello 200 14 B 0.3 ms 127.0.0.1`) or "common",
 * the Common Log Format that log tools read.
 *
 * @example
 * ```ts
 * import { accessLog, type AccessLogFormat } from "@zhttp/zhttp";
 *
 * const format: AccessLogFormat = Deno.stdout.isTerminal() ? "pretty" : "common";
 * const log = accessLog(format);
 * ```
 */
export type AccessLogFormat = "pretty" | "common";

const logger = getLogger(["zhttp", "access"]);

/**
 * A middleware that logs one line per answered request, with its status, size and time,
 * through LogTape (category `["zhttp", "access"]`, level info): nothing is printed until
 * LogTape is configured with a sink for it.
 *
 * @example Log requests to the console
 * ```ts
 * import { configure, getConsoleSink } from "@logtape/logtape";
 * import { accessLog, compose, hello, serve } from "@zhttp/zhttp";
 *
 * await configure({
 *   sinks: { console: getConsoleSink() },
 *   loggers: [{ category: ["zhttp", "access"], lowestLevel: "info", sinks: ["console"] }],
 * });
 * serve({ handler: compose(hello, accessLog()) });
 * ```
 */
export function accessLog(format: AccessLogFormat = "pretty"): Middleware {
  const formatLine = format === "common" ? commonLogLine : prettyLine;
  return (next) => (req, res) => {
    const started = performance.now();
    // The {line} placeholder keeps the text out of LogTape's message parsing.
    const log = () =>
      logger.info("{line}", { line: formatLine(req, res, performance.now() - started) });
    let result;
    try {
      result = next(req, res);
    } catch (error) {
      log();
      throw error;
    }
    if (result instanceof Promise) return result.finally(log);
    log();
  };
}

/** `GET /hello 200 14 B 0.3 ms 127.0.0.1`, then the user's name when they logged in. */
export function prettyLine(req: HttpRequest, res: ResponseWriter, elapsedMs: number): string {
  const user = req.get(AUTHENTICATED_USER);
  return `${req.method} ${req.target} ${res.status} ${res.bytesWritten} B ` +
    `${elapsedMs.toFixed(1)} ms ${hostOf(req.remoteAddr)}` +
    (user === undefined ? "" : ` ${logSafeUser(user)}`);
}

/**
 * Common Log Format: `host ident authuser [date] "request-line" status bytes`, with "-" for
 * what we do not know and for an empty body. authuser is the name a request logged in as.
 */
export function commonLogLine(
  req: HttpRequest,
  res: ResponseWriter,
  _elapsedMs: number,
  now: Date = new Date(),
): string {
  const bytes = res.bytesWritten === 0 ? "-" : String(res.bytesWritten);
  const user = req.get(AUTHENTICATED_USER);
  const authUser = user === undefined ? "-" : logSafeUser(user);
  return `${hostOf(req.remoteAddr)} - ${authUser} [${commonLogDate(now)}] ` +
    `"${req.method} ${req.target} ${req.version}" ${res.status} ${bytes}`;
}

/**
 * A user name as one log field: the credentials parser lets no control character through,
 * but a space, a quote or a backslash would split the field or fake a quoted one, so those
 * (and any other whitespace) are written as \xHH (\uHHHH beyond Latin-1), as Apache does
 * for its %u.
 */
function logSafeUser(user: string): string {
  return user.replace(/[\s"\\]/g, (char) => {
    const code = char.charCodeAt(0);
    return code < 0x100
      ? `\\x${code.toString(16).padStart(2, "0")}`
      : `\\u${code.toString(16).padStart(4, "0")}`;
  });
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** `10/Oct/2000:13:55:36 +0000`, always in UTC. */
export function commonLogDate(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${pad(date.getUTCDate())}/${MONTHS[date.getUTCMonth()]}/${date.getUTCFullYear()}:` +
    `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`;
}
