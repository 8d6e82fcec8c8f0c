/**
 * What the engine needs of a socket and of a listener, and nothing more, so that one
 * connection loop (parser, deadlines, read gate, pipelining) serves TCP, TLS, Unix sockets
 * and scripted connections in tests alike. `Deno.TcpConn`, `Deno.TlsConn` and
 * `Deno.UnixConn` are Transports as they are; `Deno.Listener` is a Listener.
 */

/**
 * A byte stream to one client. `Deno.TcpConn`, `Deno.TlsConn` and `Deno.UnixConn` are
 * Transports as they are; anything else that reads, writes and closes can be one.
 *
 * @example Count the bytes each connection sends back
 * ```ts
 * import type { Transport } from "@zhttp/zhttp";
 *
 * function counting(inner: Transport, count: (bytes: number) => void): Transport {
 *   return {
 *     read: (into) => inner.read(into),
 *     write: async (bytes) => {
 *       const written = await inner.write(bytes);
 *       count(written);
 *       return written;
 *     },
 *     closeWrite: () => inner.closeWrite(),
 *     close: () => inner.close(),
 *     remoteAddr: inner.remoteAddr,
 *     localAddr: inner.localAddr,
 *   };
 * }
 * ```
 */
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

/**
 * Where connections come from: `Deno.Listener` is one as it is (listenTcp(), listenUnix()),
 * and so is any object that hands out Transports.
 *
 * @example A TLS listener
 * ```ts
 * import { hello, type Listener, serve } from "@zhttp/zhttp";
 *
 * const tls: Listener = Object.assign(
 *   Deno.listenTls({
 *     port: 8443,
 *     cert: Deno.readTextFileSync("cert.pem"),
 *     key: Deno.readTextFileSync("key.pem"),
 *   }),
 *   { secure: true },
 * );
 * serve({ handler: hello, listeners: [tls] });
 * ```
 */
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
 * The kernel's queue of connections not yet accepted, as listenTcp() asks for it. The
 * default (511) overflowed when 1000 clients connected at once in our measurements; 4096
 * did not.
 *
 * @example A listener of your own with the same backlog
 * ```ts
 * import { hello, LISTEN_BACKLOG, serve } from "@zhttp/zhttp";
 *
 * const listener = Deno.listen({ port: 8080, tcpBacklog: LISTEN_BACKLOG });
 * serve({ handler: hello, listeners: [listener] });
 * ```
 */
export const LISTEN_BACKLOG = 4096;

/**
 * Listens on a TCP address. Throws `Deno.errors.AddrInUse` and the like synchronously.
 *
 * @example IPv4 and IPv6 loopback, served together
 * ```ts
 * import { hello, listenTcp, serve } from "@zhttp/zhttp";
 *
 * serve({
 *   handler: hello,
 *   listeners: [
 *     listenTcp({ hostname: "127.0.0.1", port: 8080 }),
 *     listenTcp({ hostname: "::1", port: 8080 }),
 *   ],
 * });
 * ```
 */
export function listenTcp(
  options: { hostname: string; port: number; reusePort?: boolean },
): Listener {
  return Deno.listen({
    hostname: options.hostname,
    port: options.port,
    transport: "tcp",
    tcpBacklog: LISTEN_BACKLOG,
    // Several listeners on one port, the kernel spreading connections among them (Linux:
    // SO_REUSEPORT, which Deno puts behind --unstable-net).
    ...(options.reusePort ? { reusePort: true } : {}),
  });
}

/**
 * Listens on a Unix domain socket at `path` (not on Windows).
 *
 * @example Behind a reverse proxy on the same host
 * ```ts
 * import { hello, listenUnix, serve } from "@zhttp/zhttp";
 *
 * const server = serve({ handler: hello, listeners: [listenUnix("/run/app.sock")] });
 * console.log(server.addrs); // [{ transport: "unix", path: "/run/app.sock" }]
 * ```
 */
export function listenUnix(path: string): Listener {
  return Deno.listen({ path, transport: "unix" });
}

/**
 * The host part of an address, for logs and per-client tables: the IP of a network
 * address, the socket path (or "unix" when unnamed) of a Unix one, the CID of a VSOCK one.
 *
 * @example
 * ```ts
 * import { type Handler, hostOf } from "@zhttp/zhttp";
 *
 * const whoAmI: Handler = (req, res) => res.end(`you are ${hostOf(req.remoteAddr)}\n`);
 * ```
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
