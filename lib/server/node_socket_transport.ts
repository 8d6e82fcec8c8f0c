/**
 * A Transport over a stream socket of Node's API (a `node:net` Socket or a `node:tls`
 * TLSSocket), for the TLS listener (tls_listener.ts says why TLS goes through node:tls).
 *
 * Node's sockets push what they receive; the engine pulls bytes into its own buffer. A read
 * that is waiting takes the bytes straight into its buffer; bytes that arrive with no read
 * waiting are kept here, up to MAX_BUFFERED_BYTES, beyond which the socket is paused, as
 * the kernel's receive buffer would fill under Deno's pull reads.
 *
 * The transport exists from the moment the client is accepted, before it knows what it
 * will read from: the listener `attach()`es the socket to read from once the client's first
 * bytes have said whether it speaks TLS. Until then reads wait, and `close()` closes the raw
 * socket, so a client that never says anything is cut off by the connection's head deadline
 * like any other.
 *
 * Every failure of the socket means the client is gone: a read then ends the stream (null)
 * and a write fails with Deno.errors.ConnectionReset, which the engine treats as a
 * disconnect.
 */
import type { Socket } from "node:net";
import type { Transport } from "./transport.ts";

/** Bytes kept for the engine before the socket is paused until it reads them. */
export const MAX_BUFFERED_BYTES = 64 * 1024;
/**
 * How long a closed TLS connection may take to send its close_notify before the socket is
 * destroyed anyway (a client that stopped reading never takes it).
 */
export const CLOSE_NOTIFY_GRACE_MS = 1000;

/** A read waiting for bytes. */
interface PendingRead {
  into: Uint8Array;
  settle: (count: number | null) => void;
}

/** One client over a Node socket; see the module comment. */
export class NodeSocketTransport implements Transport {
  readonly remoteAddr: Deno.NetAddr;
  readonly localAddr: Deno.NetAddr;

  /** The accepted TCP socket: what close() must destroy, whatever was attached over it. */
  readonly #raw: Socket;
  /** The socket the client's bytes are read from and written to, once attached. */
  #socket: Socket | null = null;
  #secure: boolean | undefined = undefined;
  /** The TLS handshake completed: closing says so with close_notify. */
  #established = false;
  /** Bytes received and not read yet, oldest first, from #chunks[#first] at #offset. */
  #chunks: Uint8Array[] = [];
  #first = 0;
  #offset = 0;
  #buffered = 0;
  #paused = false;
  /** Nothing more will be received (the client's end, an error, or close()). */
  #ended = false;
  #closed = false;
  #pendingRead: PendingRead | null = null;
  #pendingWriteFailed: ((error: Error) => void) | null = null;

  constructor(raw: Socket) {
    this.#raw = raw;
    this.remoteAddr = netAddr(raw.remoteAddress, raw.remotePort);
    this.localAddr = netAddr(raw.localAddress, raw.localPort);
  }

  /** Whether the attached socket is TLS; undefined until one is attached. */
  get secure(): boolean | undefined {
    return this.#secure;
  }

  /** Whether close() was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Starts reading from `socket` (the raw socket itself, or a TLSSocket over it); `secure`
   * says which, for the requests' `secure`. Bytes the socket already holds come first.
   */
  attach(socket: Socket, secure: boolean): void {
    if (this.#closed) {
      socket.destroy();
      return;
    }
    this.#socket = socket;
    this.#secure = secure;
    if (secure) socket.once("secure", () => this.#established = true);
    socket.on("data", this.#received);
    socket.on("end", this.#streamEnded);
    socket.on("close", this.#streamEnded);
    // Without a listener an error would be thrown; it only means the client is gone, and
    // the "close" that follows ends the stream.
    socket.on("error", ignoreError);
    socket.resume();
  }

  read(into: Uint8Array): Promise<number | null> {
    if (this.#buffered > 0) return Promise.resolve(this.#take(into));
    if (this.#ended) return Promise.resolve(null);
    return new Promise((settle) => {
      this.#pendingRead = { into, settle };
    });
  }

  write(bytes: Uint8Array): Promise<number> {
    const socket = this.#socket;
    if (socket === null || this.#closed || socket.destroyed) {
      return Promise.reject(new Deno.errors.ConnectionReset("the connection is closed"));
    }
    return new Promise((resolve, reject) => {
      this.#pendingWriteFailed = reject;
      // Node keeps a reference to `bytes` until the callback: the engine reuses its output
      // buffers only after the write resolves.
      socket.write(bytes, (error?: Error | null) => {
        this.#pendingWriteFailed = null;
        if (error) reject(asDisconnect(error));
        else resolve(bytes.length);
      });
    });
  }

  closeWrite(): Promise<void> {
    // Ends our direction (TLS close_notify, then FIN) once what is queued is out. Not
    // waited for: a client that stopped reading would hold it for ever, and the engine
    // bounds the lingering that follows with its own deadline.
    this.#socket?.end();
    return Promise.resolve();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    const socket = this.#socket;
    if (socket !== null && this.#established && !socket.writableEnded && !socket.destroyed) {
      // The end of the stream said before the socket goes (TLS close_notify, RFC 8446
      // §6.1, then FIN), as a TCP close says it with FIN: without it, a TLS client cannot
      // tell the end of a close-delimited body from a cut. On Linux it is out at once; on
      // Windows the write completes later, so the socket goes when it has (or after the
      // grace, for a client that stopped reading).
      socket.end();
      const grace = setTimeout(() => this.#destroy(), CLOSE_NOTIFY_GRACE_MS);
      socket.once("finish", () => this.#destroy());
      socket.once("close", () => clearTimeout(grace));
    } else {
      this.#destroy();
    }
    this.#streamEnded();
    const failWrite = this.#pendingWriteFailed;
    this.#pendingWriteFailed = null;
    failWrite?.(new Deno.errors.ConnectionReset("the connection was closed"));
  }

  #destroy(): void {
    this.#socket?.destroy();
    this.#raw.destroy();
  }

  readonly #received = (chunk: Uint8Array): void => {
    if (this.#closed) return;
    const pending = this.#pendingRead;
    let start = 0;
    if (pending !== null) {
      this.#pendingRead = null;
      start = Math.min(chunk.length, pending.into.length);
      pending.into.set(start === chunk.length ? chunk : chunk.subarray(0, start));
      pending.settle(start);
      if (start === chunk.length) return;
    }
    this.#chunks.push(start === 0 ? chunk : chunk.subarray(start));
    this.#buffered += chunk.length - start;
    if (this.#buffered > MAX_BUFFERED_BYTES && !this.#paused) {
      this.#paused = true;
      this.#socket?.pause();
      if (this.#secure) setTcpReading(this.#raw, false);
    }
  };

  readonly #streamEnded = (): void => {
    this.#ended = true;
    const pending = this.#pendingRead;
    if (pending !== null && this.#buffered === 0) {
      this.#pendingRead = null;
      pending.settle(null);
    }
  };

  /** Moves buffered bytes into `into`, resuming a paused socket once there is room. */
  #take(into: Uint8Array): number {
    let count = 0;
    while (count < into.length && this.#first < this.#chunks.length) {
      const chunk = this.#chunks[this.#first];
      const taken = Math.min(into.length - count, chunk.length - this.#offset);
      into.set(chunk.subarray(this.#offset, this.#offset + taken), count);
      count += taken;
      this.#offset += taken;
      if (this.#offset === chunk.length) {
        this.#first++;
        this.#offset = 0;
      }
    }
    if (this.#first === this.#chunks.length) {
      this.#chunks = [];
      this.#first = 0;
    }
    this.#buffered -= count;
    if (this.#paused && this.#buffered <= MAX_BUFFERED_BYTES / 2) {
      this.#paused = false;
      if (this.#secure) setTcpReading(this.#raw, true);
      this.#socket?.resume();
    }
    return count;
  }
}

function ignoreError(): void {}

/** The native TCP handle under a `node:net` socket, as far as reading goes. */
interface TcpHandle {
  readStart?(): number;
  readStop?(): number;
}

/**
 * Starts or stops reading the TCP socket under a TLS one. Pausing a TLSSocket is not enough
 * in Deno 2.9: its TLS layer keeps reading the TCP socket and holds what it decrypts, with
 * no bound (a client sending 256 MiB that was never read grew the process by 350 MiB), so
 * a client could fill the server's memory. Stopping the TCP handle itself leaves the bytes
 * in the kernel, which then stops the client as it does over plain TCP. `_handle` is Node's
 * internal handle of the socket; tests/server/server_test.ts ("pushed back", over TLS)
 * fails if this stops working.
 */
function setTcpReading(raw: Socket, reading: boolean): void {
  const handle = (raw as unknown as { _handle?: TcpHandle | null })._handle;
  if (reading) handle?.readStart?.();
  else handle?.readStop?.();
}

/** A failed write as the engine knows a client that went away. */
function asDisconnect(error: Error): Error {
  return new Deno.errors.ConnectionReset(error.message);
}

/** Node's address of one end of a socket, as Deno writes addresses. */
function netAddr(address: string | undefined, port: number | undefined): Deno.NetAddr {
  return { transport: "tcp", hostname: address ?? "", port: port ?? 0 };
}
