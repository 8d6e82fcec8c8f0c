/**
 * The two ways a client reaches the engine, for suites that run over both: plain TCP, and
 * TLS through zhttp's TLS listener with the test certificate (tls_certificate.ts). A suite
 * loops over WIRES and names its tests with `wire.name()`, so the TCP tests keep their
 * names and the TLS ones say so.
 */
import { listenTls } from "../../lib/server/tls_listener.ts";
import { serve, type ServeOptions } from "../../lib/server/server.ts";
import { RawConnection, type RawResponse, startServer, type TestServer } from "./raw_http.ts";
import { testCertificate } from "./tls_certificate.ts";

/** One way to reach a test server. */
export interface Wire {
  /** "TCP" or "TLS". */
  readonly kind: "TCP" | "TLS";
  /** A test's name as run over this wire: as it is for TCP, marked for TLS. */
  name(test: string): string;
  /** Starts a server on 127.0.0.1 port 0 (or `options.hostname`) over this wire. */
  startServer(options: ServeOptions): Promise<TestServer>;
  /** A client connection to the server, raw bytes in and out (TLS: handshake done). */
  connect(port: number, hostname?: string): Promise<Deno.Conn>;
  /** A buffered client connection that reads responses one by one. */
  open(port: number, hostname?: string): Promise<RawConnection>;
  /** Sends one request on a fresh connection and returns the response. */
  request(port: number, raw: string | Uint8Array, headRequest?: boolean): Promise<RawResponse>;
}

const TCP: Wire = {
  kind: "TCP",
  name: (test) => test,
  startServer: (options) => Promise.resolve(startServer(options)),
  connect: (port, hostname = "127.0.0.1") => Deno.connect({ hostname, port }),
  open: (port, hostname) => RawConnection.open(port, hostname),
  request: (port, raw, headRequest) => requestOn(TCP, port, raw, headRequest),
};

const TLS: Wire = {
  kind: "TLS",
  name: (test) => `${test} (over TLS)`,
  async startServer(options) {
    const { cert, key } = await testCertificate();
    const listeners = options.listeners ?? [
      await listenTls({
        hostname: options.hostname ?? "127.0.0.1",
        port: options.port ?? 0,
        cert,
        key,
      }),
    ];
    const server = serve({ ...options, listeners });
    return Object.assign(server, { [Symbol.asyncDispose]: () => server.close() });
  },
  async connect(port, hostname = "127.0.0.1") {
    const { ca } = await testCertificate();
    const conn = await Deno.connectTls({ hostname, port, caCerts: [ca] });
    try {
      await conn.handshake();
    } catch (error) {
      conn.close();
      throw error;
    }
    return conn;
  },
  async open(port, hostname) {
    return RawConnection.openTls(port, (await testCertificate()).ca, hostname);
  },
  request: (port, raw, headRequest) => requestOn(TLS, port, raw, headRequest),
};

/** Every wire, TCP first. */
export const WIRES: readonly Wire[] = [TCP, TLS];

async function requestOn(
  wire: Wire,
  port: number,
  raw: string | Uint8Array,
  headRequest = false,
): Promise<RawResponse> {
  using connection = await wire.open(port);
  await connection.send(raw);
  return await connection.response(headRequest);
}
