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
  /** With HTTPS: the certificate served and, when zhttp made it, the CA to trust. */
  tls?: BannerTls;
  /** The port that redirects plain HTTP to HTTPS (--https-redirect). */
  redirectPort?: number;
  /** Server threads serving (--workers, on an OS that spreads connections over them). */
  threads?: number;
}

/** What the banner says about HTTPS. */
export interface BannerTls {
  /** The names the certificate is valid for. */
  readonly names: readonly string[];
  /** When it expires. */
  readonly notAfter: Date;
  /** The user's certificate file; null for the one zhttp made. */
  readonly certFile: string | null;
  /** zhttp's local CA: the one certificate to trust on each device. */
  readonly ca: {
    readonly file: string;
    readonly sha256Fingerprint: string;
    /** Made at this start: nothing trusts it yet. */
    readonly created: boolean;
    /** The address (path) it can be downloaded from. */
    readonly downloadPath: string;
  } | null;
  /** Names of this machine the certificate could not carry. */
  readonly leftOut: readonly string[];
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
  const scheme = facts.tls === undefined ? "http" : "https";
  lines.push(`Local    ${scheme}://${local}:${port}/`);
  const network = wildcard ? facts.lanAddresses.map(hostForUrl) : [];
  for (const address of network) lines.push(`Network  ${scheme}://${address}:${port}/`);
  if (facts.tls !== undefined) {
    // The download address a phone can use: a LAN address the certificate names, so that
    // once the CA is trusted the same address works without a warning.
    const named = network.find((address) =>
      facts.tls!.names.includes(address.replace(/^\[|\]$/g, ""))
    );
    lines.push(...tlsLines(facts.tls, `https://${named ?? network[0] ?? local}:${port}`));
  }
  if (facts.redirectPort !== undefined) {
    lines.push(`Redirect http://${local}:${facts.redirectPort}/ to https`);
  }
  if (config.qr) {
    lines.push(...qrLines(wildcard ? facts.lanAddresses[0] : config.host, port, scheme));
  }
  if (config.live) lines.push("Live     open pages reload when a file in the folder changes");
  if (config.auth !== null) {
    lines.push(...accessLines(config.auth, config.host, facts.tls !== undefined));
  }
  const threads = facts.threads ?? 1;
  if (threads > 1) {
    lines.push(`Workers  ${threads} server threads on the port; the system spreads connections`);
  } else if (config.workers > 1) {
    lines.push("Workers  1: --workers needs Linux, whose sockets can share a port");
  }
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
function qrLines(address: string | undefined, port: number, scheme: string): string[] {
  if (address === undefined) return ["No network address found for the QR code."];
  const url = `${scheme}://${hostForUrl(address)}:${port}/`;
  return [`Scan to open ${url} on a phone:`, qrCodeText(url)];
}

/**
 * Who may see what, and the warnings a password on the command line or on the network
 * needs: the process list shows every program's arguments to every user of the machine,
 * and plain HTTP carries the Basic credentials (base64, not encryption) to anyone on the
 * way, where only the loopback never leaves the computer.
 */
function accessLines(auth: AuthConfig, host: string, https: boolean): string[] {
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
  if (!isLoopbackHost(host) && !https) {
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

/** The certificate's names and expiry, and what to trust when zhttp made it. */
function tlsLines(tls: BannerTls, origin: string): string[] {
  const validity = `valid until ${tls.notAfter.toISOString().slice(0, 10)}`;
  const names = tls.names.join(", ");
  if (tls.certFile !== null || tls.ca === null) {
    return [`TLS      ${tls.certFile ?? "certificate"} for ${names}, ${validity}`];
  }
  const lines = [`TLS      zhttp's certificate for ${names}, ${validity}`];
  if (tls.leftOut.length > 0) {
    lines.push(`         not in it: ${tls.leftOut.join(", ")} (only local names are allowed)`);
  }
  const trust = tls.ca.created ? "new: trust it once on each device" : "trust it once per device";
  lines.push(
    `Trust    zhttp's local CA ${tls.ca.file} (${trust})`,
    `         SHA-256 ${tls.ca.sha256Fingerprint}`,
    `         download it from ${origin}${tls.ca.downloadPath}`,
  );
  return lines;
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
