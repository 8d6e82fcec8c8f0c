/**
 * A 200 MiB text file compressed on the fly by zhttp as the binary runs (a process of its
 * own, so that its resident memory is its alone), read and decoded as it streams: the
 * decoded bytes are the file's, and the server's memory stays flat. A download's cost must
 * not grow with the file (DESIGN.md, "Memory is bounded per connection").
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import path from "node:path";
import zlib from "node:zlib";
import { lorem } from "../../support/compression.ts";
import { tempFolder } from "../../support/static_site.ts";
import { ZhttpProcess } from "../../support/zhttp_process.ts";

const MIB = 1024 * 1024;
const FILE_BYTES = 200 * MIB;
/** The file is written as blocks of text that differ, so no encoder's window spans a repeat. */
const BLOCK_BYTES = 4 * MIB;
const DISTINCT_BLOCKS = 12;
/**
 * The most the server's resident memory may grow while sending it: the encoder's window
 * (~1.3 MiB), a chunk in and its output buffer, and what V8 makes meanwhile; measured: 7 MiB.
 * Holding the encoded body would cost 70 MiB, the decoded one 200 MiB; a new buffer per
 * encoded piece (node:zlib's stream interface) cost 75 MiB before V8 collected them.
 */
const MAX_RSS_GROWTH_BYTES = 24 * MIB;
/** What a second download of the file may add to the first one's peak: nothing that grows. */
const MAX_SECOND_GROWTH_BYTES = 8 * MIB;
const RSS_SAMPLE_MS = 20;

Deno.test({
  name: "zhttp compresses a 200 MiB text file on the fly with flat memory, twice",
  // The server's memory is read from /proc.
  ignore: Deno.build.os !== "linux",
  async fn() {
    await using folder = await tempFolder();
    const file = path.join(folder.dir, "big.txt");
    const blocks = Array.from({ length: DISTINCT_BLOCKS }, (_, i) => lorem(BLOCK_BYTES, i + 1));
    const expected = createHash("sha256");
    {
      using handle = await Deno.open(file, { write: true, create: true });
      for (let written = 0, i = 0; written < FILE_BYTES; written += BLOCK_BYTES, i++) {
        const block = blocks[i % DISTINCT_BLOCKS];
        await handle.write(block);
        expected.update(block);
      }
    }
    const digest = expected.digest("hex");
    const zhttp = ZhttpProcess.start([folder.dir, "--port", "0", "--quiet"]);
    try {
      const port = await zhttp.port();
      const idle = residentBytes(zhttp.child.pid);
      const peaks: number[] = [];
      for (let round = 0; round < 2; round++) {
        let peak = idle;
        const sampler = setInterval(() => {
          peak = Math.max(peak, residentBytes(zhttp.child.pid));
        }, RSS_SAMPLE_MS);
        let result;
        try {
          result = await downloadDecoded(port, "/big.txt", "br, gzip");
        } finally {
          clearInterval(sampler);
        }
        assert.equal(result.coding, "br");
        assert.equal(result.decodedBytes, FILE_BYTES);
        assert.equal(result.sha256, digest);
        assert.ok(result.encodedBytes < FILE_BYTES / 2, `${result.encodedBytes} encoded bytes`);
        peaks.push(peak);
      }
      const [first, second] = peaks.map((peak) => peak - idle);
      const mib = (bytes: number) => `${(bytes / MIB).toFixed(1)} MiB`;
      assert.ok(
        first < MAX_RSS_GROWTH_BYTES,
        `RSS grew by ${mib(first)} sending ${mib(FILE_BYTES)}`,
      );
      assert.ok(
        second - first < MAX_SECOND_GROWTH_BYTES,
        `RSS grew by ${mib(first)}, then by ${mib(second)} over a second download`,
      );
    } finally {
      await zhttp.stop();
    }
  },
});

/** VmRSS of a process, in bytes. */
function residentBytes(pid: number): number {
  const status = Deno.readTextFileSync(`/proc/${pid}/status`);
  const kib = /^VmRSS:\s+(\d+) kB$/m.exec(status);
  if (kib === null) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(kib[1]) * 1024;
}

/**
 * GETs `target` over a raw socket and decodes the chunked, encoded body as it arrives,
 * holding one read at a time: the digest and sizes of what came.
 */
async function downloadDecoded(port: number, target: string, accept: string) {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    await conn.write(new TextEncoder().encode(
      `GET ${target} HTTP/1.1\r\nHost: a\r\nAccept-Encoding: ${accept}\r\nConnection: close\r\n\r\n`,
    ));
    const reader = new ChunkedReader(conn);
    const head = await reader.head();
    const coding = /^content-encoding: *(\S+)/im.exec(head)?.[1] ?? null;
    assert.match(head, /^transfer-encoding: chunked/im);
    const decoder = coding === "br" ? zlib.createBrotliDecompress() : zlib.createGunzip();
    const digest = createHash("sha256");
    let decodedBytes = 0;
    decoder.on("data", (piece: Uint8Array) => {
      digest.update(piece);
      decodedBytes += piece.length;
    });
    const ended = new Promise((resolve, reject) => {
      decoder.on("end", resolve);
      decoder.on("error", reject);
    });
    let encodedBytes = 0;
    for (let piece = await reader.chunk(); piece !== null; piece = await reader.chunk()) {
      encodedBytes += piece.length;
      // Waiting for each write keeps one piece in flight: the client's memory stays flat too.
      await new Promise<void>((resolve, reject) =>
        decoder.write(piece, (error) => error ? reject(error) : resolve())
      );
    }
    decoder.end();
    await ended;
    return { coding, encodedBytes, decodedBytes, sha256: digest.digest("hex") };
  } finally {
    conn.close();
  }
}

/** Reads a response head, then the chunks of a chunked body one by one. */
class ChunkedReader {
  readonly #conn: Deno.Conn;
  #buffer = new Uint8Array(0);

  constructor(conn: Deno.Conn) {
    this.#conn = conn;
  }

  async head(): Promise<string> {
    const end = await this.#find("\r\n\r\n");
    const text = new TextDecoder().decode(this.#buffer.subarray(0, end));
    this.#buffer = this.#buffer.subarray(end + 4);
    return text;
  }

  /** The next chunk's data, or null after the last chunk. */
  async chunk(): Promise<Uint8Array | null> {
    const lineEnd = await this.#find("\r\n");
    const size = parseInt(new TextDecoder().decode(this.#buffer.subarray(0, lineEnd)), 16);
    this.#buffer = this.#buffer.subarray(lineEnd + 2);
    if (size === 0) return null;
    while (this.#buffer.length < size + 2) await this.#fill();
    const data = this.#buffer.slice(0, size);
    this.#buffer = this.#buffer.subarray(size + 2);
    return data;
  }

  async #find(text: string): Promise<number> {
    const needle = new TextEncoder().encode(text);
    for (;;) {
      outer: for (let i = 0; i + needle.length <= this.#buffer.length; i++) {
        for (let j = 0; j < needle.length; j++) {
          if (this.#buffer[i + j] !== needle[j]) continue outer;
        }
        return i;
      }
      await this.#fill();
    }
  }

  async #fill(): Promise<void> {
    const piece = new Uint8Array(256 * 1024);
    const read = await this.#conn.read(piece);
    if (read === null) throw new Error("the connection closed inside the body");
    const grown = new Uint8Array(this.#buffer.length + read);
    grown.set(this.#buffer);
    grown.set(piece.subarray(0, read), this.#buffer.length);
    this.#buffer = grown;
  }
}
