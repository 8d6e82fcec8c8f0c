/**
 * Which sockets zhttp listens on for a `host` setting. A browser opening
 * `http://localhost:PORT/` may try `::1` before `127.0.0.1`; if zhttp listened on one
 * loopback only, another program on the other one would answer in its place, unnoticed.
 * So the two names people use for "this computer" and "every interface" mean both
 * families:
 * - `localhost` (the default): 127.0.0.1 and ::1;
 * - `0.0.0.0` or `::` (`--lan`): every interface, IPv6 and IPv4. On Linux and macOS a
 *   socket on `::` takes IPv4 too, and the IPv4 socket then finds the port taken by it;
 *   on Windows the two are separate sockets;
 * - any other address: exactly that one.
 * The IPv6 side is given up quietly where the machine has no IPv6, but an IPv6 address
 * that another program holds makes the port busy, like the IPv4 one would.
 */
import type { Listener } from "../server/transport.ts";

/** One address to bind, and whether the server can do without it. */
export interface BindAddress {
  readonly hostname: string;
  /** Unavailable (no IPv6 on this machine) is no failure; busy still is. */
  readonly optional: boolean;
}

/** The addresses a `host` setting stands for, the one the banner names first. */
export function bindAddresses(host: string): BindAddress[] {
  if (host === "localhost") {
    return [{ hostname: "127.0.0.1", optional: false }, { hostname: "::1", optional: true }];
  }
  if (host === "0.0.0.0" || host === "::") {
    return [{ hostname: "::", optional: true }, { hostname: "0.0.0.0", optional: true }];
  }
  return [{ hostname: host, optional: false }];
}

/** Whether `host` means every interface (the banner then lists the LAN addresses). */
export function isWildcardHost(host: string): boolean {
  return host === "0.0.0.0" || host === "::";
}

/**
 * Binds every address of `host` on `port` with `listen` (synchronous like listenTcp, or
 * asynchronous like listenTls). Rejects with what the first failing required bind threw
 * (AddrInUse when another program holds any of them); nothing stays bound after a failure.
 */
export async function bindListeners(
  host: string,
  port: number,
  listen: (address: { hostname: string; port: number }) => Listener | Promise<Listener>,
): Promise<Listener[]> {
  const listeners: Listener[] = [];
  let firstError: unknown = null;
  try {
    for (const address of bindAddresses(host)) {
      // After port 0 picked a port, the other addresses must use the same one.
      const boundPort = listeners.length === 0 ? port : (listeners[0].addr as Deno.NetAddr).port;
      try {
        listeners.push(await listen({ hostname: address.hostname, port: boundPort }));
      } catch (error) {
        if (error instanceof Deno.errors.AddrInUse && coveredByDualStack(address, listeners)) {
          continue;
        }
        if (address.optional && isUnavailable(error)) {
          firstError ??= error;
          continue;
        }
        throw error;
      }
    }
    if (listeners.length === 0) throw firstError;
    return listeners;
  } catch (error) {
    for (const listener of listeners) listener.close();
    throw error;
  }
}

/** IPv4 on a port whose `::` socket we already hold: that socket takes IPv4 too. */
function coveredByDualStack(address: BindAddress, bound: readonly Listener[]): boolean {
  return address.hostname === "0.0.0.0" &&
    bound.some((listener) => (listener.addr as Deno.NetAddr).hostname === "::");
}

/** This machine cannot bind that address at all (no IPv6, say). */
function isUnavailable(error: unknown): boolean {
  if (error instanceof Deno.errors.AddrNotAvailable) return true;
  // EAFNOSUPPORT (IPv6 disabled in the kernel) has no Deno error class of its own.
  const code = (error as { code?: unknown } | null)?.code;
  return code === "EAFNOSUPPORT" || code === "EADDRNOTAVAIL";
}
