/** The startup banner: what is served, where, with which limits, and how to stop. */
import { isWildcardHost } from "./bind.ts";
import { type AuthConfig, type Config, isLoopbackHost } from "./config.ts";
import { qrCodeText } from "./qr_code.ts";

export interface BannerFacts {
  version: string;
  config: Config;
  /** The port actually bound (after fallback, or the one port 0 picked). */
  port: number;
  /** LAN addresses to show when bound to all interfaces. */
  lanAddresses: readonly string[];
  /** Set when the configured port was busy and another was taken. */
  busyPort?: number;
  /** The zhttp.json whose settings are in use, if one was found. */
  configFile?: string | null;
}

export function formatBanner(facts: BannerFacts): string {
  const { config, port } = facts;
  const lines = [`zhttp ${facts.version}`, `Serving  ${config.root}`];
  // Settings can come from a file the person did not know was there (the working folder's).
  if (facts.configFile) lines.push(`Settings ${facts.configFile}`);
  if (facts.busyPort !== undefined) {
    lines.push(`Port ${facts.busyPort} is in use, so zhttp took port ${port}.`);
  }
  const wildcard = isWildcardHost(config.host);
  const local = wildcard || isLoopbackHost(config.host) ? "localhost" : hostForUrl(config.host);
  lines.push(`Local    http://${local}:${port}/`);
  if (wildcard) {
    for (const address of facts.lanAddresses) {
      lines.push(`Network  http://${hostForUrl(address)}:${port}/`);
    }
  }
  if (config.qr) lines.push(...qrLines(wildcard ? facts.lanAddresses[0] : config.host, port));
  if (config.live) lines.push("Live     open pages reload when a file in the folder changes");
  if (config.auth !== null) lines.push(...accessLines(config.auth, config.host));
  const t = config.timeouts;
  lines.push(
    `Limits   ${config.maxConnections} connections, request bodies up to ${
      formatBytes(config.maxBodyBytes)
    }`,
    `Timeouts head ${formatMs(t.headMs)}, idle ${formatMs(t.idleMs)}, body ${
      formatMs(t.bodyMs)
    }, ` +
      `write ${formatMs(t.writeMs)}, shutdown ${formatMs(config.drainMs)}`,
    `Compress ${compressionLine(config)}`,
    "Press Ctrl+C to stop",
  );
  return lines.join("\n");
}

/** The QR code of the network address phones can open, or why there is none. */
function qrLines(address: string | undefined, port: number): string[] {
  if (address === undefined) return ["No network address found for the QR code."];
  const url = `http://${hostForUrl(address)}:${port}/`;
  return [`Scan to open ${url} on a phone:`, qrCodeText(url)];
}

/**
 * Who may see what, and the warnings a password on the command line or on the network
 * needs: the process list shows every program's arguments to every user of the machine,
 * and plain HTTP carries the Basic credentials (base64, not encryption) to anyone on the
 * way, where only the loopback never leaves the computer.
 */
function accessLines(auth: AuthConfig, host: string): string[] {
  const users = `${auth.users.length} user${auth.users.length === 1 ? "" : "s"}`;
  const where = auth.protect === undefined ? "for every path" : `under ${auth.protect.join(", ")}`;
  const except = auth.public.length === 0 ? "" : `, except ${auth.public.join(", ")}`;
  const lines = [`Login    required ${where}${except} (${users}, realm "${auth.realm}")`];
  if (auth.users.some((user) => "password" in user)) {
    lines.push(
      "Warning  the --auth password is visible to other users of this computer in the process",
      '         list; for anything lasting, put a hash in "users" in zhttp.json (zhttp hash-password)',
    );
  }
  if (!isLoopbackHost(host)) {
    lines.push(
      "Warning  passwords cross the network in clear text over plain HTTP; add --https to",
      "         encrypt them",
    );
  }
  return lines;
}

/** What is compressed: on the fly, precompressed files, both or neither. */
function compressionLine(config: Config): string {
  const onTheFly = "on the fly (br, zstd, gzip)";
  const sidecars = "precompressed .br .zst .gz files";
  if (config.compress && config.precompressed) return `${onTheFly}, and ${sidecars}`;
  if (config.compress) return `${onTheFly}; precompressed files ignored`;
  if (config.precompressed) return `only ${sidecars}`;
  return "off";
}

function hostForUrl(host: string): string {
  return host.includes(":") ? `[${host}]` : host;
}

export function formatMs(ms: number): string {
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

export function formatBytes(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1 && value % 1024 === 0) {
    value /= 1024;
    unit++;
  }
  return `${value} ${units[unit]}`;
}
