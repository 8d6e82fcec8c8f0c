/**
 * Access control with HTTP Basic (RFC 7617): a request the scope protects gets 401 with a
 * challenge until it carries a user name and password of one of the users. It sits right
 * inside the error boundary, so every route behind it (files, listings, /echo, /hello and
 * whatever later middleware adds) is covered. The 401 is the same short body for every
 * path, existing or not, so it says nothing about what is there.
 *
 * A request's path to an answer: the scope says whether it needs a login (auth_scope.ts);
 * an `Authorization` value verified within the last minute is let through at the cost of
 * one map lookup (verified_credentials.ts); else the value is parsed, its client must be
 * admitted by the throttle (login_throttle.ts: 429 + Retry-After while locked out), and the
 * password is checked with scrypt (users.ts). The user's name is left in the request under
 * AUTHENTICATED_USER for the access log. Credentials are never logged, nor the user name of
 * a failed attempt (people type passwords into the name field).
 */
import { getLogger } from "@logtape/logtape";
import { AuthScope } from "../auth/auth_scope.ts";
import { clientKey, LoginThrottle, type Outcome } from "../auth/login_throttle.ts";
import { type User, UserTable } from "../auth/users.ts";
import { VerifiedCredentials } from "../auth/verified_credentials.ts";
import { basicChallenge, parseBasicCredentials } from "../http/basic_credentials.ts";
import { endWithStatus, type ResponseWriter } from "../http/response.ts";
import type { Handler, Middleware } from "../server/handler.ts";
import { type HttpRequest, RequestKey } from "../server/request.ts";

/** The name of the user a request logged in as; unset when it needed no login. */
export const AUTHENTICATED_USER = new RequestKey<string>("authenticated user");

/** The realm when none is configured: the name browsers show in the login prompt. */
export const DEFAULT_REALM = "zhttp";

/** Who may log in and where; the throttle and memory can be passed in (tests, benchmarks). */
export interface BasicAuthOptions {
  /** Who may log in, with their password hashes. At least one. */
  users: readonly User[];
  /** Shown in the browser's prompt; must pass `isValidRealm`. */
  realm?: string;
  /** Which paths need a login; the whole site when absent. */
  scope?: AuthScope;
  /** Failed-login throttling; one with DEFAULT_THROTTLE when absent. */
  throttle?: LoginThrottle;
  /** Recently verified credentials; a fresh table when absent. */
  verified?: VerifiedCredentials;
}

const logger = getLogger(["zhttp", "auth"]);

/** The access control middleware, for `createApp({ auth })`. */
export function basicAuth(options: BasicAuthOptions): Middleware {
  const users = new UserTable(options.users);
  const challenge = basicChallenge(options.realm ?? DEFAULT_REALM);
  const scope = options.scope;
  const throttle = options.throttle ?? new LoginThrottle();
  const verified = options.verified ?? new VerifiedCredentials();

  const refuse = (res: ResponseWriter): void => {
    res.setHeader("WWW-Authenticate", challenge);
    endWithStatus(res, 401, false);
  };

  /** The slow path: parse, throttle, scrypt. */
  const logIn = async (
    req: HttpRequest,
    res: ResponseWriter,
    header: string,
    next: Handler,
  ): Promise<void> => {
    const client = clientKey(req.remoteAddr);
    const credentials = parseBasicCredentials(header);
    if (!credentials.ok) {
      logger.debug("unusable credentials from {client}: {reason}", {
        client,
        reason: credentials.reason,
      });
      return refuse(res);
    }
    const admission = throttle.admit(client);
    if (!admission.allowed) {
      // RFC 9110 §10.2.3: whole seconds, rounded up so that a retry is never early.
      res.setHeader("Retry-After", Math.max(1, Math.ceil(admission.retryAfterMs / 1000)));
      return endWithStatus(res, 429, false);
    }
    let outcome: Outcome = "abandoned";
    try {
      outcome = await users.verify(credentials.user, credentials.password, req.signal);
    } finally {
      const lockout = throttle.settle(client, outcome);
      if (lockout !== null) {
        logger.warn(
          "{client}: {failures} failed logins; logins from there refused for {seconds} s",
          { client, failures: lockout.failures, seconds: Math.ceil(lockout.lockoutMs / 1000) },
        );
      }
    }
    if (outcome !== "accepted") return refuse(res);
    verified.remember(header, credentials.user);
    req.set(AUTHENTICATED_USER, credentials.user);
    await next(req, res);
  };

  return (next) => (req, res) => {
    if (scope !== undefined && !scope.requiresLogin(req.path)) return next(req, res);
    const header = req.headers.get("authorization");
    if (header === null) return refuse(res);
    const user = verified.lookup(header);
    if (user === undefined) return logIn(req, res, header, next);
    req.set(AUTHENTICATED_USER, user);
    return next(req, res);
  };
}
