/**
 * From the command line and the machine to a running server: which folder, which
 * zhttp.json, which files must never be served, which port (falling back when the default
 * one is busy). The facts about the machine are passed in, so the Windows branches are
 * tested on Linux.
 */
import path from "node:path";
import { type Listener, listenTcp } from "../server/transport.ts";
import { bindListeners } from "./bind.ts";
import {
  type Config,
  CONFIG_FILE_NAME,
  ConfigError,
  parseCommandLine,
  parseConfigFile,
  resolveConfig,
  type Settings,
} from "./config.ts";

/** What startup needs to know about the machine and the program. */
export interface StartupFacts {
  readonly os: typeof Deno.build.os;
  /** The working folder: the program's own folder when it was double-clicked. */
  readonly cwd: string;
  /** The running executable when compiled (zhttp.exe); null under `deno run`. */
  readonly executable: string | null;
  /** A file's text, or null when there is no such file. */
  readTextFile(file: string): string | null;
  /** Whether a path is a folder; null when nothing is there. */
  isDirectory(file: string): boolean | null;
  /** zhttp's data folder (where --https keeps its certificates), when it can be located. */
  readonly dataFolder?: string | null;
}

export type StartupPlan =
  | { action: "help" }
  | { action: "version" }
  | { action: "hash-password" }
  | {
    action: "serve";
    config: Config;
    configFile: string | null;
    hiddenFiles: string[];
    /** Folders never served or listed, whatever they hold (zhttp's data folder). */
    hiddenFolders: string[];
  };

/**
 * Resolves argv and the machine into a plan. The folder served is, in order: the first
 * argument, `root` in zhttp.json (relative to that file), the working folder. zhttp.json is
 * looked for in the working folder, then beside the executable. Throws ConfigError.
 */
export function planStartup(args: readonly string[], facts: StartupFacts): StartupPlan {
  const command = parseCommandLine(args);
  if (command.action !== "serve") return command;
  const paths = facts.os === "windows" ? path.win32 : path.posix;

  const besideExecutable = facts.executable === null
    ? null
    : paths.join(paths.dirname(facts.executable), CONFIG_FILE_NAME);
  const candidates = [paths.join(facts.cwd, CONFIG_FILE_NAME)];
  if (besideExecutable !== null) candidates.push(besideExecutable);
  let configFile: string | null = null;
  let fileSettings: Settings = {};
  for (const candidate of candidates) {
    const text = facts.readTextFile(candidate);
    if (text === null) continue;
    configFile = candidate;
    fileSettings = parseConfigFile(text, candidate);
    break;
  }

  const root = command.rootArgument !== undefined
    ? paths.resolve(facts.cwd, command.rootArgument)
    : fileSettings.root !== undefined
    ? paths.resolve(paths.dirname(configFile!), fileSettings.root)
    : facts.cwd;
  const isDirectory = facts.isDirectory(root);
  if (isDirectory === null) throw new ConfigError(`the folder to serve does not exist: ${root}`);
  if (!isDirectory) throw new ConfigError(`this is a file, not a folder to serve: ${root}`);

  // The TLS files are named relative to where they were written: the flags' to the working
  // folder, zhttp.json's to its own folder.
  const flags = withAbsoluteTlsFiles(command.settings, (file) => paths.resolve(facts.cwd, file));
  const fromFile = configFile === null ? fileSettings : withAbsoluteTlsFiles(
    fileSettings,
    (file) => paths.resolve(paths.dirname(configFile!), file),
  );
  const config = resolveConfig({ file: fromFile, flags, root });
  // The program, its settings and the TLS key are never content, even when they sit in the
  // served folder: the settings file in use, and the one beside the program even when the
  // working folder's won.
  const hiddenFiles = [
    ...new Set([configFile, facts.executable, besideExecutable, config.tlsCert, config.tlsKey]),
  ].filter((file): file is string => file !== null);
  // The data folder holds the local CA's signing key: hidden whether or not --https is on.
  const hiddenFolders = facts.dataFolder ? [facts.dataFolder] : [];
  return { action: "serve", config, configFile, hiddenFiles, hiddenFolders };
}

function withAbsoluteTlsFiles(settings: Settings, absolute: (file: string) => string): Settings {
  const resolved = { ...settings };
  if (typeof settings.tlsCert === "string") resolved.tlsCert = absolute(settings.tlsCert);
  if (typeof settings.tlsKey === "string") resolved.tlsKey = absolute(settings.tlsKey);
  return resolved;
}

/** How many ports after a busy default one are tried (8081 to 8090 after 8080). */
export const PORT_FALLBACK_ATTEMPTS = 10;

/**
 * Binds with `listen(port)`. When the port came from the defaults and is busy, the next
 * ten are tried; a port the user chose is never swapped for another. Startup failures
 * become ConfigError sentences (as rejections).
 */
export async function listenWithFallback<T>(
  config: Pick<Config, "host" | "port" | "portChosen">,
  listen: (port: number) => T | Promise<T>,
): Promise<{ server: T; busyPort?: number }> {
  // Port 0 is tried again too: the port the system picked on one address can be taken on
  // another (::1 beside 127.0.0.1), and the next pick is another port.
  const attempts = config.portChosen && config.port !== 0 ? 1 : 1 + PORT_FALLBACK_ATTEMPTS;
  for (let attempt = 0; attempt < attempts; attempt++) {
    const port = config.port === 0 ? 0 : config.port + attempt;
    try {
      const server = await listen(port);
      return attempt === 0 || config.port === 0 ? { server } : { server, busyPort: config.port };
    } catch (error) {
      if (error instanceof Deno.errors.AddrInUse && attempt + 1 < attempts) continue;
      throw listenError(error, config.host, port, config.portChosen);
    }
  }
  throw new Error("unreachable: the last attempt returns or throws");
}

/**
 * Binds the --https-redirect port on every address of `host`: plain TCP, never swapped
 * for another port. Failures become ConfigError sentences naming the option.
 */
export async function listenForRedirect(
  host: string,
  port: number,
  listen: (address: { hostname: string; port: number }) => Listener = listenTcp,
): Promise<Listener[]> {
  try {
    return await bindListeners(host, port, listen);
  } catch (error) {
    if (error instanceof Deno.errors.AddrInUse) {
      throw new ConfigError(
        `port ${port} (--https-redirect) is already in use by another program; choose another.`,
      );
    }
    throw listenError(error, host, port, true);
  }
}

function listenError(error: unknown, host: string, port: number, chosen: boolean): unknown {
  if (error instanceof Deno.errors.AddrInUse) {
    return new ConfigError(
      chosen
        ? `port ${port} is already in use by another program; choose another with --port.`
        : `ports ${
          port - PORT_FALLBACK_ATTEMPTS
        } to ${port} are all in use; choose one with --port.`,
    );
  }
  if (error instanceof Deno.errors.PermissionDenied) {
    // Below 1024 it is the privileged range; above, Windows refuses ports it has reserved
    // (`netsh int ipv4 show excludedportrange`), where the hint about 1024 would mislead.
    return new ConfigError(
      port < 1024
        ? `not allowed to listen on port ${port} (ports below 1024 need administrator rights); use --port 8080.`
        : `not allowed to listen on port ${port} (the system may reserve it); choose another with --port.`,
    );
  }
  if (error instanceof Deno.errors.AddrNotAvailable) {
    return new ConfigError(`${host} is not an address of this computer; try --host 127.0.0.1.`);
  }
  // A host name that does not resolve ("failed to lookup address information") comes as a
  // plain Error, not one of Deno.errors; a bug of ours would be a TypeError or the like.
  if (error instanceof Error && error.constructor === Error) {
    return new ConfigError(`cannot listen on ${host}: ${error.message}; try --host 127.0.0.1.`);
  }
  return error;
}

/**
 * The addresses other devices can use, for the banner when serving the network: IPv4 ones
 * first, then IPv6, neither loopback nor link-local (a link-local URL needs the interface's
 * zone, which browsers do not take).
 */
export function lanAddresses(interfaces: readonly Deno.NetworkInterfaceInfo[]): string[] {
  const usable = (info: Deno.NetworkInterfaceInfo) =>
    info.family === "IPv4"
      ? !info.address.startsWith("127.") && !info.address.startsWith("169.254.")
      : info.address !== "::1" && !/^fe[89ab]/i.test(info.address);
  const addresses = interfaces.filter(usable);
  const v4 = addresses.filter((info) => info.family === "IPv4").map((info) => info.address);
  const v6 = addresses.filter((info) => info.family === "IPv6").map((info) => info.address);
  return [...new Set([...v4, ...v6])];
}

/** The command that opens `url` in the default browser. */
export function browserCommand(os: typeof Deno.build.os, url: string): [string, string[]] {
  // explorer hands a URL to the default browser without a console window or a shell, so
  // the URL is never parsed by cmd.exe.
  if (os === "windows") return ["explorer", [url]];
  if (os === "darwin") return ["open", [url]];
  return ["xdg-open", [url]];
}

/**
 * A double-clicked console closes as soon as the program exits, taking the error message
 * with it: wait for Enter in that case (Windows, no arguments, a terminal on stdin).
 */
export function shouldWaitBeforeExit(
  facts: { os: typeof Deno.build.os; args: readonly string[]; stdinIsTerminal: boolean },
): boolean {
  return facts.os === "windows" && facts.args.length === 0 && facts.stdinIsTerminal;
}
