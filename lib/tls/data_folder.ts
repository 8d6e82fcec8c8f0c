/**
 * Where zhttp keeps the certificates it makes, per user, as each OS expects application
 * data: a pure function of the OS and its environment variables, so every branch is tested
 * on any OS.
 *
 * - Windows: `%LOCALAPPDATA%\zhttp` (local, not roaming: a CA key has no business being
 *   copied to other machines of a domain), else `%USERPROFILE%\AppData\Local\zhttp`.
 * - macOS: `~/Library/Application Support/zhttp`, where Apple puts per-user app data.
 * - Linux and the rest: `$XDG_DATA_HOME/zhttp`, else `~/.local/share/zhttp` (XDG Base
 *   Directory specification; a relative XDG_DATA_HOME is invalid there and is ignored).
 */
import path from "node:path";
import { DataFolderError } from "./errors.ts";

/** The folder's own name inside the OS's data folder. */
export const DATA_FOLDER_NAME = "zhttp";

/** The environment variables dataFolder() may read on `os` (for the permission list). */
export function dataFolderEnvVars(os: typeof Deno.build.os): string[] {
  if (os === "windows") return ["LOCALAPPDATA", "USERPROFILE"];
  if (os === "darwin") return ["HOME"];
  return ["XDG_DATA_HOME", "HOME"];
}

/**
 * The data folder for `os`, reading variables through `env` (undefined when unset).
 * Throws DataFolderError when the variables that locate it are missing or relative.
 */
export function dataFolder(
  os: typeof Deno.build.os,
  env: (name: string) => string | undefined,
): string {
  if (os === "windows") {
    const paths = path.win32;
    const local = absolute(env("LOCALAPPDATA"), paths);
    if (local !== null) return paths.join(local, DATA_FOLDER_NAME);
    const profile = absolute(env("USERPROFILE"), paths);
    if (profile !== null) return paths.join(profile, "AppData", "Local", DATA_FOLDER_NAME);
    throw new DataFolderError(
      "%LOCALAPPDATA%",
      "neither LOCALAPPDATA nor USERPROFILE is set to a full path",
    );
  }
  const paths = path.posix;
  if (os !== "darwin") {
    const xdg = absolute(env("XDG_DATA_HOME"), paths);
    if (xdg !== null) return paths.join(xdg, DATA_FOLDER_NAME);
  }
  const home = absolute(env("HOME"), paths);
  if (home === null) throw new DataFolderError("~", "HOME is not set to a full path");
  return os === "darwin"
    ? paths.join(home, "Library", "Application Support", DATA_FOLDER_NAME)
    : paths.join(home, ".local", "share", DATA_FOLDER_NAME);
}

function absolute(value: string | undefined, paths: typeof path.posix): string | null {
  return value !== undefined && value !== "" && paths.isAbsolute(value) ? value : null;
}
