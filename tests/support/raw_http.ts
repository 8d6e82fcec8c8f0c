/**
 * A raw HTTP/1.1 client for end-to-end tests: real TCP (or TLS) sockets, bytes exactly as
 * written, responses parsed strictly enough to catch framing mistakes (Content-Length,
 * chunked, close-delimited), so a test sees what a browser or curl would.
 */
import { concat } from "../../lib/http/bytes.ts";
import { serve, type ServeOptions, type Server } from "../../lib/server/server.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export interface RawResponse {
  status: number;
  reason: string;
  version: string;
  /** Header fields, names lowercased, in order. */
  headers: [string, string][];
  body: Uint8Array;
  /** First value of a field (case-insensitive), or null. */
  header(name: string): string | null;
  text(): string;
}

/** A server for one test: `await using server = startServer(options)` closes it at scope end. */
export type TestServer = Server & AsyncDisposable;

/** Starts a server on 127.0.0.1 port 0 (the real port is in `server.addr.port`). */
export function startServer(options: ServeOptions): TestServer {
  const server = serve({ hostname: "127.0.0.1", port: 0, ...options });
  return Object.assign(server, { [Symbol.asyncDispose]: () => server.close() });
}

/** A raw connection that buffers what it reads so that responses can be taken one by one. */
export class RawConnection {
  readonly conn: Deno.Conn;
  #buffer = new Uint8Array(0);
  #eof = false;

  private constructor(conn: Deno.Conn) {
    this.conn = conn;
  }

  /** Reads and writes over a connection opened elsewhere (a TLS one, say). */
  static over(conn: Deno.Conn): RawConnection {
    return new RawConnection(conn);
  }

  /** A TCP connection to `hostname` (127.0.0.1 unless said). */
  static async open(port: number, hostname = "127.0.0.1"): Promise<RawConnection> {
    return new RawConnection(await Deno.connect({ hostname, port }));
  }

  /**
   * A TLS connection to `hostname` (127.0.0.1 unless said) that trusts `caCertificate`
   * (PEM) and checks the server's certificate against the name, with its handshake done.
   */
  static async openTls(
    port: number,
    caCertificate: string,
    hostname = "127.0.0.1",
  ): Promise<RawConnection> {
    const conn = await Deno.connectTls({ hostname, port, caCerts: [caCertificate] });
    try {
      await conn.handshake();
    } catch (error) {
      conn.close();
      throw error;
    }
    return new RawConnection(conn);
  }

  async send(data: string | Uint8Array): Promise<void> {
    const bytes = typeof data === "string" ? encoder.encode(data) : data;
    let written = 0;
    while (written < bytes.length) written += await this.conn.write(bytes.subarray(written));
  }

  /**
   * Reads one response. `headRequest` says the request was HEAD (no body follows whatever
   * the framing fields say).
   */
  async response(headRequest = false): Promise<RawResponse> {
    const headEnd = await this.#readUntil(encoder.encode("\r\n\r\n"));
    if (headEnd < 0) throw new Error("connection closed before a response head");
    const headText = decoder.decode(this.#buffer.subarray(0, headEnd));
    this.#consume(headEnd + 4);
    const [statusLine, ...fieldLines] = headText.split("\r\n");
    const match = /^(HTTP\/1\.[01]) (\d{3}) (.*)$/.exec(statusLine);
    if (match === null) throw new Error(`bad status line: ${JSON.stringify(statusLine)}`);
    const headers = fieldLines.map((line): [string, string] => {
      const colon = line.indexOf(":");
      if (colon <= 0) throw new Error(`bad header line: ${JSON.stringify(line)}`);
      return [line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim()];
    });
    const header = (name: string) => headers.find(([n]) => n === name.toLowerCase())?.[1] ?? null;
    const status = Number(match[2]);

    let body: Uint8Array;
    if (headRequest || status === 204 || status === 304 || status < 200) {
      body = new Uint8Array(0);
    } else if (header("transfer-encoding") !== null) {
      if (header("content-length") !== null) {
        throw new Error("both Transfer-Encoding and Content-Length");
      }
      body = await this.#readChunked();
    } else if (header("content-length") !== null) {
      body = await this.#readExactly(Number(header("content-length")));
    } else {
      body = await this.#readToEnd();
    }
    return {
      status,
      reason: match[3],
      version: match[1],
      headers,
      body,
      header,
      text: () => decoder.decode(body),
    };
  }

  /** Resolves true when the server has closed the connection (reads nothing more). */
  async closedByPeer(): Promise<boolean> {
    if (this.#buffer.length > 0) return false;
    return await this.#fill() === false;
  }

  /** Everything the server sends until it closes, as text. */
  async readAll(): Promise<string> {
    return decoder.decode(await this.#readToEnd());
  }

  close(): void {
    try {
      this.conn.close();
    } catch {
      // Already closed.
    }
  }

  [Symbol.dispose](): void {
    this.close();
  }

  async #fill(): Promise<boolean> {
    if (this.#eof) return false;
    const chunk = new Uint8Array(64 * 1024);
    const read = await this.#readInto(chunk);
    if (read === null) return false;
    const grown = new Uint8Array(this.#buffer.length + read);
    grown.set(this.#buffer);
    grown.set(chunk.subarray(0, read), this.#buffer.length);
    this.#buffer = grown;
    return true;
  }

  #consume(count: number): Uint8Array {
    const taken = this.#buffer.slice(0, count);
    this.#buffer = this.#buffer.slice(count);
    return taken;
  }

  async #readUntil(needle: Uint8Array): Promise<number> {
    for (;;) {
      const at = indexOf(this.#buffer, needle);
      if (at >= 0) return at;
      if (!await this.#fill()) return -1;
    }
  }

  /** Reads exactly `count` bytes, straight into the result (bodies can be 64 MiB). */
  async #readExactly(count: number): Promise<Uint8Array> {
    if (this.#buffer.length >= count) return this.#consume(count);
    const result = new Uint8Array(count);
    let filled = this.#buffer.length;
    result.set(this.#consume(filled));
    while (filled < count) {
      const read = this.#eof ? null : await this.#readInto(result.subarray(filled));
      if (read === null) throw new Error(`connection closed ${count - filled} bytes short`);
      filled += read;
    }
    return result;
  }

  async #readToEnd(): Promise<Uint8Array> {
    const parts = [this.#consume(this.#buffer.length)];
    for (;;) {
      const chunk = new Uint8Array(256 * 1024);
      const read = this.#eof ? null : await this.#readInto(chunk);
      if (read === null) break;
      parts.push(chunk.subarray(0, read));
    }
    return concat(parts);
  }

  async #readInto(target: Uint8Array): Promise<number | null> {
    try {
      const read = await this.conn.read(target);
      if (read === null) this.#eof = true;
      return read;
    } catch (error) {
      // A TLS peer that closed without close_notify reads as a cut stream, like a reset.
      const cut = error instanceof Deno.errors.ConnectionReset ||
        error instanceof Deno.errors.UnexpectedEof;
      if (!cut) throw error;
      this.#eof = true;
      return null;
    }
  }

  async #readChunked(): Promise<Uint8Array> {
    const parts: Uint8Array[] = [];
    for (;;) {
      const lineEnd = await this.#readUntil(encoder.encode("\r\n"));
      if (lineEnd < 0) throw new Error("connection closed inside a chunked body");
      const line = decoder.decode(this.#consume(lineEnd + 2)).trim();
      if (!/^[0-9a-f]+$/i.test(line)) {
        throw new Error(`bad chunk size line: ${JSON.stringify(line)}`);
      }
      const size = parseInt(line, 16);
      if (size === 0) {
        await this.#readExactly(2);
        break;
      }
      parts.push(await this.#readExactly(size));
      const crlf = decoder.decode(await this.#readExactly(2));
      if (crlf !== "\r\n") throw new Error("chunk data not followed by CRLF");
    }
    return concat(parts);
  }
}

function indexOf(haystack: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

/** Sends one request on a fresh connection and returns the response. */
export async function request(
  port: number,
  raw: string | Uint8Array,
  headRequest = false,
): Promise<RawResponse> {
  using connection = await RawConnection.open(port);
  await connection.send(raw);
  return await connection.response(headRequest);
}

/** Resolves after `ms` milliseconds. */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** SHA-256 of bytes, as hex. */
export async function sha256(bytes: Uint8Array | ArrayBuffer): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes as BufferSource);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}
