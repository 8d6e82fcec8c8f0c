/**
 * HTTPS listening: TLS 1.2 and 1.3 with the runtime's default ciphers (rustls), ALPN
 * offering `http/1.1` only, and handshakes bounded by the engine's head deadline.
 *
 * Why node:tls and not Deno.listenTls. Deno's TLS connections cannot be closed from our
 * side while their handshake has not completed: `close()` leaves the TCP socket open until
 * the client leaves, so a client that connects and never handshakes keeps a descriptor for
 * as long as it likes (Deno.serve shares the flaw). Nor once it has completed, if the
 * client stops reading: the socket stays open while the runtime tries to flush what it
 * had queued. node:tls sockets are destroyed at once in every state (measured with 20
 * silent clients, 20 that sent half a ClientHello and 5 that stopped reading a download:
 * none left after the deadline, with Deno.listenTls all of them).
 *
 * Each accepted socket becomes a Transport at once (node_socket_transport.ts), and its
 * first bytes, read under the connection's head deadline, say what it is. A TLS record
 * starts with 0x16 (a handshake, RFC 8446 §5.1): the socket goes on as TLS. Anything else
 * is a client speaking plain HTTP to the HTTPS port (a request line starts with a
 * letter): with `plainHttp: "serve"` it is served as plain HTTP, its requests' `secure`
 * false, so the application can redirect it to https as nginx's 497 handling does;
 * otherwise it is closed, as a TLS-only server would.
 */
import { getLogger } from "@logtape/logtape";
import net from "node:net";
import tls from "node:tls";
import { NodeSocketTransport } from "./node_socket_transport.ts";
import { LISTEN_BACKLOG, type Listener, type Transport } from "./transport.ts";

/** How an HTTPS listener listens. */
export interface TlsListenOptions {
  /** Address to bind, IPv6 without brackets. */
  hostname: string;
  /** Port to bind; 0 picks a free one (see `addr`). */
  port: number;
  /** The certificate chain as PEM, leaf first. */
  cert: string;
  /** The leaf's private key as PEM. */
  key: string;
  /**
   * A client speaking plain HTTP to this port: "close" it (the default), or "serve" it as
   * plain HTTP with `req.secure` false, for the application to redirect.
   */
  plainHttp?: "close" | "serve";
  /** Share the port with other listeners that ask the same (Linux's SO_REUSEPORT). */
  reusePort?: boolean;
}

/** The protocols offered in ALPN (RFC 7301): HTTP/1.1 only, the one the engine speaks. */
export const ALPN_PROTOCOLS: readonly string[] = ["http/1.1"];
/** The oldest TLS version accepted; 1.3 is the newest (RFC 8996 deprecates 1.0 and 1.1). */
export const MIN_TLS_VERSION = "TLSv1.2";
/** The first byte of a TLS handshake record (ContentType handshake, RFC 8446 §5.1). */
const TLS_HANDSHAKE_RECORD = 0x16;
/**
 * Clients accepted by the runtime and not yet taken by the server, which stops taking them
 * at its connection bound. Beyond this many, new ones are closed at once, as a full kernel
 * backlog would refuse them.
 */
export const MAX_WAITING_CLIENTS = LISTEN_BACKLOG;

const logger = getLogger(["zhttp", "tls"]);

/**
 * Listens for HTTPS on hostname:port. Rejects with Deno's error classes
 * (Deno.errors.AddrInUse, AddrNotAvailable, PermissionDenied) as Deno.listen throws them,
 * so that callers treat both kinds of listener alike.
 */
export function listenTls(options: TlsListenOptions): Promise<TlsListener> {
  const context = tls.createSecureContext({
    cert: options.cert,
    key: options.key,
    minVersion: MIN_TLS_VERSION,
  });
  const server = net.createServer({
    // The engine half-closes on its own terms (lingering close); Node must not end our side
    // when the client ends its own.
    allowHalfOpen: true,
    noDelay: true,
    // Nothing is read from a client until the server takes it (and its deadlines run).
    pauseOnConnect: true,
  });
  return new Promise((resolve, reject) => {
    const failed = (error: Error) => reject(asDenoError(error));
    server.once("error", failed);
    const address = { host: options.hostname, port: options.port, backlog: LISTEN_BACKLOG };
    // Node's type for listen() lacks reusePort, which Deno's node:net passes to the socket.
    const listen = options.reusePort ? { ...address, reusePort: true } : address;
    server.listen(listen, () => {
      server.off("error", failed);
      resolve(new TlsListener(server, context, options.plainHttp ?? "close"));
    });
  });
}

/** An HTTPS listener: a Listener whose transports speak TLS (see the module comment). */
export class TlsListener implements Listener {
  readonly addr: Deno.NetAddr;
  readonly secure = true;

  readonly #server: net.Server;
  readonly #context: tls.SecureContext;
  readonly #plainHttp: "close" | "serve";
  readonly #waiting: net.Socket[] = [];
  /** Every accepted socket not yet fully closed. */
  readonly #open = new Set<net.Socket>();
  readonly #drained = Promise.withResolvers<void>();
  #accepting: PromiseWithResolvers<Transport> | null = null;
  #closed = false;
  #handshakes = 0;
  #handshakeFailures = 0;

  constructor(server: net.Server, context: tls.SecureContext, plainHttp: "close" | "serve") {
    this.#server = server;
    this.#context = context;
    this.#plainHttp = plainHttp;
    const address = server.address() as net.AddressInfo;
    this.addr = { transport: "tcp", hostname: address.address, port: address.port };
    server.on("connection", (socket: net.Socket) => this.#arrived(socket));
    // An accept that failed (no descriptor left, say): the server's accept loop logs it and
    // decides whether to pause, as for a TCP listener.
    server.on("error", (error: Error) => {
      const accepting = this.#accepting;
      this.#accepting = null;
      accepting?.reject(error);
    });
  }

  /** Resolves once the listener is closed and every socket it accepted is gone. */
  get drained(): Promise<void> {
    return this.#drained.promise;
  }

  /** Handshakes completed since the listener started. */
  get handshakes(): number {
    return this.#handshakes;
  }

  /**
   * Handshakes that failed: the client sent something that is not TLS, refused our
   * certificate, or left or was cut off before the handshake completed.
   */
  get handshakeFailures(): number {
    return this.#handshakeFailures;
  }

  accept(): Promise<Transport> {
    if (this.#closed) return Promise.reject(new Deno.errors.BadResource("listener closed"));
    const socket = this.#waiting.shift();
    if (socket !== undefined) return Promise.resolve(this.#start(socket));
    this.#accepting = Promise.withResolvers();
    return this.#accepting.promise;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#server.close();
    for (const socket of this.#waiting.splice(0)) socket.destroy();
    this.#accepting?.reject(new Deno.errors.BadResource("listener closed"));
    this.#accepting = null;
    this.#settleDrained();
  }

  #settleDrained(): void {
    if (this.#closed && this.#open.size === 0) this.#drained.resolve();
  }

  #arrived(socket: net.Socket): void {
    socket.on("error", ignoreError);
    if (this.#closed || this.#waiting.length >= MAX_WAITING_CLIENTS) {
      socket.destroy();
      return;
    }
    this.#open.add(socket);
    socket.once("close", () => {
      this.#open.delete(socket);
      this.#settleDrained();
    });
    const accepting = this.#accepting;
    if (accepting === null) {
      this.#waiting.push(socket);
      return;
    }
    this.#accepting = null;
    accepting.resolve(this.#start(socket));
  }

  /** The client's transport, reading its first bytes to learn whether it speaks TLS. */
  #start(raw: net.Socket): Transport {
    const transport = new NodeSocketTransport(raw);
    raw.once("data", (first: Uint8Array) => {
      raw.pause();
      raw.unshift(first);
      if (first[0] === TLS_HANDSHAKE_RECORD) this.#startTls(raw, transport);
      else if (this.#plainHttp === "serve") transport.attach(raw, false);
      else transport.close();
    });
    raw.resume();
    return transport;
  }

  #startTls(raw: net.Socket, transport: NodeSocketTransport): void {
    const socket = new tls.TLSSocket(raw, {
      isServer: true,
      secureContext: this.#context,
      ALPNProtocols: [...ALPN_PROTOCOLS],
    });
    let secure = false;
    let failure: string | null = null;
    socket.once("secure", () => {
      secure = true;
      this.#handshakes++;
    });
    socket.once("error", (error: Error) => {
      failure ??= error.message;
    });
    socket.once("end", () => {
      failure ??= "the client left";
    });
    socket.once("close", () => {
      if (secure) return;
      this.#handshakeFailures++;
      logger.debug("TLS handshake with {client} failed: {failure}", {
        client: transport.remoteAddr.hostname,
        failure: failure ?? "cut off by the head timeout or a shutdown",
      });
    });
    transport.attach(socket, true);
  }
}

function ignoreError(): void {}

/** Node's listen errors as Deno's, which bind.ts and startup.ts understand. */
function asDenoError(error: Error): Error {
  const code = (error as { code?: unknown }).code;
  const converted = code === "EADDRINUSE"
    ? new Deno.errors.AddrInUse(error.message)
    : code === "EADDRNOTAVAIL"
    ? new Deno.errors.AddrNotAvailable(error.message)
    : code === "EACCES" || code === "EPERM"
    ? new Deno.errors.PermissionDenied(error.message)
    : new Error(error.message);
  return Object.assign(converted, { code });
}
