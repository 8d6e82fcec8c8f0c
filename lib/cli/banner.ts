/** The startup banner: what is served, where, with which limits, and how to stop. */
import type { Config } from "./config.ts";

export interface BannerFacts {
  version: string;
  config: Config;
  /** The port actually bound (after fallback, or the one port 0 picked). */
  port: number;
  /** LAN addresses to show when bound to all interfaces. */
  lanAddresses: readonly string[];
  /** Set when the configured port was busy and another was taken. */
  busyPort?: number;
}

export function formatBanner(facts: BannerFacts): string {
  const { config, port } = facts;
  const lines = [`zhttp ${facts.version}`, `Serving  ${config.root}`];
  if (facts.busyPort !== undefined) {
    lines.push(`Port ${facts.busyPort} is in use, so zhttp took port ${port}.`);
  }
  const wildcard = config.host === "0.0.0.0" || config.host === "::";
  const local = wildcard || isLoopback(config.host) ? "localhost" : hostForUrl(config.host);
  lines.push(`Local    http://${local}:${port}/`);
  if (wildcard) {
    for (const address of facts.lanAddresses) {
      lines.push(`Network  http://${hostForUrl(address)}:${port}/`);
    }
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

/** What is compressed: on the fly, precompressed files, both or neither. */
function compressionLine(config: Config): string {
  const onTheFly = "on the fly (br, zstd, gzip)";
  const sidecars = "precompressed .br .zst .gz files";
  if (config.compress && config.precompressed) return `${onTheFly}, and ${sidecars}`;
  if (config.compress) return `${onTheFly}; precompressed files ignored`;
  if (config.precompressed) return `only ${sidecars}`;
  return "off";
}

function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || host.startsWith("127.");
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
