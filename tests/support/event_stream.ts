/**
 * A raw client of a Server-Sent Events stream for end-to-end tests: it sends the request on
 * a real socket and keeps everything the server sends as text (head, chunk framing and
 * events alike), so a test waits for what a browser's EventSource would be handed.
 */
import { rawRequest } from "./static_site.ts";

const decoder = new TextDecoder();

export class EventStreamClient implements Disposable {
  /** Everything received so far. */
  received = "";
  readonly #conn: Deno.TcpConn;
  readonly #reading: Promise<void>;
  #ended = false;

  private constructor(conn: Deno.TcpConn) {
    this.#conn = conn;
    this.#reading = this.#read();
  }

  /** Opens `target` on 127.0.0.1:`port` with `headers`. */
  static async open(
    port: number,
    target: string,
    headers: Record<string, string> = {},
  ): Promise<EventStreamClient> {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    await conn.write(new TextEncoder().encode(rawRequest("GET", target, headers)));
    return new EventStreamClient(conn);
  }

  /** Resolves once the server has closed the stream (and the connection). */
  async ended(): Promise<void> {
    await this.#reading;
  }

  /** Resolves once `pattern` is in what was received; rejects after `timeoutMs`. */
  async waitFor(pattern: RegExp, timeoutMs = 5000): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const match = this.received.match(pattern);
      if (match !== null) return match;
      if (this.#ended) throw new Error(`the stream ended without ${pattern}:\n${this.received}`);
      if (Date.now() > deadline) throw new Error(`no ${pattern} in:\n${this.received}`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  [Symbol.dispose](): void {
    try {
      this.#conn.close();
    } catch {
      // Closed by the server already.
    }
  }

  async #read(): Promise<void> {
    const buffer = new Uint8Array(16 * 1024);
    try {
      for (;;) {
        const read = await this.#conn.read(buffer);
        if (read === null) break;
        this.received += decoder.decode(buffer.subarray(0, read), { stream: true });
      }
    } catch {
      // Closed by this side (dispose) or reset by the server: the stream is over either way.
    } finally {
      this.#ended = true;
    }
  }
}
