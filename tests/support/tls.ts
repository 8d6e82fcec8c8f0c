/**
 * Tools for the TLS tests: a tiny HTTPS server on a real socket (port 0) that answers every
 * request with one page and closes, and the certificates of a PEM chain. The programs people
 * verify certificates with (openssl, curl, certutil) are run through programs.ts.
 */

/** An HTTPS server for one test; `await using` closes it and every connection. */
export interface TlsTestServer extends AsyncDisposable {
  readonly port: number;
  /** How many handshakes completed; a client that refuses the certificate adds none. */
  readonly handshakes: number;
}

/**
 * Serves `page` as text/html over TLS on `hostname` with `cert` and `key` (PEM), one
 * request per connection.
 */
export function serveTls(
  options: { cert: string; key: string; hostname?: string; page?: string },
): TlsTestServer {
  const listener = Deno.listenTls({
    hostname: options.hostname ?? "127.0.0.1",
    port: 0,
    cert: options.cert,
    key: options.key,
  });
  const body = new TextEncoder().encode(options.page ?? "<!doctype html><title>ok</title>ok\n");
  const head = new TextEncoder().encode(
    "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n" +
      `Content-Length: ${body.length}\r\nConnection: close\r\n\r\n`,
  );
  const connections = new Set<Promise<void>>();
  let handshakes = 0;

  async function answer(conn: Deno.TlsConn): Promise<void> {
    try {
      await conn.handshake();
      handshakes++;
      await readHead(conn);
      await writeAll(conn, head);
      await writeAll(conn, body);
    } catch {
      // A client that refuses the certificate ends the handshake; that is what tests check.
    } finally {
      conn.close();
    }
  }

  const accepting = (async () => {
    for await (const conn of listener) {
      const done = answer(conn);
      connections.add(done);
      done.finally(() => connections.delete(done));
    }
  })().catch(() => {});

  return {
    port: (listener.addr as Deno.NetAddr).port,
    get handshakes() {
      return handshakes;
    },
    async [Symbol.asyncDispose]() {
      listener.close();
      await accepting;
      await Promise.all(connections);
    },
  };
}

/** Reads until the end of a request head (or the end of the stream). */
async function readHead(conn: Deno.Conn): Promise<void> {
  const buffer = new Uint8Array(16 * 1024);
  let text = "";
  while (!text.includes("\r\n\r\n")) {
    const count = await conn.read(buffer);
    if (count === null) return;
    text += new TextDecoder().decode(buffer.subarray(0, count));
  }
}

async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  for (let written = 0; written < bytes.length;) {
    written += await conn.write(bytes.subarray(written));
  }
}

/** The PEM certificates of a chain, one string each. */
export function splitCertificates(pem: string): string[] {
  return pem.match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----\n?/g) ?? [];
}
