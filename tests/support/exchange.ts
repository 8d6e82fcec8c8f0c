/**
 * One request and its response writer without a socket, for testing handlers and middleware
 * directly: the request is parsed from a real head, and the response goes into an
 * OutputBuffer whose bytes the test can read back.
 */
import { BodyReader } from "../../lib/server/body.ts";
import { OutputBuffer } from "../../lib/http/output.ts";
import { HeadParser } from "../../lib/http/parser.ts";
import { Http1ResponseWriter } from "../../lib/http/response.ts";
import { HttpRequest, type RequestOrigin } from "../../lib/server/request.ts";
import { concat } from "../../lib/http/bytes.ts";

export interface TestExchange {
  req: HttpRequest;
  res: Http1ResponseWriter;
  /** Everything the response has written so far, as text. */
  written(): string;
}

/** Where test requests come from: 127.0.0.1 over plain TCP, never aborted. */
export const TEST_ORIGIN: RequestOrigin = {
  remoteAddr: { transport: "tcp", hostname: "127.0.0.1", port: 1 },
  localAddr: { transport: "tcp", hostname: "127.0.0.1", port: 8080 },
  secure: false,
  signal: new AbortController().signal,
};

/** `GET /path HTTP/1.1` with a Host header, from 127.0.0.1, with no body. */
export function testExchange(method: string, target: string, version = "HTTP/1.1"): TestExchange {
  const bytes = new TextEncoder().encode(`${method} ${target} ${version}\r\nHost: a\r\n\r\n`);
  const head = new HeadParser().parse(bytes, 0, bytes.length)!;
  const source = {
    buffer: bytes,
    position: head.end,
    end: bytes.length,
    fill: () => Promise.resolve(false),
    beforeFirstWait: () => Promise.resolve(),
  };
  const body = new BodyReader(source, { kind: "none", contentLength: 0, start: head.end }, {
    maxBodyBytes: 0,
  });
  const req = new HttpRequest(head, body, TEST_ORIGIN);
  const output = new OutputBuffer();
  const res = new Http1ResponseWriter({
    output,
    flush: () => Promise.resolve(),
    serverAndDateLines: () => new TextEncoder().encode("Date: x\r\n"),
  }, { headRequest: method === "HEAD", versionMinor: head.versionMinor, keepAlive: true });
  const pieces: Uint8Array[] = [];
  return {
    req,
    res,
    written() {
      pieces.push(...output.take());
      output.release();
      return new TextDecoder().decode(concat(pieces));
    },
  };
}
