/**
 * The access control a Config asks for, ready to go into the app: `--auth` passwords hashed
 * now (once, before anything is served, so every login costs the same scrypt run), and the
 * protect/public scope decided on the very paths the static handler serves.
 */
import path from "node:path";
import { AuthScope } from "../auth/auth_scope.ts";
import { hashPasswordSync } from "../auth/password_hash.ts";
import type { User } from "../auth/users.ts";
import { ResolvedPaths } from "../handlers/static/resolved_paths.ts";
import type { PathFlavour } from "../handlers/static/safe_path.ts";
import { basicAuth } from "../middleware/basic_auth.ts";
import type { Middleware } from "../server/handler.ts";
import type { AuthConfig, Config, ConfiguredUser } from "./config.ts";

/**
 * The basicAuth() middleware for `config.auth`. The scope resolves paths with the same
 * rules and options as the static handler (`flavour`: node:path for this OS by default).
 */
export function createAuth(
  auth: AuthConfig,
  files: Pick<Config, "root" | "showDotfiles">,
  flavour: PathFlavour = path,
): Middleware {
  const paths = new ResolvedPaths(flavour.resolve(files.root), flavour, {
    showDotfiles: files.showDotfiles,
  });
  const scope = new AuthScope(
    { protect: auth.protect, public: auth.public },
    (rawPath) => paths.resolve(rawPath),
  );
  return basicAuth({ users: auth.users.map(hashedUser), realm: auth.realm, scope });
}

/** A user with a hash: as configured, or with the `--auth` password hashed now. */
function hashedUser(user: ConfiguredUser): User {
  return "hash" in user ? user : { name: user.name, hash: hashPasswordSync(user.password) };
}
