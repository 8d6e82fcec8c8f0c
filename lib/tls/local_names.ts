/**
 * The names zhttp's own certificates may carry: the permitted subtrees of the local CA's
 * name constraints (RFC 5280 §4.2.1.10), and the names a leaf gets for this machine, which
 * must all lie inside them (one name outside makes a verifier reject the whole leaf).
 *
 * Only names that no public site can have are permitted, so a stolen CA key cannot
 * impersonate one: `localhost` (RFC 6761 §6.3), `.local` (multicast DNS, RFC 6762 §3),
 * `.home.arpa` (RFC 8375), and the loopback, private (RFC 1918, RFC 4193) and link-local
 * (RFC 3927, RFC 4291 §2.5.6) address ranges.
 *
 * The DNS constraints are written without a leading dot: per RFC 5280 a dNSName constraint
 * matches the name itself and any name made by adding labels on its left, and that reading
 * is the one every verifier shares (Android's reads the leading-dot form differently).
 *
 * The machine's bare name (`mybox`, `DESKTOP-1A2B3C`) is deliberately not permitted: a
 * single-label constraint also permits every name under it, and a machine called `dev` or
 * `app` would then permit the public `.dev` and `.app` domains. The leaf names the machine
 * as `<name>.local`, which macOS, Windows 10+ and Linux with Avahi resolve over multicast
 * DNS on the local network; the bare name is reported as left out.
 */
import net from "node:net";

/** The DNS subtrees the local CA permits. */
export const PERMITTED_DNS_NAMES: readonly string[] = ["localhost", "local", "home.arpa"];

/** The address ranges the local CA permits (CIDR). */
export const PERMITTED_IP_RANGES: readonly string[] = [
  "127.0.0.0/8",
  "10.0.0.0/8",
  "172.16.0.0/12",
  "192.168.0.0/16",
  "169.254.0.0/16",
  "::1/128",
  "fc00::/7",
  "fe80::/10",
];

/** The longest DNS label (RFC 1035 §2.3.4). */
const MAX_LABEL_LENGTH = 63;

/** The names of a leaf certificate: DNS names (lowercase) and canonical IP addresses. */
export interface LeafNames {
  readonly dns: readonly string[];
  readonly ips: readonly string[];
}

/** What a leaf for this machine holds, and the names it had to leave out (for the banner). */
export interface LocalNames {
  readonly names: LeafNames;
  /** Machine names and addresses outside the permitted set, as they were given. */
  readonly leftOut: readonly string[];
}

/**
 * The names of the leaf zhttp issues: localhost, 127.0.0.1, ::1, the machine as
 * `<name>.local` (and its full name when that is already permitted), and the LAN
 * addresses given (with --lan) that lie in the permitted ranges.
 */
export function localNames(hostname: string, lanAddresses: readonly string[] = []): LocalNames {
  const dns = new Set(["localhost"]);
  const ips = new Set(["127.0.0.1", "::1"]);
  const leftOut: string[] = [];

  const fullName = hostname.trim().toLowerCase().replace(/\.$/, "");
  const firstLabel = fullName.split(".")[0];
  // `localhost.localdomain` and the like name no machine: localhost is there already.
  if (fullName !== "" && firstLabel !== "localhost") {
    if (isPermittedDnsName(fullName)) dns.add(fullName);
    else leftOut.push(hostname.trim());
    if (isDnsLabel(firstLabel)) dns.add(`${firstLabel}.local`);
  }

  for (const address of lanAddresses) {
    const canonical = canonicalIp(address);
    if (canonical !== null && isPermittedIp(canonical)) ips.add(canonical);
    else leftOut.push(address);
  }
  return { names: { dns: [...dns], ips: [...ips] }, leftOut };
}

/** Whether a DNS name lies inside the permitted subtrees (the name or a name below one). */
export function isPermittedDnsName(name: string): boolean {
  const lower = name.toLowerCase();
  if (!lower.split(".").every(isDnsLabel)) return false;
  return PERMITTED_DNS_NAMES.some((base) => lower === base || lower.endsWith(`.${base}`));
}

/** Whether a canonical IP address lies inside the permitted ranges. */
export function isPermittedIp(address: string): boolean {
  return PERMITTED_BLOCKS.check(address, net.isIPv4(address) ? "ipv4" : "ipv6");
}

/**
 * An address in the form certificates and comparisons use (IPv6 compressed and
 * lowercase, zone removed), or null when it is no IP address. IPv4-mapped IPv6 addresses
 * are refused: in a certificate they are 16 bytes that no IPv4 range constraint matches.
 */
export function canonicalIp(address: string): string | null {
  const withoutZone = address.replace(/%.*$/, "");
  const family = net.isIP(withoutZone);
  if (family === 4) return withoutZone;
  if (family !== 6) return null;
  // The WHATWG URL parser writes IPv6 hosts in the RFC 5952 canonical form.
  const canonical = new URL(`http://[${withoutZone}]/`).hostname.slice(1, -1);
  return canonical.startsWith("::ffff:") ? null : canonical;
}

/** Whether names are the same set (the leaf is reissued when they are not). */
export function sameNames(a: LeafNames, b: LeafNames): boolean {
  const key = (names: LeafNames) => JSON.stringify([[...names.dns].sort(), [...names.ips].sort()]);
  return key(a) === key(b);
}

/** A letter-digit-hyphen label (RFC 1123 §2.1), as names in certificates must be. */
function isDnsLabel(label: string): boolean {
  return label.length > 0 && label.length <= MAX_LABEL_LENGTH &&
    /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/.test(label);
}

const PERMITTED_BLOCKS = (() => {
  const blocks = new net.BlockList();
  for (const range of PERMITTED_IP_RANGES) {
    const [address, prefix] = range.split("/");
    blocks.addSubnet(address, Number(prefix), net.isIPv4(address) ? "ipv4" : "ipv6");
  }
  return blocks;
})();
