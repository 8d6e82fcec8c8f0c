/**
 * What the engine needs of a socket and of a listener, and nothing more, so that one
 * connection loop (parser, deadlines, read gate, pipelining) serves TCP, TLS, Unix sockets
 * and scripted connections in tests alike. `Deno.TcpConn`, `Deno.TlsConn` and
 * `Deno.UnixConn` are Transports as they are; `Deno.Listener` is a Listener.
 */

/** A byte stream to one client. */
export interface Transport {
  /** Reads into `into`; resolves with the count read, or null at the end of the stream. */
  read(into: Uint8Array): Promise<number | null>;
  /** Writes some of `bytes`; resolves with how many the OS took. */
  write(bytes: Uint8Array): Promise<number>;
  /** Ends our direction of the stream; the client can still send (lingering close). */
  closeWrite(): Promise<void>;
  /** Closes both directions at once; pending reads and writes fail. */
  close(): void;
  /** The client's address. */
  readonly remoteAddr: Deno.Addr;
  /** Our address, as the client reached it. */
  readonly localAddr: Deno.Addr;
  /**
   * Whether this client speaks TLS, when that is not simply its listener's `secure`: an
   * HTTPS port that also answers plain HTTP (tls_listener.ts) says so per connection.
   */
  readonly secure?: boolean;
}

/** Where connections come from. */
export interface Listener {
  /** Resolves with the next client; rejects once the listener is closed. */
  accept(): Promise<Transport>;
  /** Stops listening; a pending accept() rejects. */
  close(): void;
  /** The address listened on (the real port when 0 was asked for). */
  readonly addr: Deno.Addr;
  /** True when its connections are TLS: requests on them are `https` (`req.secure`). */
  readonly secure?: boolean;
  /**
   * Resolves once the listener is closed and every socket it accepted is gone, when that
   * can be later than the engine's own close (a TLS close_notify still being written).
   * The server waits for it before `finished` resolves.
   */
  readonly drained?: Promise<void>;
}

/**
 * The kernel's queue of connections not yet accepted. The default (511) overflowed when 1000
 * clients connected at once in our measurements; 4096 did not.
 */
export const LISTEN_BACKLOG = 4096;

/** Listens on a TCP address. Throws `Deno.errors.AddrInUse` and the like synchronously. */
export function listenTcp(options: { hostname: string; port: number }): Listener {
  return Deno.listen({
    hostname: options.hostname,
    port: options.port,
    transport: "tcp",
    tcpBacklog: LISTEN_BACKLOG,
  });
}

/** Listens on a Unix domain socket at `path` (not on Windows). */
export function listenUnix(path: string): Listener {
  return Deno.listen({ path, transport: "unix" });
}

/**
 * The host part of an address, for logs and per-client tables: the IP of a network
 * address, the socket path (or "unix" when unnamed) of a Unix one, the CID of a VSOCK one.
 */
export function hostOf(addr: Deno.Addr): string {
  switch (addr.transport) {
    case "tcp":
    case "udp":
      return addr.hostname;
    case "unix":
    case "unixpacket":
      return addr.path === "" ? "unix" : addr.path;
    case "vsock":
      return `vsock:${addr.cid}`;
  }
}
