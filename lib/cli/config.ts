/**
 * Configuration: defaults, then `zhttp.json`, then command-line flags (flags win), resolved
 * into one validated Config. Every mistake is a ConfigError whose message is one sentence a
 * person can act on; main.ts prints it and exits 2, never with a stack trace.
 */
import { parseArgs } from "node:util";
import type { Timeouts } from "../server/connection.ts";
import {
  DEFAULT_DRAIN_MS,
  DEFAULT_MAX_BODY_BYTES,
  DEFAULT_MAX_CONNECTIONS,
  DEFAULT_TIMEOUTS,
} from "../server/server.ts";
import type { AccessLogFormat } from "../middleware/access_log.ts";
import type { HeaderRule } from "../middleware/response_headers.ts";
import { parseHeaderFlag, parseHeadersSetting } from "./header_settings.ts";
import { DEFAULT_REALM } from "../middleware/basic_auth.ts";
import { parsePathPrefix } from "../auth/auth_scope.ts";
import { parsePasswordHash, type PasswordHash } from "../auth/password_hash.ts";
import { hasControlCharacter, isValidRealm, MAX_REALM_CHARS } from "../http/basic_credentials.ts";
import { resolveUrlPath } from "../handlers/static/safe_path.ts";
import { DEFAULT_FILE_CACHE_CONTROL } from "../handlers/static/static_handler.ts";

export const DEFAULT_PORT = 8080;
/** Both loopbacks, 127.0.0.1 and ::1: this computer only (see bind.ts). */
export const DEFAULT_HOST = "localhost";
/**
 * Revalidate on every use: a developer who just saved a file sees it on the next reload,
 * while unchanged files still cost only a 304 thanks to ETag and Last-Modified.
 */
export const DEFAULT_CACHE_CONTROL = DEFAULT_FILE_CACHE_CONTROL;
export const CONFIG_FILE_NAME = "zhttp.json";

export interface Config {
  /** The folder served. */
  root: string;
  host: string;
  port: number;
  /** False when the port came from the defaults: then a busy port falls back to the next. */
  portChosen: boolean;
  maxConnections: number;
  /**
   * Server threads sharing the port (Linux): each has its own event loop and caches, and
   * the kernel spreads connections among them. 1 elsewhere, or "auto" = one per core.
   */
  workers: number;
  timeouts: Timeouts;
  drainMs: number;
  maxBodyBytes: number;
  cors: boolean;
  listing: boolean;
  showDotfiles: boolean;
  followSymlinks: boolean;
  cacheControl: string;
  logFormat: AccessLogFormat;
  quiet: boolean;
  open: boolean;
  /** Reload open pages when files in the folder change. */
  live: boolean;
  /** Answer routes of a single-page app with the root index.html. */
  spa: boolean;
  /** Extra response headers: zhttp.json's, then the flags'. */
  headers: readonly HeaderRule[];
  /** Show the LAN address as a QR code in the banner. */
  qr: boolean;
  /** Who must log in, and where; null when the site is open to anyone who can reach it. */
  auth: AuthConfig | null;
  /** Encode responses on the fly for clients that accept a coding (compression.ts). */
  compress: boolean;
  /** Send precompressed `.br`, `.zst`, `.gz` files beside a file (sidecars.ts). */
  precompressed: boolean;
  /** Serve HTTPS: with tlsCert and tlsKey when set, else with a certificate zhttp makes. */
  https: boolean;
  /** The user's certificate chain (PEM file); startup.ts makes it absolute. */
  tlsCert: string | null;
  /** The user's private key (PEM file); startup.ts makes it absolute. */
  tlsKey: string | null;
  /** A second port, plain HTTP, that redirects every request to HTTPS; null for none. */
  httpsRedirectPort: number | null;
}

/** Access control: users (`--auth`, "users"), realm, and the protected paths. */
export interface AuthConfig {
  users: readonly ConfiguredUser[];
  realm: string;
  /** Path prefixes that need a login; undefined means the whole site. */
  protect?: readonly string[];
  /** Path prefixes that need none. */
  public: readonly string[];
}

/**
 * A user who may log in: with a password hash from zhttp.json, or with the password itself
 * from `--auth` (hashed at startup; the banner warns that the process list shows it).
 */
export type ConfiguredUser =
  | { readonly name: string; readonly hash: PasswordHash }
  | { readonly name: string; readonly password: string };

/** The subcommand that prints a password hash for "users" in zhttp.json. */
export const HASH_PASSWORD_COMMAND = "hash-password";

/**
 * The least scrypt cost (log2 N) accepted in zhttp.json: 2^14 (16 MiB, ~50 ms) is the
 * scrypt paper's interactive-login setting; cheaper hashes are quick to crack once copied.
 */
export const MIN_HASH_LOG2_N = 14;

/** A startup mistake (bad flag, bad config file): one sentence, exit code 2. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

/** What the command line asked for. */
export type CommandLine =
  | { action: "help" }
  | { action: "version" }
  | { action: "hash-password" }
  | { action: "serve"; settings: Settings; rootArgument: string | undefined };

/** Settings as they come from the file or flags, before defaults fill the gaps. */
export type Settings = Partial<Omit<Config, "portChosen" | "timeouts" | "auth">> & {
  timeouts?: Partial<Timeouts>;
  users?: ConfiguredUser[];
  realm?: string;
  protect?: string[];
  public?: string[];
};

const FLAG_OPTIONS = {
  host: { type: "string" },
  lan: { type: "boolean" },
  port: { type: "string", short: "p" },
  "max-connections": { type: "string" },
  workers: { type: "string" },
  "head-timeout": { type: "string" },
  "idle-timeout": { type: "string" },
  "body-timeout": { type: "string" },
  "write-timeout": { type: "string" },
  "drain-timeout": { type: "string" },
  "max-body-size": { type: "string" },
  cors: { type: "boolean" },
  "no-listing": { type: "boolean" },
  "show-dotfiles": { type: "boolean" },
  "follow-symlinks": { type: "boolean" },
  "cache-control": { type: "string" },
  "log-format": { type: "string" },
  quiet: { type: "boolean", short: "q" },
  open: { type: "boolean" },
  live: { type: "boolean" },
  spa: { type: "boolean" },
  header: { type: "string", multiple: true },
  qr: { type: "boolean" },
  auth: { type: "string", multiple: true },
  realm: { type: "string" },
  compress: { type: "boolean" },
  "no-compress": { type: "boolean" },
  "no-precompressed": { type: "boolean" },
  https: { type: "boolean" },
  "tls-cert": { type: "string" },
  "tls-key": { type: "string" },
  "https-redirect": { type: "string" },
  help: { type: "boolean", short: "h" },
  version: { type: "boolean", short: "V" },
} as const;

/** The per-connection timeouts: flag name, zhttp.json key, and the Timeouts field. */
const TIMEOUT_SETTINGS = [
  { flag: "head-timeout", key: "headTimeout", field: "headMs" },
  { flag: "idle-timeout", key: "idleTimeout", field: "idleMs" },
  { flag: "body-timeout", key: "bodyTimeout", field: "bodyMs" },
  { flag: "write-timeout", key: "writeTimeout", field: "writeMs" },
] as const satisfies readonly {
  flag: keyof typeof FLAG_OPTIONS;
  key: string;
  field: keyof Timeouts;
}[];

/** The flag values once every option token has passed `checkOption`. */
type FlagValues = ReturnType<
  typeof parseArgs<{ options: typeof FLAG_OPTIONS; allowPositionals: true; strict: true }>
>["values"];

/** Parses argv strictly: an unknown flag or a bad value is a ConfigError. */
export function parseCommandLine(args: readonly string[]): CommandLine {
  // parseArgs' strict mode has messages of several lines that refuse `--port -1` as
  // "ambiguous"; so the tokens are checked here instead, each mistake in one sentence, and a
  // value that starts with "-" reaches the value's own parser.
  const parsed = parseArgs({
    args: [...args],
    options: FLAG_OPTIONS,
    allowPositionals: true,
    strict: false,
    tokens: true,
  });
  for (const token of parsed.tokens) {
    if (token.kind === "option") checkOption(token);
  }
  const values = parsed.values as FlagValues;
  const positionals = parsed.positionals;
  if (values.help) return { action: "help" };
  if (values.version) return { action: "version" };
  if (positionals[0] === HASH_PASSWORD_COMMAND) {
    if (positionals.length > 1 || parsed.tokens.some((token) => token.kind === "option")) {
      throw new ConfigError(
        `${HASH_PASSWORD_COMMAND} takes no folder or options; it asks for the password (or reads it from stdin).`,
      );
    }
    return { action: "hash-password" };
  }
  if (positionals.length > 1) {
    throw new ConfigError(
      `expected at most one folder to serve, got ${positionals.length}: ${positionals.join(" ")}.`,
    );
  }
  if (values.lan && values.host !== undefined) {
    throw new ConfigError("--lan and --host both set the address to listen on; use one.");
  }

  const settings: Settings = {};
  const flag = (name: string) => `--${name}`;
  if (values.host !== undefined) settings.host = parseHost(values.host, flag("host"));
  if (values.lan) settings.host = "0.0.0.0";
  if (values.port !== undefined) settings.port = parsePort(values.port, flag("port"));
  if (values.workers !== undefined) {
    settings.workers = parseWorkers(values.workers, flag("workers"));
  }
  if (values["max-connections"] !== undefined) {
    settings.maxConnections = parseCount(values["max-connections"], flag("max-connections"));
  }
  const timeouts: Partial<Timeouts> = {};
  for (const { flag: name, field } of TIMEOUT_SETTINGS) {
    const text = values[name];
    if (text !== undefined) timeouts[field] = parseDuration(text, flag(name));
  }
  if (Object.keys(timeouts).length > 0) settings.timeouts = timeouts;
  if (values["drain-timeout"] !== undefined) {
    settings.drainMs = parseDuration(values["drain-timeout"], flag("drain-timeout"));
  }
  if (values["max-body-size"] !== undefined) {
    settings.maxBodyBytes = parseSize(values["max-body-size"], flag("max-body-size"));
  }
  if (values.cors) settings.cors = true;
  if (values["no-listing"]) settings.listing = false;
  if (values["show-dotfiles"]) settings.showDotfiles = true;
  if (values["follow-symlinks"]) settings.followSymlinks = true;
  if (values["cache-control"] !== undefined) {
    settings.cacheControl = parseCacheControl(values["cache-control"], flag("cache-control"));
  }
  if (values["log-format"] !== undefined) {
    settings.logFormat = parseLogFormat(values["log-format"], flag("log-format"));
  }
  if (values.quiet) settings.quiet = true;
  if (values.open) settings.open = true;
  if (values.live) settings.live = true;
  if (values.spa) settings.spa = true;
  if (values.header !== undefined) {
    settings.headers = values.header.map((text) => parseHeaderFlag(text, flag("header")));
  }
  if (values.qr) settings.qr = true;
  if (values.auth !== undefined) settings.users = parseAuthFlags(values.auth);
  if (values.realm !== undefined) settings.realm = parseRealm(values.realm, flag("realm"));
  if (values.compress && values["no-compress"]) {
    throw new ConfigError("--compress and --no-compress contradict each other; use one.");
  }
  if (values.compress) settings.compress = true;
  if (values["no-compress"]) settings.compress = false;
  if (values["no-precompressed"]) settings.precompressed = false;
  if (values.https) settings.https = true;
  if (values["tls-cert"] !== undefined) {
    settings.tlsCert = parseFileName(values["tls-cert"], flag("tls-cert"));
  }
  if (values["tls-key"] !== undefined) {
    settings.tlsKey = parseFileName(values["tls-key"], flag("tls-key"));
  }
  if (values["https-redirect"] !== undefined) {
    settings.httpsRedirectPort = parseRedirectPort(
      values["https-redirect"],
      flag("https-redirect"),
    );
  }
  return { action: "serve", settings, rootArgument: positionals[0] };
}

/**
 * Reads settings from a zhttp.json text. Keys are the Config names (`port`, `host`,
 * `headTimeout`, ...); durations and sizes may be numbers (ms, bytes) or strings ("10s",
 * "100MiB"). `file` names the file in every message.
 */
export function parseConfigFile(text: string, file: string): Settings {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`${file} is not valid JSON: ${(error as Error).message}.`);
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    throw new ConfigError(`${file} must hold a JSON object, like {"port": 8080}.`);
  }
  const settings: Settings = {};
  const timeouts: Partial<Timeouts> = {};
  for (const [key, value] of Object.entries(json)) {
    const where = `"${key}" in ${file}`;
    const timeout = TIMEOUT_SETTINGS.find((setting) => setting.key === key);
    if (timeout !== undefined) {
      timeouts[timeout.field] = parseDurationSetting(value, where);
      continue;
    }
    switch (key) {
      case "root":
        settings.root = expectString(value, where);
        break;
      case "host":
        settings.host = parseHost(expectString(value, where), where);
        break;
      case "port":
        settings.port = parsePort(String(expectNumber(value, where, 9000)), where);
        break;
      case "workers":
        settings.workers = parseWorkers(
          typeof value === "number" ? String(value) : expectString(value, where),
          where,
        );
        break;
      case "maxConnections":
        settings.maxConnections = parseCount(String(expectNumber(value, where, 64)), where);
        break;
      case "drainTimeout":
        settings.drainMs = parseDurationSetting(value, where);
        break;
      case "maxBodySize":
        settings.maxBodyBytes = parseSizeSetting(value, where);
        break;
      case "cors":
        settings.cors = expectBoolean(value, where);
        break;
      case "listing":
        settings.listing = expectBoolean(value, where);
        break;
      case "showDotfiles":
        settings.showDotfiles = expectBoolean(value, where);
        break;
      case "followSymlinks":
        settings.followSymlinks = expectBoolean(value, where);
        break;
      case "cacheControl":
        settings.cacheControl = parseCacheControl(expectString(value, where), where);
        break;
      case "logFormat":
        settings.logFormat = parseLogFormat(expectString(value, where), where);
        break;
      case "quiet":
        settings.quiet = expectBoolean(value, where);
        break;
      case "open":
        settings.open = expectBoolean(value, where);
        break;
      case "live":
        settings.live = expectBoolean(value, where);
        break;
      case "spa":
        settings.spa = expectBoolean(value, where);
        break;
      case "headers":
        settings.headers = parseHeadersSetting(value, where);
        break;
      case "qr":
        settings.qr = expectBoolean(value, where);
        break;
      case "users":
        settings.users = parseUsers(value, where, file);
        break;
      case "realm":
        settings.realm = parseRealm(expectString(value, where), where);
        break;
      case "protect":
      case "public":
        settings[key] = parsePrefixes(value, where);
        break;
      case "compress":
        settings.compress = expectBoolean(value, where);
        break;
      case "precompressed":
        settings.precompressed = expectBoolean(value, where);
        break;
      case "https":
        settings.https = expectBoolean(value, where);
        break;
      case "tlsCert":
        settings.tlsCert = parseFileName(expectString(value, where), where);
        break;
      case "tlsKey":
        settings.tlsKey = parseFileName(expectString(value, where), where);
        break;
      case "httpsRedirect":
        settings.httpsRedirectPort = parseRedirectPort(
          String(expectNumber(value, where, 8080)),
          where,
        );
        break;
      default:
        throw new ConfigError(
          `unknown setting "${key}" in ${file}; see zhttp --help for the names.`,
        );
    }
  }
  if (Object.keys(timeouts).length > 0) settings.timeouts = timeouts;
  return settings;
}

/**
 * Layers file settings and flag settings over the defaults; flags win. The TLS files are
 * taken as they are: startup.ts resolves those of zhttp.json against its folder first.
 * Throws ConfigError for settings that contradict each other.
 */
export function resolveConfig(
  sources: { file?: Settings; flags: Settings; root: string },
): Config {
  const file = sources.file ?? {};
  const flags = sources.flags;
  const pick = <K extends keyof Settings>(key: K, fallback: NonNullable<Settings[K]>) =>
    (flags[key] ?? file[key] ?? fallback) as NonNullable<Settings[K]>;
  const host = pick("host", DEFAULT_HOST);
  const qr = pick("qr", false);
  if (qr && isLoopbackHost(host)) {
    throw new ConfigError(
      "--qr shows the address phones can open, so it needs --lan (or --host with a LAN address).",
    );
  }
  const tls = resolveTls(flags, file);
  const port = pick("port", DEFAULT_PORT);
  if (tls.httpsRedirectPort === port) {
    throw new ConfigError(
      `--https-redirect needs a port of its own, not ${port}, where HTTPS is served.`,
    );
  }
  return {
    root: sources.root,
    host,
    port,
    portChosen: flags.port !== undefined || file.port !== undefined,
    maxConnections: pick("maxConnections", DEFAULT_MAX_CONNECTIONS),
    workers: pick("workers", 1),
    timeouts: { ...DEFAULT_TIMEOUTS, ...file.timeouts, ...flags.timeouts },
    drainMs: pick("drainMs", DEFAULT_DRAIN_MS),
    maxBodyBytes: pick("maxBodyBytes", DEFAULT_MAX_BODY_BYTES),
    cors: pick("cors", false),
    listing: pick("listing", true),
    showDotfiles: pick("showDotfiles", false),
    followSymlinks: pick("followSymlinks", false),
    cacheControl: pick("cacheControl", DEFAULT_CACHE_CONTROL),
    logFormat: pick("logFormat", "pretty"),
    quiet: pick("quiet", false),
    open: pick("open", false),
    live: pick("live", false),
    spa: pick("spa", false),
    // Both lists count: the file's fields for everyone, then the flags' (the last set wins).
    headers: [...file.headers ?? [], ...flags.headers ?? []],
    qr,
    auth: resolveAuth(file, flags),
    compress: pick("compress", true),
    precompressed: pick("precompressed", true),
    ...tls,
  };
}

/** Whether `host` reaches only this computer. */
export function isLoopbackHost(host: string): boolean {
  return host === "localhost" || host === "::1" || host.startsWith("127.");
}

/** Users from the flags replace those of the file, as every flag does; the rest needs users. */
function resolveAuth(file: Settings, flags: Settings): AuthConfig | null {
  const users = flags.users ?? file.users;
  const realm = flags.realm ?? file.realm;
  const protect = flags.protect ?? file.protect;
  const open = flags.public ?? file.public;
  if (users === undefined) {
    const orphan = [
      realm === undefined ? null : "realm",
      protect === undefined ? null : "protect",
      open === undefined ? null : "public",
    ].find((name) => name !== null);
    if (orphan === undefined) return null;
    throw new ConfigError(
      `"${orphan}" only applies when users must log in; add --auth user:password or "users" to zhttp.json.`,
    );
  }
  const auth: AuthConfig = { users, realm: realm ?? DEFAULT_REALM, public: open ?? [] };
  if (protect !== undefined) auth.protect = protect;
  return auth;
}

/** The HTTPS settings, checked against each other. */
function resolveTls(
  flags: Settings,
  file: Settings,
): Pick<Config, "https" | "tlsCert" | "tlsKey" | "httpsRedirectPort"> {
  // The certificate and its key go together: a flag pair replaces the file's pair, so a
  // --tls-cert on the command line is never matched with a key from zhttp.json.
  const fromFlags = flags.tlsCert !== undefined || flags.tlsKey !== undefined;
  const pair = fromFlags ? flags : file;
  const tlsCert = pair.tlsCert ?? null;
  const tlsKey = pair.tlsKey ?? null;
  const where = fromFlags ? "--tls-cert and --tls-key" : '"tlsCert" and "tlsKey"';
  if ((tlsCert === null) !== (tlsKey === null)) {
    throw new ConfigError(
      `${where} go together: the certificate file and the file of its private key.`,
    );
  }
  const https = tlsCert !== null || (flags.https ?? file.https ?? false);
  const httpsRedirectPort = flags.httpsRedirectPort ?? file.httpsRedirectPort ?? null;
  if (httpsRedirectPort !== null && !https) {
    throw new ConfigError(
      "--https-redirect sends visitors to HTTPS, which is off; add --https (or --tls-cert and --tls-key).",
    );
  }
  return { https, tlsCert, tlsKey, httpsRedirectPort };
}

// ── Value parsers: each returns the value or throws one ConfigError sentence ─────────────

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000 };
/** The longest timeout accepted: a day. Longer is surely a typo. */
const MAX_DURATION_MS = 24 * 60 * 60 * 1000;

/** "10s", "500ms", "2m", or a bare number of seconds. */
export function parseDuration(text: string, where: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text.trim());
  if (match === null) {
    throw new ConfigError(`${where} must be a duration like 10s, 500ms or 2m, not "${text}".`);
  }
  const ms = Math.round(Number(match[1]) * DURATION_UNITS[match[2] ?? "s"]);
  if (ms < 1 || ms > MAX_DURATION_MS) {
    throw new ConfigError(`${where} must be between 1ms and 24h, not "${text}".`);
  }
  return ms;
}

const SIZE_UNITS: Record<string, number> = {
  "": 1,
  b: 1,
  kb: 1000,
  kib: 1024,
  mb: 1000 ** 2,
  mib: 1024 ** 2,
  gb: 1000 ** 3,
  gib: 1024 ** 3,
};

/** "100MiB", "64kb", "1GiB", or a bare number of bytes. */
export function parseSize(text: string, where: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(text.trim());
  const unit = match === null ? undefined : SIZE_UNITS[match[2].toLowerCase()];
  if (match === null || unit === undefined) {
    throw new ConfigError(`${where} must be a size like 100MiB, 64KiB or 1048576, not "${text}".`);
  }
  const bytes = Math.floor(Number(match[1]) * unit);
  if (bytes < 0 || !Number.isSafeInteger(bytes)) {
    throw new ConfigError(`${where} is too large: "${text}".`);
  }
  return bytes;
}

export function parsePort(text: string, where: string): number {
  const port = /^\d{1,5}$/.test(text.trim()) ? Number(text) : NaN;
  if (!(port >= 0 && port <= 65535)) {
    throw new ConfigError(`${where} must be a port number from 0 to 65535, not "${text}".`);
  }
  return port;
}

/** The port of --https-redirect: a real one (port 0 would redirect from an unknown port). */
function parseRedirectPort(text: string, where: string): number {
  const port = parsePort(text, where);
  if (port === 0) {
    throw new ConfigError(`${where} must be a port number from 1 to 65535, not "${text}".`);
  }
  return port;
}

/** A file name as given: any text but an empty one. */
function parseFileName(text: string, where: string): string {
  if (text.trim() === "") throw new ConfigError(`${where} must name a file.`);
  return text;
}

function parseCount(text: string, where: string): number {
  const count = /^\d{1,7}$/.test(text.trim()) ? Number(text) : NaN;
  if (!(count >= 1)) {
    throw new ConfigError(`${where} must be a whole number of at least 1, not "${text}".`);
  }
  return count;
}

/** The most server threads --workers starts: beyond, they only cost memory. */
export const MAX_WORKERS = 64;

/** A number of workers from 1 to MAX_WORKERS, or "auto": one per core of this machine. */
function parseWorkers(text: string, where: string): number {
  if (text.trim() === "auto") return Math.min(MAX_WORKERS, navigator.hardwareConcurrency);
  const count = /^\d{1,3}$/.test(text.trim()) ? Number(text) : NaN;
  if (!(count >= 1 && count <= MAX_WORKERS)) {
    throw new ConfigError(
      `${where} must be a number of server threads from 1 to ${MAX_WORKERS}, or auto, not "${text}".`,
    );
  }
  return count;
}

/** An IPv4 or IPv6 literal, or a host name; IPv6 may come in brackets. */
function parseHost(text: string, where: string): string {
  const host = text.trim().replace(/^\[(.*)\]$/, "$1");
  if (host === "" || /[\s/\\@]/.test(host)) {
    throw new ConfigError(
      `${where} must be an address like 127.0.0.1, 0.0.0.0 or ::1, not "${text}".`,
    );
  }
  return host;
}

function parseCacheControl(text: string, where: string): string {
  // Sent as a header value: no control characters, which could split the response.
  if (hasControlCharacter(text) || text.trim() === "") {
    throw new ConfigError(
      `${where} must be a Cache-Control value like "no-cache" or "max-age=3600".`,
    );
  }
  return text.trim();
}

function parseLogFormat(text: string, where: string): AccessLogFormat {
  if (text !== "pretty" && text !== "common") {
    throw new ConfigError(`${where} must be "pretty" or "common", not "${text}".`);
  }
  return text;
}

/**
 * `--auth user:password`, repeatable. The user name ends at the first colon (RFC 7617 §2), so
 * the password may hold colons. No message repeats the value: it holds a password.
 */
function parseAuthFlags(values: readonly string[]): ConfiguredUser[] {
  const users = values.map((text) => {
    const colon = text.indexOf(":");
    if (colon <= 0 || colon === text.length - 1) {
      throw new ConfigError("--auth must be a user name and a password, like --auth ann:s3cret.");
    }
    if (hasControlCharacter(text)) {
      throw new ConfigError("--auth cannot hold control characters (RFC 7617 §2).");
    }
    const name = text.slice(0, colon).normalize("NFC");
    return { name, password: text.slice(colon + 1).normalize("NFC") };
  });
  const names = users.map((user) => user.name);
  const twice = names.find((name, index) => names.indexOf(name) !== index);
  if (twice !== undefined) throw new ConfigError(`--auth names the user "${twice}" twice.`);
  return users;
}

/**
 * "users" in zhttp.json: `{"ann": "$scrypt$…"}`, each value a hash from `zhttp hash-password`.
 * A value that is no hash at all is taken for a password in plain text and refused without
 * being repeated.
 */
function parseUsers(value: unknown, where: string, file: string): ConfiguredUser[] {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ConfigError(
      `${where} must be an object of user names and password hashes, like {"ann": "$scrypt$…"} from zhttp hash-password.`,
    );
  }
  const entries = Object.entries(value);
  if (entries.length === 0) {
    throw new ConfigError(`${where} names no user; add one or remove "users".`);
  }
  return entries.map(([name, text]) => {
    const user = `user "${name}" in ${file}`;
    if (name === "" || name.includes(":") || hasControlCharacter(name)) {
      throw new ConfigError(
        `${user} is not a possible user name: it must not be empty or hold a colon or control characters.`,
      );
    }
    if (typeof text !== "string") {
      throw new ConfigError(
        `${user} must have a password hash (a string) from zhttp hash-password.`,
      );
    }
    if (!text.startsWith("$")) {
      throw new ConfigError(
        `${user} has a plain-text password; store a hash instead: run zhttp hash-password and paste what it prints.`,
      );
    }
    const hash = parsePasswordHash(text);
    if ("refused" in hash) {
      const kind = /^\$2[abxy]?\$/.test(text) ? "a bcrypt hash (htpasswd)" : hash.refused;
      throw new ConfigError(
        `${user} has ${kind}, not a scrypt hash zhttp reads; make one with zhttp hash-password.`,
      );
    }
    if (hash.log2N < MIN_HASH_LOG2_N) {
      throw new ConfigError(
        `${user} has a hash too cheap to resist guessing (ln=${hash.log2N}, under ${MIN_HASH_LOG2_N}); make a new one with zhttp hash-password.`,
      );
    }
    return { name: name.normalize("NFC"), hash };
  });
}

function parseRealm(text: string, where: string): string {
  if (!isValidRealm(text)) {
    throw new ConfigError(
      `${where} must be up to ${MAX_REALM_CHARS} printable ASCII characters without quotes or backslashes, not "${text}".`,
    );
  }
  return text;
}

/** "protect" and "public": lists of path prefixes that requests could name. */
function parsePrefixes(value: unknown, where: string): string[] {
  if (!Array.isArray(value) || value.some((item) => typeof item !== "string")) {
    throw new ConfigError(`${where} must be a list of path prefixes, like ["/public"].`);
  }
  // Dotfiles pass here (a public "/.well-known"); whether they are served is another rule.
  const resolve = (rawPath: string) => resolveUrlPath(rawPath, { showDotfiles: true });
  return value.map((prefix: string) => {
    const segments = parsePathPrefix(prefix, resolve);
    if (segments === null) {
      throw new ConfigError(
        `${where} holds "${prefix}", which is no path prefix a request could name, like "/public".`,
      );
    }
    return `/${segments.join("/")}`;
  });
}

/** A duration in zhttp.json: a number of milliseconds, or a string like "10s". */
function parseDurationSetting(value: unknown, where: string): number {
  if (typeof value === "number") return parseDuration(`${value}ms`, where);
  if (typeof value === "string") return parseDuration(value, where);
  throw new ConfigError(`${where} must be a duration like "10s" or a number of milliseconds.`);
}

/** A size in zhttp.json: a number of bytes, or a string like "100MiB". */
function parseSizeSetting(value: unknown, where: string): number {
  if (typeof value === "number" || typeof value === "string") return parseSize(`${value}`, where);
  throw new ConfigError(`${where} must be a size like "100MiB" or a number of bytes.`);
}

function expectString(value: unknown, where: string): string {
  if (typeof value !== "string") throw new ConfigError(`${where} must be a string.`);
  return value;
}

/**
 * A JSON number. A number in quotes is refused, not read as one: JSON has numbers, and a
 * file that quotes this one may have quoted others by mistake too. `example` shows the form.
 */
function expectNumber(value: unknown, where: string, example: number): number {
  if (typeof value === "string") {
    throw new ConfigError(
      `${where} must be a number without quotes, like ${example}, not the string "${value}".`,
    );
  }
  if (typeof value !== "number") throw new ConfigError(`${where} must be a number.`);
  return value;
}

function expectBoolean(value: unknown, where: string): boolean {
  if (typeof value !== "boolean") throw new ConfigError(`${where} must be true or false.`);
  return value;
}

/**
 * Refuses an unknown flag, a value flag without its value, a switch given a value. A value
 * after a space that starts with "--" is taken for a forgotten value (`--port --cors`); "-1"
 * is left for the value's parser to judge.
 */
function checkOption(
  token: { rawName: string; name: string; value?: string; inlineValue?: boolean },
): void {
  const option = Object.hasOwn(FLAG_OPTIONS, token.name)
    ? FLAG_OPTIONS[token.name as keyof typeof FLAG_OPTIONS]
    : undefined;
  if (option === undefined) {
    throw new ConfigError(`unknown option ${token.rawName}; see zhttp --help for the options.`);
  }
  const forgotten = token.value === undefined ||
    (!token.inlineValue && token.value.startsWith("--"));
  if (option.type === "string" && forgotten) {
    throw new ConfigError(`${token.rawName} needs a value; see zhttp --help.`);
  }
  if (option.type === "boolean" && token.value !== undefined) {
    throw new ConfigError(`${token.rawName} is a switch and takes no value, not "${token.value}".`);
  }
}
