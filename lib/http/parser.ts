/**
 * The request-head parser: bytes → a `RequestHead` of views into those bytes, "need more"
 * (null), or an `HttpError` carrying the status to answer. Pure: no I/O, no timers.
 *
 * Strict by design. Every byte of the head is checked against the RFC 9112 / RFC 9110
 * grammar, and anything a lenient peer could read differently is refused, because a proxy in
 * front of us that sees another message boundary than we do is how requests get smuggled.
 *
 * Line endings: CRLF only. A bare LF or a bare CR anywhere in the head is a 400. RFC 9112
 * §2.2 lets a recipient accept a lone LF as a line end and demands that a bare CR be refused
 * or replaced by SP; we take the strict branch of both, so we can never find a line (and so a
 * header, or the end of the head) where a strict peer finds none. Every real client sends
 * CRLF, so nobody honest pays for it.
 *
 * The HTTP/2 connection preface (`PRI * HTTP/2.0`, RFC 9113 §3.4) parses as a well-formed
 * request line of version 2.0 and is answered 505: the version is judged before the target's
 * form, so a prior-knowledge h2c client learns the one thing that matters.
 *
 * Incremental: the scan resumes where the last call stopped, so a client that sends one byte
 * at a time costs O(bytes) in total. Every position kept between calls is relative to
 * `start`, so the caller may move the unparsed bytes or hand over another buffer.
 */
import { HttpError } from "./errors.ts";
import { HeaderTable } from "./headers.ts";
import { RecentTarget } from "./recent_target.ts";
import { decodeLatin1, equalsIgnoringAsciiCase } from "./latin1.ts";
import * as syntax from "./syntax.ts";

/** A request line (with any empty lines before it) longer than this is answered 414. */
export const MAX_REQUEST_LINE_BYTES = 8 * 1024;
/** A header section (the field lines after the request line) longer than this gets 431. */
export const MAX_HEADER_BYTES = 16 * 1024;
/** More field lines than this get 431. */
export const MAX_HEADER_COUNT = 100;

/**
 * Bounds on one request head; exceeding one is a 414 or 431 before the head completes.
 *
 * @example Room for large cookies
 * ```ts
 * import { hello, type ParserLimits, serve } from "@zhttp/zhttp";
 *
 * const limits: Partial<ParserLimits> = { maxHeaderBytes: 64 * 1024 };
 * serve({ handler: hello, limits });
 * ```
 */
export interface ParserLimits {
  /** Bytes of the request line, excluding its CRLF, including empty lines before it. */
  maxRequestLineBytes: number;
  /** Bytes of the field lines with their CRLFs, excluding the empty line that ends the head. */
  maxHeaderBytes: number;
  /** Number of field lines. */
  maxHeaderCount: number;
}

/**
 * The head limits unless configured otherwise: an 8 KiB request line, 16 KiB of field
 * lines, 100 field lines.
 *
 * @example Twice the field lines
 * ```ts
 * import { DEFAULT_PARSER_LIMITS, hello, serve } from "@zhttp/zhttp";
 *
 * serve({
 *   handler: hello,
 *   limits: { maxHeaderCount: 2 * DEFAULT_PARSER_LIMITS.maxHeaderCount },
 * });
 * ```
 */
export const DEFAULT_PARSER_LIMITS: Readonly<ParserLimits> = Object.freeze({
  maxRequestLineBytes: MAX_REQUEST_LINE_BYTES,
  maxHeaderBytes: MAX_HEADER_BYTES,
  maxHeaderCount: MAX_HEADER_COUNT,
});

/**
 * The four shapes of request-target, RFC 9112 §3.2: `/path?query`, `http://host/path` (to
 * proxies), `host:port` (CONNECT) and `*` (server-wide OPTIONS).
 *
 * @example
 * ```ts
 * import type { Handler } from "@zhttp/zhttp";
 *
 * const onlyPaths: Handler = (req, res) => {
 *   res.status = req.head.targetForm === "origin" ? 200 : 400;
 *   res.end();
 * };
 * ```
 */
export type TargetForm = "origin" | "absolute" | "authority" | "asterisk";

/**
 * How the message body is delimited, RFC 9112 §6.3: none, a Content-Length, or chunked.
 *
 * @example
 * ```ts
 * import type { Handler } from "@zhttp/zhttp";
 *
 * const describe: Handler = (req, res) => {
 *   const kind = req.head.bodyKind;
 *   res.end(kind === "length" ? `${req.head.contentLength} bytes` : kind);
 * };
 * ```
 */
export type BodyKind = "none" | "length" | "chunked";

/** Incremental parser; one per connection, reused for every request on it. */
export class HeadParser {
  readonly #maxRequestLineBytes: number;
  readonly #maxHeaderBytes: number;
  readonly #maxHeaderCount: number;

  // Where the scan stands. Every position is relative to the `start` of the current call.
  #state = LEADING;
  /** Next byte to examine. */
  #position = 0;
  #requestStart = 0;
  #methodEnd = 0;
  #targetEnd = 0;
  /** First byte after the request line: where the header section starts. */
  #headerStart = 0;
  #versionMinor: 0 | 1 = 1;
  #targetForm: TargetForm = "origin";
  /** Decodes targets for this parser's heads, reusing the last one's string (see the module). */
  readonly #recentTarget = new RecentTarget();
  #fieldCount = 0;

  // What the field lines said about framing and the connection, gathered as they complete.
  #flags = 0;
  #contentLength = 0;
  /** Digits in the first Content-Length, to demand identical repeats ("5" and "05" differ). */
  #contentLengthDigits = 0;
  #chunkedCount = 0;

  /**
   * Field offsets, four per field line, in one block shared by the heads of this parser.
   * Each head owns a region that is never written again, so it stays valid after the next
   * parse. A new typed array per head would cost ~0.5-1 µs in Deno (measured): more than
   * parsing a small head.
   */
  #offsets: Int32Array = EMPTY_OFFSETS;
  /** Where the head being parsed writes its first field's offsets in #offsets. */
  #offsetsStart = 0;
  /** A DataView of the last buffer scanned, to read field values four bytes at a time. */
  #view: DataView<ArrayBufferLike> = EMPTY_VIEW;
  #viewed: Uint8Array | null = null;

  constructor(limits: Partial<ParserLimits> = {}) {
    this.#maxRequestLineBytes = checkedLimit(
      "maxRequestLineBytes",
      limits.maxRequestLineBytes ?? MAX_REQUEST_LINE_BYTES,
    );
    this.#maxHeaderBytes = checkedLimit(
      "maxHeaderBytes",
      limits.maxHeaderBytes ?? MAX_HEADER_BYTES,
    );
    this.#maxHeaderCount = checkedLimit(
      "maxHeaderCount",
      limits.maxHeaderCount ?? MAX_HEADER_COUNT,
    );
  }

  /**
   * Parses the head starting at buf[start] with bytes available up to `end` (exclusive).
   * Returns the head, or null when more bytes are needed. Throws HttpError on bad input.
   * Between calls that return null, the caller may append bytes (end grows) and may move
   * the unparsed bytes within the buffer (start changes), or pass another buffer holding
   * the same bytes. Each call scans only the bytes added since the last one. After a head
   * is returned (or an error thrown) the parser is reset for the next request.
   */
  parse(buf: Uint8Array, start: number, end: number): RequestHead | null {
    if (!(start >= 0 && start + this.#position <= end && end <= buf.length)) {
      this.reset();
      throw new RangeError(
        `parse(${start}, ${end}) on ${buf.length} bytes, ${this.#position} already scanned`,
      );
    }
    try {
      return this.#scan(buf, start, end);
    } catch (error) {
      this.reset();
      throw error;
    }
  }

  /** Forgets any partly parsed head. Heads already returned stay valid. */
  reset(): void {
    this.#state = LEADING;
    this.#position = 0;
    this.#fieldCount = 0;
    this.#flags = 0;
    this.#chunkedCount = 0;
  }

  #scan(buf: Uint8Array, start: number, end: number): RequestHead | null {
    let i = start + this.#position;
    let state = this.#state;
    const lineLimit = start + this.#maxRequestLineBytes;
    let headerLimit = start + this.#headerStart + this.#maxHeaderBytes;
    let offsets = this.#offsets;
    /** Where the current field line's four offsets go in `offsets`. */
    let slot = this.#offsetsStart + (this.#fieldCount << 2);

    for (;;) {
      switch (state) {
        // RFC 9112 §2.2: empty lines before the request line are skipped. They count toward
        // the request-line limit, so an endless stream of CRLF ends in 414.
        case LEADING: {
          if (i === end) break;
          if (i >= lineLimit) throw requestLineTooLong();
          const byte = buf[i];
          if (byte === CR) {
            state = LEADING_LF;
            i++;
            continue;
          }
          if (byte === LF) throw bareLineFeed();
          this.#requestStart = i - start;
          state = METHOD;
          continue;
        }
        case LEADING_LF: {
          if (i === end) break;
          if (i >= lineLimit) throw requestLineTooLong();
          if (buf[i] !== LF) throw bareCarriageReturn();
          state = LEADING;
          i++;
          continue;
        }
        // RFC 9112 §3: request-line = method SP request-target SP HTTP-version.
        // method = token (RFC 9110 §9.1), case-sensitive.
        case METHOD: {
          const stop = end < lineLimit ? end : lineLimit;
          while (i < stop && TCHAR[buf[i]] === 1) i++;
          if (i === end) break;
          if (i >= lineLimit) throw requestLineTooLong();
          if (buf[i] !== SP) throw badRequest(invalidByte(buf[i], "method"));
          if (i === start + this.#requestStart) {
            throw badRequest("request line starts with whitespace (RFC 9112 §3)");
          }
          this.#methodEnd = i - start;
          state = TARGET;
          i++;
          continue;
        }
        // RFC 9112 §3.2: the target is visible ASCII; one SP on each side, no more.
        case TARGET: {
          const stop = end < lineLimit ? end : lineLimit;
          while (i < stop && TARGET_CHAR[buf[i]] === 1) i++;
          if (i === end) break;
          if (i >= lineLimit) throw requestLineTooLong();
          const byte = buf[i];
          if (byte === CR || byte === LF) {
            throw badRequest("request line has no HTTP version (RFC 9112 §3)");
          }
          if (byte !== SP) throw badRequest(invalidByte(byte, "request-target"));
          if (i === start + this.#methodEnd + 1) {
            throw badRequest("request line has an empty target or two spaces (RFC 9112 §3)");
          }
          this.#targetEnd = i - start;
          state = VERSION;
          i++;
          continue;
        }
        // RFC 9112 §2.3: HTTP-version = "HTTP/" DIGIT "." DIGIT, case-sensitive, then CRLF.
        case VERSION: {
          const versionStart = start + this.#targetEnd + 1;
          for (; i < end; i++) {
            const byte = buf[i];
            const at = i - versionStart;
            if (at < VERSION_PATTERN.length) {
              if (i >= lineLimit) throw requestLineTooLong();
              if (!matchesVersionPattern(byte, at)) throw malformedVersion();
            } else if (at === VERSION_PATTERN.length) {
              if (byte === CR) continue;
              if (i >= lineLimit) throw requestLineTooLong();
              throw byte === LF ? bareLineFeed() : malformedVersion();
            } else {
              if (byte !== LF) throw bareCarriageReturn();
              break;
            }
          }
          if (i === end) break;
          this.#checkRequestLine(buf, start, versionStart);
          i++;
          this.#headerStart = i - start;
          headerLimit = i + this.#maxHeaderBytes;
          state = LINE_START;
          continue;
        }
        // RFC 9112 §5: field-line = field-name ":" OWS field-value OWS, then CRLF; an empty
        // line ends the head.
        case LINE_START: {
          if (i === end) break;
          const byte = buf[i];
          if (byte === CR) {
            state = HEAD_END_LF;
            i++;
            continue;
          }
          if (i >= headerLimit) throw headerSectionTooLarge();
          if (byte === LF) throw bareLineFeed();
          // RFC 9112 §5.2: obs-fold (a line starting with SP or HTAB) is refused with 400.
          if (byte === SP || byte === HTAB) {
            throw badRequest("obsolete line folding in a header field (RFC 9112 §5.2)");
          }
          if (this.#fieldCount === this.#maxHeaderCount) {
            throw new HttpError(
              431,
              `more than ${this.#maxHeaderCount} header field lines (RFC 6585 §5)`,
            );
          }
          if (slot + 4 > offsets.length) {
            offsets = this.#growOffsets();
            slot = this.#fieldCount << 2;
          }
          offsets[slot] = i - start;
          state = NAME;
          continue;
        }
        case HEAD_END_LF: {
          if (i === end) break;
          if (buf[i] !== LF) throw bareCarriageReturn();
          return this.#complete(buf, start, i + 1);
        }
        // RFC 9110 §5.1: field-name = token. RFC 9112 §5.1: no whitespace before the colon.
        case NAME: {
          const stop = end < headerLimit ? end : headerLimit;
          while (i < stop && TCHAR[buf[i]] === 1) i++;
          if (i === end) break;
          if (i >= headerLimit) throw headerSectionTooLarge();
          const byte = buf[i];
          if (byte !== COLON) throw badRequest(fieldNameProblem(byte));
          if (i === start + offsets[slot]) {
            throw badRequest("header field with an empty name (RFC 9110 §5.1)");
          }
          offsets[slot + 1] = i - start;
          state = VALUE_OWS;
          i++;
          continue;
        }
        case VALUE_OWS: {
          const stop = end < headerLimit ? end : headerLimit;
          while (i < stop && (buf[i] === SP || buf[i] === HTAB)) i++;
          if (i === end) break;
          if (i >= headerLimit) throw headerSectionTooLarge();
          offsets[slot + 2] = i - start;
          state = VALUE;
          continue;
        }
        // RFC 9110 §5.5: field-value = *field-content: VCHAR, obs-text, SP and HTAB inside.
        // NUL, CR, LF and the other CTLs are refused (RFC 9110 §5.5 lets us reject them).
        case VALUE: {
          const stop = end < headerLimit ? end : headerLimit;
          i = skipPlainValueWords(this.#viewOf(buf), i, stop);
          while (i < stop && FIELD_VALUE_CHAR[buf[i]] === 1) i++;
          if (i === end) break;
          if (i >= headerLimit) throw headerSectionTooLarge();
          const byte = buf[i];
          if (byte === LF) throw bareLineFeed();
          if (byte !== CR) throw badRequest(invalidByte(byte, "header field value"));
          const valueEnd = trimTrailingOws(buf, start + offsets[slot + 2], i);
          offsets[slot + 3] = valueEnd - start;
          state = VALUE_LF;
          i++;
          continue;
        }
        case VALUE_LF: {
          if (i === end) break;
          if (i >= headerLimit) throw headerSectionTooLarge();
          if (buf[i] !== LF) throw bareCarriageReturn();
          this.#checkField(buf, start, slot);
          this.#fieldCount++;
          slot += 4;
          state = LINE_START;
          i++;
          continue;
        }
      }
      // Every `break` above lands here: the bytes ran out before the head did.
      this.#state = state;
      this.#position = i - start;
      return null;
    }
  }

  /**
   * A fresh, larger block for field offsets, holding this head's fields so far. Heads
   * already handed out keep the old block.
   */
  #growOffsets(): Int32Array {
    const used = this.#fieldCount << 2;
    const grown = new Int32Array(Math.max(OFFSETS_BLOCK_ENTRIES, (used + 4) * 2));
    grown.set(this.#offsets.subarray(this.#offsetsStart, this.#offsetsStart + used));
    this.#offsets = grown;
    this.#offsetsStart = 0;
    return grown;
  }

  /** A DataView of `buf`, made once per buffer (a connection passes the same one each time). */
  #viewOf(buf: Uint8Array): DataView<ArrayBufferLike> {
    if (buf !== this.#viewed) {
      this.#view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
      this.#viewed = buf;
    }
    return this.#view;
  }

  /** Judges the complete request line: version, then the target's form against the method. */
  #checkRequestLine(buf: Uint8Array, start: number, versionStart: number): void {
    const major = buf[versionStart + 5] - DIGIT_0;
    const minor = buf[versionStart + 7] - DIGIT_0;
    // RFC 9110 §15.6.6: 505 for a major version we do not speak. RFC 9110 §2.5 suggests
    // serving a higher minor version (HTTP/1.2) as 1.1; we answer 505 instead: no such
    // version exists, so the client is confused or probing, and 1.1 would be a guess.
    if (major !== 1 || minor > 1) {
      throw new HttpError(505, `HTTP/${major}.${minor} is not supported; use HTTP/1.1`);
    }
    this.#versionMinor = minor === 0 ? 0 : 1;

    const methodStart = start + this.#requestStart;
    const methodEnd = start + this.#methodEnd;
    const form = targetForm(buf, methodEnd + 1, start + this.#targetEnd);
    const isConnect = equalsBytes(buf, methodStart, methodEnd, "CONNECT");
    // RFC 9112 §3.2.3: authority-form is only for CONNECT, and CONNECT only with it. We
    // are not a proxy, so a well-formed CONNECT is a method we do not implement.
    if (form === "authority") {
      if (isConnect) throw new HttpError(501, "CONNECT is not supported: this is no proxy");
      throw badRequest("authority-form target is only allowed with CONNECT (RFC 9112 §3.2.3)");
    }
    if (isConnect) throw badRequest("CONNECT needs an authority-form target (RFC 9112 §3.2.3)");
    // RFC 9112 §3.2.4: asterisk-form is only for a server-wide OPTIONS.
    if (form === "asterisk" && !equalsBytes(buf, methodStart, methodEnd, "OPTIONS")) {
      throw badRequest("asterisk-form target is only allowed with OPTIONS (RFC 9112 §3.2.4)");
    }
    this.#targetForm = form;
  }

  /** Checks a completed field line whose name matters to framing or to us. */
  #checkField(buf: Uint8Array, start: number, slot: number): void {
    const offsets = this.#offsets;
    const nameStart = start + offsets[slot];
    const nameLength = start + offsets[slot + 1] - nameStart;
    const valueStart = start + offsets[slot + 2];
    const valueEnd = start + offsets[slot + 3];
    // Cheap filter first: only five names matter, and their lengths differ.
    switch (nameLength) {
      case 4:
        if (equalsIgnoringAsciiCase(buf, nameStart, "host")) {
          this.#checkHost(buf, valueStart, valueEnd);
        }
        return;
      case 6:
        if (equalsIgnoringAsciiCase(buf, nameStart, "expect")) {
          this.#readExpect(buf, valueStart, valueEnd);
        }
        return;
      case 10:
        if (equalsIgnoringAsciiCase(buf, nameStart, "connection")) {
          this.#readConnection(buf, valueStart, valueEnd);
        }
        return;
      case 14:
        if (equalsIgnoringAsciiCase(buf, nameStart, "content-length")) {
          this.#readContentLength(buf, valueStart, valueEnd);
        }
        return;
      case 17:
        if (equalsIgnoringAsciiCase(buf, nameStart, "transfer-encoding")) {
          this.#readTransferEncoding(buf, valueStart, valueEnd);
        }
        return;
    }
  }

  /**
   * RFC 9112 §3.2: more than one Host field line, or a Host value that is no authority, is a
   * 400. The value is uri-host [":" port], or empty for a target without authority.
   */
  #checkHost(buf: Uint8Array, valueStart: number, valueEnd: number): void {
    if (this.#flags & HOST_SEEN) {
      throw badRequest("more than one Host header field (RFC 9112 §3.2)");
    }
    this.#flags |= HOST_SEEN;
    if (valueStart !== valueEnd && !isAuthority(buf, valueStart, valueEnd, false)) {
      throw badRequest("Host header field is not a valid authority (RFC 9112 §3.2)");
    }
  }

  /**
   * RFC 9110 §10.1.1: "100-continue" (case-insensitive) is the only expectation defined; any
   * other is answered 417 once the head is complete. Empty list members are ignored (§5.6.1).
   */
  #readExpect(buf: Uint8Array, valueStart: number, valueEnd: number): void {
    for (let at = valueStart; at <= valueEnd;) {
      const comma = indexOfComma(buf, at, valueEnd);
      const memberStart = skipOws(buf, at, comma);
      const memberEnd = trimTrailingOws(buf, memberStart, comma);
      if (memberEnd - memberStart === CONTINUE_EXPECTATION.length) {
        if (equalsIgnoringAsciiCase(buf, memberStart, CONTINUE_EXPECTATION)) {
          this.#flags |= EXPECT_CONTINUE;
        } else {
          this.#flags |= EXPECT_UNKNOWN;
        }
      } else if (memberEnd > memberStart) {
        this.#flags |= EXPECT_UNKNOWN;
      }
      at = comma + 1;
    }
  }

  /** RFC 9112 §9.3, §9.6: the "close" and "keep-alive" connection options, any case. */
  #readConnection(buf: Uint8Array, valueStart: number, valueEnd: number): void {
    for (let at = valueStart; at <= valueEnd;) {
      const comma = indexOfComma(buf, at, valueEnd);
      const memberStart = skipOws(buf, at, comma);
      const memberEnd = trimTrailingOws(buf, memberStart, comma);
      const length = memberEnd - memberStart;
      if (length === 5 && equalsIgnoringAsciiCase(buf, memberStart, "close")) {
        this.#flags |= CONNECTION_CLOSE;
      } else if (length === 10 && equalsIgnoringAsciiCase(buf, memberStart, "keep-alive")) {
        this.#flags |= CONNECTION_KEEP_ALIVE;
      }
      at = comma + 1;
    }
  }

  /**
   * RFC 9110 §8.6: Content-Length = 1*DIGIT, and a list of one value repeated (on one line
   * or several) may be taken as that value; we demand the same digit string each time and
   * no empty members. RFC 9112 §6.3 item 5: any other value is a 400.
   */
  #readContentLength(buf: Uint8Array, valueStart: number, valueEnd: number): void {
    for (let at = valueStart; at <= valueEnd;) {
      const comma = indexOfComma(buf, at, valueEnd);
      const memberStart = skipOws(buf, at, comma);
      const memberEnd = trimTrailingOws(buf, memberStart, comma);
      if (memberStart === memberEnd) {
        throw badRequest("Content-Length has an empty member (RFC 9110 §8.6)");
      }
      let length = 0;
      for (let i = memberStart; i < memberEnd; i++) {
        const digit = buf[i] - DIGIT_0;
        if (digit < 0 || digit > 9) {
          throw badRequest("Content-Length is not a decimal number (RFC 9110 §8.6)");
        }
        length = length * 10 + digit;
        if (length > Number.MAX_SAFE_INTEGER) {
          throw badRequest("Content-Length is too large to represent (RFC 9110 §8.6)");
        }
      }
      const digits = memberEnd - memberStart;
      if (this.#flags & CONTENT_LENGTH_SEEN) {
        if (length !== this.#contentLength || digits !== this.#contentLengthDigits) {
          throw badRequest("conflicting Content-Length values (RFC 9112 §6.3)");
        }
      } else {
        this.#flags |= CONTENT_LENGTH_SEEN;
        this.#contentLength = length;
        this.#contentLengthDigits = digits;
      }
      at = comma + 1;
    }
  }

  /**
   * RFC 9112 §6.1: Transfer-Encoding lists codings in the order applied; lines add to the
   * list. HTTP/1.0 has no Transfer-Encoding, so a 1.0 request with one is faulty framing.
   * Codings are bare tokens: empty members or parameters are refused, because a peer that
   * reads them another way would frame the body differently.
   */
  #readTransferEncoding(buf: Uint8Array, valueStart: number, valueEnd: number): void {
    if (this.#versionMinor === 0) {
      throw badRequest("Transfer-Encoding in an HTTP/1.0 request (RFC 9112 §6.1)");
    }
    this.#flags |= TRANSFER_ENCODING_SEEN;
    for (let at = valueStart; at <= valueEnd;) {
      const comma = indexOfComma(buf, at, valueEnd);
      const memberStart = skipOws(buf, at, comma);
      const memberEnd = trimTrailingOws(buf, memberStart, comma);
      if (memberStart === memberEnd) {
        throw badRequest("Transfer-Encoding has an empty member (RFC 9112 §6.1)");
      }
      for (let i = memberStart; i < memberEnd; i++) {
        if (TCHAR[buf[i]] !== 1) {
          throw badRequest("Transfer-Encoding member is not a bare coding (RFC 9112 §6.1)");
        }
      }
      if (
        memberEnd - memberStart === 7 && equalsIgnoringAsciiCase(buf, memberStart, "chunked")
      ) {
        this.#chunkedCount++;
        this.#flags |= CHUNKED_LAST;
      } else {
        this.#flags = (this.#flags | UNKNOWN_CODING) & ~CHUNKED_LAST;
      }
      at = comma + 1;
    }
  }

  /** The head is complete: settle framing and hand it out. `end` is the first body byte. */
  #complete(buf: Uint8Array, start: number, end: number): RequestHead {
    const flags = this.#flags;
    const versionMinor = this.#versionMinor;
    let bodyKind: BodyKind = "none";
    let contentLength = 0;
    if (flags & TRANSFER_ENCODING_SEEN) {
      // RFC 9112 §6.1 allows rejecting both; §6.3 item 3 calls it a likely smuggling attempt.
      if (flags & CONTENT_LENGTH_SEEN) {
        throw badRequest("both Transfer-Encoding and Content-Length (RFC 9112 §6.1)");
      }
      // RFC 9112 §6.3 item 4: chunked not final means the length cannot be determined;
      // §6.1: chunked must not be applied twice.
      if (!(flags & CHUNKED_LAST) || this.#chunkedCount !== 1) {
        throw badRequest("Transfer-Encoding must end with chunked, once (RFC 9112 §6.3)");
      }
      bodyKind = "chunked";
    } else if (flags & CONTENT_LENGTH_SEEN) {
      bodyKind = "length";
      contentLength = this.#contentLength;
    }
    // RFC 9112 §3.2: an HTTP/1.1 request without Host is a 400.
    if (versionMinor === 1 && !(flags & HOST_SEEN)) {
      throw badRequest("HTTP/1.1 request without a Host header field (RFC 9112 §3.2)");
    }
    // RFC 9112 §6.1: a transfer coding we do not understand gets 501.
    if (flags & UNKNOWN_CODING) {
      throw new HttpError(501, "only the chunked transfer coding is supported");
    }
    if (flags & EXPECT_UNKNOWN) {
      throw new HttpError(417, "only the 100-continue expectation is supported");
    }

    const fieldCount = this.#fieldCount;
    const headers = new HeaderTable(buf, start, this.#offsets, this.#offsetsStart, fieldCount);
    this.#offsetsStart += fieldCount << 2;
    const head = new RequestHead(
      buf,
      start + this.#requestStart,
      end,
      versionMinor,
      this.#targetForm,
      headers,
      bodyKind,
      contentLength,
      // RFC 9112 §9.3: 1.1 persists unless "close"; 1.0 only with "keep-alive".
      !(flags & CONNECTION_CLOSE) &&
        (versionMinor === 1 || (flags & CONNECTION_KEEP_ALIVE) !== 0),
      // RFC 9110 §10.1.1: a 100-continue from an HTTP/1.0 client must be ignored.
      versionMinor === 1 && (flags & EXPECT_CONTINUE) !== 0,
      start + this.#methodEnd,
      start + this.#targetEnd,
      this.#recentTarget,
    );
    this.reset();
    return head;
  }
}

/**
 * One parsed request head. Every offset points into `buffer`, and strings are made on first
 * use: the head is valid only while the caller leaves those bytes alone. A handler reaches
 * it as `req.head`, for the framing facts.
 *
 * @example Refuse uploads whose size is not said up front
 * ```ts
 * import { type Handler, HttpError } from "@zhttp/zhttp";
 *
 * const upload: Handler = async (req, res) => {
 *   if (req.head.bodyKind === "chunked") throw new HttpError(411, "Length Required");
 *   res.end(`${(await req.bytes()).length} bytes received\n`);
 * };
 * ```
 */
export class RequestHead {
  /** The buffer the head was parsed from; all offsets point into it. */
  readonly buffer: Uint8Array;
  /** First byte of the request line (after skipped empty lines). */
  readonly start: number;
  /** First byte after the empty line ending the head: where the body or next request starts. */
  readonly end: number;
  /** 1 for HTTP/1.1, 0 for HTTP/1.0. */
  readonly versionMinor: 0 | 1;
  /** Which of the four request-target shapes was sent. */
  readonly targetForm: TargetForm;
  /** The field lines, as views into `buffer`. */
  readonly headers: HeaderTable;
  /** How the body is delimited: none, Content-Length or chunked. */
  readonly bodyKind: BodyKind;
  /** The Content-Length when bodyKind is "length" (may be 0), else 0. */
  readonly contentLength: number;
  /** RFC 9112 §9.3: 1.1 unless "close" in Connection; 1.0 only with "keep-alive". */
  readonly keepAlive: boolean;
  /** The client sent `Expect: 100-continue` (HTTP/1.1 only) and waits before the body. */
  readonly expectContinue: boolean;
  readonly #methodEnd: number;
  readonly #targetEnd: number;
  readonly #recentTarget: RecentTarget;
  #method: string | undefined;
  #target: string | undefined;

  /** Made by HeadParser; the method spans [start, methodEnd), the target follows one SP. */
  constructor(
    buffer: Uint8Array,
    start: number,
    end: number,
    versionMinor: 0 | 1,
    targetForm: TargetForm,
    headers: HeaderTable,
    bodyKind: BodyKind,
    contentLength: number,
    keepAlive: boolean,
    expectContinue: boolean,
    methodEnd: number,
    targetEnd: number,
    recentTarget: RecentTarget,
  ) {
    this.buffer = buffer;
    this.start = start;
    this.end = end;
    this.versionMinor = versionMinor;
    this.targetForm = targetForm;
    this.headers = headers;
    this.bodyKind = bodyKind;
    this.contentLength = contentLength;
    this.keepAlive = keepAlive;
    this.expectContinue = expectContinue;
    this.#methodEnd = methodEnd;
    this.#targetEnd = targetEnd;
    this.#recentTarget = recentTarget;
  }

  /** The method, case as sent. Common methods come back as shared constants. */
  get method(): string {
    return this.#method ??= knownMethod(this.buffer, this.start, this.#methodEnd) ??
      decodeLatin1(this.buffer, this.start, this.#methodEnd);
  }

  /** The request-target as sent (visible ASCII only, so latin1 decoding is exact). */
  get target(): string {
    const targetStart = this.#methodEnd + 1;
    if (this.#target === undefined) {
      this.#target = this.#targetEnd - targetStart === 1 && this.buffer[targetStart] === SLASH
        ? "/"
        : this.#recentTarget.decode(this.buffer, targetStart, this.#targetEnd);
    }
    return this.#target;
  }
}

// Scan states.
const LEADING = 0;
const LEADING_LF = 1;
const METHOD = 2;
const TARGET = 3;
const VERSION = 4;
const LINE_START = 5;
const HEAD_END_LF = 6;
const NAME = 7;
const VALUE_OWS = 8;
const VALUE = 9;
const VALUE_LF = 10;

// Facts gathered from the field lines, as bits of HeadParser.#flags.
const HOST_SEEN = 1;
const CONTENT_LENGTH_SEEN = 2;
const TRANSFER_ENCODING_SEEN = 4;
const CHUNKED_LAST = 8;
const UNKNOWN_CODING = 16;
const CONNECTION_CLOSE = 32;
const CONNECTION_KEEP_ALIVE = 64;
const EXPECT_CONTINUE = 128;
const EXPECT_UNKNOWN = 256;

// The shared grammar copied into this module's own constants: V8 can fold those into optimized
// code, but reads an imported binding through its module cell at each use. The scanning loops
// measured ~7% slower with the imports used directly (scripts/parser_bench.ts).
const { byteTable, FIELD_VALUE_CHAR, HTAB, isAlphaNumeric, SP, TCHAR } = syntax;
const LF = 0x0a;
const CR = 0x0d;
const ASTERISK = 0x2a;
const COMMA = 0x2c;
const SLASH = 0x2f;
const DIGIT_0 = 0x30;
const COLON = 0x3a;
const QUESTION = 0x3f;
const LEFT_BRACKET = 0x5b;
const RIGHT_BRACKET = 0x5d;

const CONTINUE_EXPECTATION = "100-continue";
/** Int32 entries per block of field offsets: 8 KiB, about 40 typical heads. */
const OFFSETS_BLOCK_ENTRIES = 2048;
const EMPTY_OFFSETS = new Int32Array(0);
const EMPTY_VIEW = new DataView(new ArrayBuffer(0));

/** "HTTP/" DIGIT "." DIGIT; -1 stands for a digit. */
const VERSION_PATTERN = [0x48, 0x54, 0x54, 0x50, SLASH, -1, 0x2e, -1];

const METHODS = ["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH", "CONNECT", "TRACE"];

/** RFC 9112 §3.2: the request-target is made of visible ASCII (VCHAR). */
const TARGET_CHAR = byteTable((byte) => byte >= 0x21 && byte <= 0x7e);
/**
 * RFC 3986 §3.2.2: reg-name and IPv4address bytes: unreserved, sub-delims and "%" of
 * pct-encoded. Without ",": no DNS name has one, and "a,b" is what an intermediary makes of
 * two Host lines, so it is refused rather than read as one odd name.
 */
const HOST_NAME_CHAR = byteTable((byte) =>
  isAlphaNumeric(byte) || "-._~!$&'()*+;=%".includes(String.fromCharCode(byte))
);
/** RFC 3986 §3.2.2: inside an IP-literal's brackets (IPv6, IPvFuture, a zone ID). */
const IP_LITERAL_CHAR = byteTable((byte) => HOST_NAME_CHAR[byte] === 1 || byte === COLON);

/**
 * Skips whole 4-byte words of [i, stop) in which every byte is a field-vchar or SP (0x20-0x7E
 * or 0x80-0xFF) and returns where the byte-wise scan must take over: at a word holding a CTL
 * (including HTAB, CR and LF) or DEL, or the last 1-3 bytes. Checking four bytes per step
 * measured ~1.5x faster than the table loop over long values (User-Agent, Cookie).
 */
function skipPlainValueWords(view: DataView<ArrayBufferLike>, i: number, stop: number): number {
  while (i + 4 <= stop) {
    const word = view.getInt32(i, true);
    const del = word ^ 0x7f7f7f7f;
    // The "has a byte less than n" word trick (n <= 0x80): bit 7 of a byte of
    // (word - n * 0x01010101) & ~word is set when that byte is below n. A borrow only
    // starts at a byte that is itself flagged, so no flagged word goes unnoticed.
    const belowSpace = (word - 0x20202020) & ~word;
    const isDel = (del - 0x01010101) & ~del;
    if (((belowSpace | isDel) & 0x80808080) !== 0) break;
    i += 4;
  }
  return i;
}

function matchesVersionPattern(byte: number, at: number): boolean {
  const expected = VERSION_PATTERN[at];
  return expected === -1 ? byte >= DIGIT_0 && byte <= DIGIT_0 + 9 : byte === expected;
}

/**
 * RFC 9112 §3.2: which form the target [start, end) has, or a 400 when it has none.
 * origin-form starts with "/", asterisk-form is "*", absolute-form is an http or https URI
 * with an authority, authority-form is uri-host ":" port.
 */
function targetForm(buf: Uint8Array, start: number, end: number): TargetForm {
  const first = buf[start];
  if (first === SLASH) return "origin";
  if (first === ASTERISK && end - start === 1) return "asterisk";
  const authorityStart = afterHttpScheme(buf, start, end);
  if (authorityStart !== -1) {
    let authorityEnd = authorityStart;
    while (authorityEnd < end && buf[authorityEnd] !== SLASH && buf[authorityEnd] !== QUESTION) {
      authorityEnd++;
    }
    // RFC 9110 §4.2.1: no empty host; §4.2.4: userinfo ("@") is refused, not parsed.
    if (!isAuthority(buf, authorityStart, authorityEnd, false)) {
      throw badRequest("absolute-form target has an invalid authority (RFC 9110 §4.2)");
    }
    return "absolute";
  }
  if (isAuthority(buf, start, end, true)) return "authority";
  throw badRequest("request-target is in none of the forms of RFC 9112 §3.2");
}

/** Where the authority starts if [start, end) begins with "http://" or "https://" (any case). */
function afterHttpScheme(buf: Uint8Array, start: number, end: number): number {
  if (end - start > 7 && equalsIgnoringAsciiCase(buf, start, "http://")) return start + 7;
  if (end - start > 8 && equalsIgnoringAsciiCase(buf, start, "https://")) return start + 8;
  return -1;
}

/**
 * Whether [start, end) is uri-host [":" port] (RFC 3986 §3.2.2-3.2.3) with a non-empty host
 * (RFC 9110 §4.2.1), and, if `portRequired` (authority-form, RFC 9112 §3.2.3), a port.
 */
function isAuthority(buf: Uint8Array, start: number, end: number, portRequired: boolean): boolean {
  let i = start;
  if (i < end && buf[i] === LEFT_BRACKET) {
    i++;
    while (i < end && IP_LITERAL_CHAR[buf[i]] === 1) i++;
    if (i === start + 1 || i === end || buf[i] !== RIGHT_BRACKET) return false;
    i++;
  } else {
    while (i < end && HOST_NAME_CHAR[buf[i]] === 1) i++;
    if (i === start) return false;
  }
  if (i === end) return !portRequired;
  if (buf[i] !== COLON) return false;
  const portStart = ++i;
  while (i < end && buf[i] >= DIGIT_0 && buf[i] <= DIGIT_0 + 9) i++;
  return i === end && (!portRequired || i > portStart);
}

/** Whether bytes [start, end) are exactly `text` (ASCII, case-sensitive). */
function equalsBytes(buf: Uint8Array, start: number, end: number, text: string): boolean {
  if (end - start !== text.length) return false;
  for (let i = 0; i < text.length; i++) {
    if (buf[start + i] !== text.charCodeAt(i)) return false;
  }
  return true;
}

/** The shared string for a common method, so reading it allocates nothing. */
function knownMethod(buf: Uint8Array, start: number, end: number): string | undefined {
  for (const method of METHODS) {
    if (equalsBytes(buf, start, end, method)) return method;
  }
  return undefined;
}

/** The first comma in [from, end), or `end`: list members end there (RFC 9110 §5.6.1). */
function indexOfComma(buf: Uint8Array, from: number, end: number): number {
  let i = from;
  while (i < end && buf[i] !== COMMA) i++;
  return i;
}

/** The first byte in [start, end) that is not OWS, or `end`. */
function skipOws(buf: Uint8Array, start: number, end: number): number {
  while (start < end && (buf[start] === SP || buf[start] === HTAB)) start++;
  return start;
}

/** The end of [start, end) once trailing OWS is dropped. */
function trimTrailingOws(buf: Uint8Array, start: number, end: number): number {
  while (end > start && (buf[end - 1] === SP || buf[end - 1] === HTAB)) end--;
  return end;
}

function checkedLimit(name: keyof ParserLimits, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new RangeError(`parser limit ${name} must be a positive integer, got ${value}`);
  }
  return value;
}

function badRequest(message: string): HttpError {
  return new HttpError(400, message);
}

function requestLineTooLong(): HttpError {
  return new HttpError(414, "request line too long (RFC 9112 §3)");
}

function headerSectionTooLarge(): HttpError {
  return new HttpError(431, "header section too large (RFC 6585 §5)");
}

function bareLineFeed(): HttpError {
  return badRequest("line ends in LF without CR (RFC 9112 §2.2)");
}

function bareCarriageReturn(): HttpError {
  return badRequest("CR not followed by LF (RFC 9112 §2.2)");
}

function malformedVersion(): HttpError {
  return badRequest('malformed HTTP version: expected "HTTP/1.1" (RFC 9112 §2.3)');
}

function invalidByte(byte: number, where: string): string {
  const hex = byte.toString(16).toUpperCase().padStart(2, "0");
  return `byte 0x${hex} is not allowed in the ${where} (RFC 9112 §3, RFC 9110 §5)`;
}

function fieldNameProblem(byte: number): string {
  if (byte === SP || byte === HTAB) {
    return "whitespace between header field name and colon (RFC 9112 §5.1)";
  }
  if (byte === CR || byte === LF) return "header field line without a colon (RFC 9112 §5)";
  return invalidByte(byte, "header field name");
}
