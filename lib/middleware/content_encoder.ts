/**
 * What the compression middleware offers the handlers behind it, under CONTENT_ENCODER: a
 * handler that knows its representations (the static handler, which knows file versions,
 * precompressed files and ranges) chooses one itself and says so; any other handler's
 * responses are judged by the middleware from their headers (compression.ts).
 *
 * Present on a request only when the middleware wrapped its response, that is when the
 * client sent a readable Accept-Encoding.
 */
import type { AcceptEncoding } from "../http/accept_encoding.ts";
import { RequestKey } from "../server/request.ts";
import type { OnTheFlyCoding } from "./codecs.ts";

export type { OnTheFlyCoding };

/**
 * One version of a file held in memory. The object itself names the version: the same
 * object for as long as its bytes stay the same (the file cache's entry), a new one after.
 */
export interface KeptFile {
  readonly path: string;
  readonly bytes: Uint8Array;
}

/** The middleware's side of one response, for the handler that answers it. */
export interface ContentEncoder {
  /** What the client accepts. */
  readonly accept: AcceptEncoding;
  /**
   * The bytes of `file` encoded with `coding` at the best effort, made once per version and
   * kept (a bounded cache); null while they are being made, which this call starts in the
   * background. The handler sends them itself, with their Content-Encoding.
   */
  kept(coding: OnTheFlyCoding, file: KeptFile): Uint8Array | null;
  /**
   * Asks for the body the handler writes next to be encoded with `coding` at the fast
   * effort, as it streams or at end(): the middleware sets Content-Encoding and drops the
   * Content-Length it will not keep. The handler has chosen this representation and set its
   * ETag and Vary.
   */
  encode(coding: OnTheFlyCoding): void;
  /** Leaves the response as the handler writes it: the handler chose its representation. */
  leave(): void;
}

/** Where the compression middleware leaves its ContentEncoder for the handler. */
export const CONTENT_ENCODER: RequestKey<ContentEncoder> = new RequestKey<ContentEncoder>(
  "content encoder",
);

/**
 * Our order among codings a client accepts equally, for a body held whole: the smallest
 * first (brotli quality 11 is ~5 % smaller than zstd 19 on JavaScript, see codecs.ts).
 */
export const WHOLE_BODY_CODINGS: readonly OnTheFlyCoding[] = ["br", "zstd", "gzip"];
/**
 * The same for a streamed body, encoded per request: the fastest at a good ratio first
 * (zstd 1 is both faster and smaller than brotli 1 and gzip 2).
 */
export const STREAMED_CODINGS: readonly OnTheFlyCoding[] = ["zstd", "br", "gzip"];
