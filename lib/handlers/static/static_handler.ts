/**
 * The static file handler: URL path → safe path → stat → directory (redirect, index.html,
 * listing) or file → representation (the file, a precompressed sidecar, or an encoding the
 * compression middleware makes: RFC 9110 §12.5.3) → preconditions (§13) → ranges (§14) → body.
 *
 * Small files come from the FileCache (validated by a stat taken after the request arrived,
 * so never stale; requests arriving together share one, see coalesced_stat.ts);
 * larger ones are streamed from disk through one bounded chunk buffer with backpressure,
 * so a 1 GiB download costs what a 1 KiB one does. Synchronous file calls are used only
 * where they are bounded (a stat, or reading one small file) and measured faster: async
 * calls go through a thread pool and cost ~10x more for small files.
 */
import { getLogger } from "@logtape/logtape";
import path from "node:path";
import type { Handler } from "../../server/handler.ts";
import {
  type AcceptEncoding,
  acceptEncodingOf,
  IDENTITY,
  NOT_ACCEPTABLE,
  selectCoding,
} from "../../http/accept_encoding.ts";
import { isCompressible, MIN_COMPRESS_BYTES } from "../../http/compressible.ts";
import { evaluatePreconditions, ifRangeAllows, type Validators } from "../../http/conditional.ts";
import { formatHttpDate } from "../../http/date.ts";
import { HttpError } from "../../http/errors.ts";
import { codingEtag, fileEtag } from "../../http/etag.ts";
import { mediaTypeFor } from "../../http/media_type.ts";
import {
  type ByteRange,
  contentRange,
  decideRange,
  multipartByteranges,
  unsatisfiableContentRange,
} from "../../http/range.ts";
import { endWithStatus, type ResponseWriter } from "../../http/response.ts";
import { addVary } from "../../http/vary.ts";
import {
  CONTENT_ENCODER,
  type ContentEncoder,
  type OnTheFlyCoding,
  STREAMED_CODINGS,
  WHOLE_BODY_CODINGS,
} from "../../middleware/content_encoder.ts";
import type { HttpRequest } from "../../server/request.ts";
import {
  type CachedFile,
  FileCache,
  type FileCacheLimits,
  type FileIdentity,
  identityOf,
  mtimeSettled,
} from "./file_cache.ts";
import { CoalescedStat } from "./coalesced_stat.ts";
import { acceptsHtml, ERROR_PAGE_CSP, type PageStatus, renderErrorPage } from "./error_page.ts";
import { OncePerKey } from "./once_per_key.ts";
import { type EntryFilter, FolderIndexer } from "./folder_index.ts";
import { sendListing } from "./listing.ts";
import { ResolvedPaths, type ServablePath } from "./resolved_paths.ts";
import {
  isFreshSidecar,
  MissingSidecars,
  orderCandidates,
  SIDECAR_EXTENSIONS,
  type SidecarCoding,
  sidecarsWorthLooking,
} from "./sidecars.ts";
import { isInsideRoot, type PathFlavour, resolveUrlPath } from "./safe_path.ts";

/**
 * What the static file handler serves and how. Every field without a `?` must be given.
 *
 * @example The settings the zhttp program uses by default
 * ```ts
 * import type { StaticOptions } from "@zhttp/zhttp";
 *
 * const options: StaticOptions = {
 *   root: "public",
 *   listing: true,
 *   showDotfiles: false,
 *   followSymlinks: false,
 *   cacheControl: "no-cache",
 *   cors: false,
 * };
 * ```
 */
export interface StaticOptions {
  /** The folder served. */
  root: string;
  /** List folders that have no index.html (default true). */
  listing?: boolean;
  /** Serve and list names starting with "." (default false). */
  showDotfiles?: boolean;
  /** Serve files whose real path (symlinks resolved) is outside the root (default false). */
  followSymlinks?: boolean;
  /** The Cache-Control value sent with files (default DEFAULT_FILE_CACHE_CONTROL). */
  cacheControl?: string;
  /** Send `Access-Control-Allow-Origin: *` and answer CORS preflights (default false). */
  cors?: boolean;
  /** Files never served even when inside the root (the executable, its zhttp.json). */
  hiddenFiles?: readonly string[];
  /**
   * Folders never served or listed, nor anything in them, even when inside the root
   * (zhttp's data folder, which holds the key of its local certificate authority).
   */
  hiddenFolders?: readonly string[];
  /** Which files are kept in memory, and how many bytes of them (DEFAULT_FILE_CACHE_LIMITS). */
  fileCache?: Partial<FileCacheLimits>;
  /** The path rules of the OS underneath; tests pass `path.win32` to check Windows rules. */
  flavour?: PathFlavour;
  /**
   * Send precompressed `.br`, `.zst` and `.gz` files beside a file to the clients that
   * accept them (sidecars.ts); default true.
   */
  precompressed?: boolean;
  /**
   * A compression middleware in front encodes files on the fly (CONTENT_ENCODER): the
   * identity answers of files it would encode say `Vary: Accept-Encoding` too, also to
   * requests it did not wrap. Default false.
   */
  compress?: boolean;
}

/**
 * What browsers are told about caching files unless configured otherwise: keep them, but ask
 * each time whether they changed (a 304 costs a round trip, never a stale page).
 */
export const DEFAULT_FILE_CACHE_CONTROL = "no-cache";

/** StaticOptions with every default filled in. */
type ResolvedStaticOptions = StaticOptions & Required<Omit<StaticOptions, OptionalExtras>>;
type OptionalExtras =
  | "hiddenFiles"
  | "hiddenFolders"
  | "fileCache"
  | "flavour"
  | "precompressed"
  | "compress";

/** The options a handler gets for what it was not told. */
const STATIC_DEFAULTS = {
  listing: true,
  showDotfiles: false,
  followSymlinks: false,
  cacheControl: DEFAULT_FILE_CACHE_CONTROL,
  cors: false,
} as const;

/**
 * Size of the buffer a download is streamed through, which is also the longest the event
 * loop waits on one synchronous read (~0.1 ms from the page cache). One 1 GiB download
 * measured 1.69 GB/s with 64 KiB, 2.14 GB/s with 256 KiB and 2.55 GB/s with 1 MiB (nginx
 * 1.3–1.5 in the same runs): 256 KiB already beats nginx at a quarter of the memory per
 * download and of the longest stall.
 */
export const STREAM_CHUNK_BYTES = 256 * 1024;
/**
 * Idle chunk buffers kept for the next downloads. A burst of a thousand downloads must not
 * leave a thousand buffers (256 MiB) behind.
 */
const MAX_POOLED_CHUNKS = 16;
/**
 * A synchronous chunk read slower than this means the disk is slow (a network share, a
 * spinning disk under load): from then on reads go through the thread pool instead, so no
 * client waits on the disk for another. From the page cache a 256 KiB read takes ~0.1 ms.
 */
export const SLOW_CHUNK_READ_MS = 5;
/**
 * Seconds a client is asked to wait (Retry-After) when zhttp is out of file descriptors:
 * they come back as soon as connections close, which the 503 itself starts by closing its
 * own.
 */
export const OUT_OF_FILES_RETRY_AFTER_SECONDS = 2;
/** The index file served for a folder. */
export const INDEX_FILE = "index.html";
/** A root file of this name is the body of every 404. */
export const NOT_FOUND_PAGE = "404.html";
const ALLOW = "GET, HEAD, OPTIONS";

const logger = getLogger(["zhttp", "static"]);

/**
 * Builds the handler that serves files below `options.root`: GET and HEAD, ranges,
 * conditional requests, index.html, folder listings, a 404.html if there is one. Unsafe
 * paths (`..`, backslashes, Windows device names...) are refused on every OS. The root's
 * real path is resolved once, here.
 *
 * @example Files, with an API in front of them
 * ```ts
 * import { createStaticHandler, Router, serve } from "@zhttp/zhttp";
 *
 * const files = createStaticHandler({
 *   root: "./public",
 *   listing: false,
 *   showDotfiles: false,
 *   followSymlinks: false,
 *   cacheControl: "public, max-age=3600",
 *   cors: true,
 * });
 * const router = new Router()
 *   .get("/api/health", (_req, res) => res.end("ok\n"))
 *   .fallback(files);
 * serve({ handler: router.handler(), port: 8080 });
 * ```
 */
export function createStaticHandler(options: StaticOptions): Handler {
  const server = new StaticFiles({ ...STATIC_DEFAULTS, ...options });
  return (req, res) => server.serve(req, res);
}

/**
 * A file ready to answer with: the version (identity), the header facts derived from it once,
 * and where its bytes come from. It is its own set of validators for the preconditions.
 */
interface FileToSend extends Validators {
  readonly path: string;
  readonly identity: FileIdentity;
  readonly lastModified: string;
  readonly contentType: string;
  /** The content when small (and cached when settled); null when streamed from `path`. */
  readonly bytes: Uint8Array | null;
}

/** A small file as the cache holds it: a cache hit is answered without any allocation. */
type CachedFileToSend = FileToSend & CachedFile;

/**
 * How a representation of a file is sent: `dress` turns the file (as opened, when streamed)
 * into the representation's header facts (ETag, Content-Type); its Content-Encoding when
 * its bytes are encoded already; whether ranges are offered; and `encode`, called just
 * before a body, to have the compression middleware encode it on the fly.
 */
interface Delivery {
  dress(file: FileToSend): FileToSend;
  contentEncoding: string | null;
  ranges: boolean;
  encode: (() => void) | null;
}

/** The file's bytes as they are. */
const IDENTITY_DELIVERY: Delivery = {
  dress: (file) => file,
  contentEncoding: null,
  ranges: true,
  encode: null,
};

/** A precompressed file found beside the file, fresh, and allowed. */
interface Sidecar {
  coding: SidecarCoding;
  file: FileToSend;
}

class StaticFiles {
  readonly #options: ResolvedStaticOptions;
  readonly #flavour: PathFlavour;
  readonly #root: string;
  readonly #realRoot: string;
  readonly #hidden: Set<string>;
  /** The hidden folders, in both spellings like the files (real paths are compared). */
  readonly #hiddenFolders: readonly string[];
  readonly #cache: FileCache<CachedFileToSend>;
  readonly #notFoundPage: string;
  readonly #chunkPool: Uint8Array[] = [];
  readonly #stats = new CoalescedStat();
  readonly #paths: ResolvedPaths;
  /** Refused paths and names already logged: each is logged once, with its rule. */
  readonly #refusalsLogged = new OncePerKey();
  /** File-system errors already logged, by status and path. */
  readonly #fsErrorsLogged = new OncePerKey();
  readonly #folders = new FolderIndexer((dirPath) => this.#listableIn(dirPath));
  readonly #precompressed: boolean;
  readonly #compress: boolean;
  /** The cached files (settled versions): only their encodings are kept. */
  readonly #settled = new WeakSet<FileToSend>();
  /** Kept encoded bytes → their representation, made once. */
  readonly #keptRepresentations = new WeakMap<Uint8Array, FileToSend>();
  /** A cached sidecar → its representation, made once. */
  readonly #sidecarRepresentations = new WeakMap<FileToSend, FileToSend>();
  readonly #missingSidecars = new MissingSidecars();
  /**
   * Chunks are read synchronously until one read is slow (see SLOW_CHUNK_READ_MS): from the
   * page cache that is ~1.5x faster than the thread-pool read and blocks other connections
   * for one chunk at most; on a slow disk or network share it would block them for longer.
   */
  #syncChunkReads = true;

  constructor(options: ResolvedStaticOptions) {
    this.#options = options;
    this.#flavour = options.flavour ?? path;
    this.#root = this.#flavour.resolve(options.root);
    this.#realRoot = Deno.realPathSync(this.#root);
    // Compared with real paths, so kept in both spellings: a hidden file named through a
    // symlinked folder is still hidden when the root is given by its real path.
    this.#hidden = new Set(
      (options.hiddenFiles ?? []).flatMap((file) => [file, realPathOr(file)])
        .map((file) => this.#comparable(file)),
    );
    this.#hiddenFolders = [
      ...new Set(
        (options.hiddenFolders ?? []).flatMap((folder) => [folder, realPathOr(folder)])
          .map((folder) => this.#flavour.resolve(folder)),
      ),
    ];
    this.#cache = new FileCache(options.fileCache);
    this.#notFoundPage = this.#flavour.join(this.#root, NOT_FOUND_PAGE);
    this.#paths = new ResolvedPaths(this.#root, this.#flavour, {
      showDotfiles: options.showDotfiles,
    });
    this.#precompressed = options.precompressed ?? true;
    this.#compress = options.compress ?? false;
  }

  /**
   * Answers a request. Refusals are answered synchronously; a path that may exist waits one
   * microtask for its stat, which it shares with the other requests for that path arriving
   * in the same turn (coalesced_stat.ts): under load that saves far more than the promise
   * costs.
   */
  serve(req: HttpRequest, res: ResponseWriter): void | Promise<void> {
    const method = req.method;
    if (method !== "GET" && method !== "HEAD") {
      res.setHeader("Allow", ALLOW);
      if (method === "OPTIONS") return this.#answerOptions(req, res);
      throw new HttpError(405, "Method Not Allowed", { closeConnection: false });
    }
    const decision = this.#paths.resolve(req.path);
    if (!decision.ok) {
      // Never silent: a name refused by a rule is said once (the access log has each request).
      if (decision.status !== 400 && this.#refusalsLogged.first(req.path)) {
        logger.info("not serving {path}: {reason}", { path: req.path, reason: decision.reason });
      }
      if (decision.status === 404) return this.#notFound(req, res);
      if (decision.status === 403) return this.#forbidden(req, res);
      return endWithStatus(res, decision.status, false);
    }
    return this.#stats.stat(decision.fsPath)
      .then((info) => this.#serveFound(req, res, decision, info))
      .catch((error) => this.#answerFsError(error, req, res, decision.fsPath));
  }

  /** What the path names, as a stat just taken describes it: a folder, a file or neither. */
  #serveFound(
    req: HttpRequest,
    res: ResponseWriter,
    servable: ServablePath,
    info: Deno.FileInfo,
  ): void | Promise<void> {
    const { fsPath, segments, trailingSlash } = servable;
    if (info.isDirectory) {
      // Checked before the redirect too, so a link to a folder outside is not even named.
      if (!this.#allowedRealPath(fsPath)) return this.#notFound(req, res);
      if (!trailingSlash) return redirectToFolder(req, res, segments);
      return this.#serveFolder(req, res, fsPath, segments);
    }
    // A file asked for as a folder ("/a.txt/") does not exist, as on every file system.
    if (!info.isFile || trailingSlash) return this.#notFound(req, res);
    const file = this.#fileFor(fsPath, info);
    if (file === null) return this.#notFound(req, res);
    return this.#sendFile(req, res, file);
  }

  /** A folder: its index.html (synchronously when cached), else a listing, else 404. */
  #serveFolder(
    req: HttpRequest,
    res: ResponseWriter,
    dirPath: string,
    segments: readonly string[],
  ): void | Promise<void> {
    const indexPath = this.#flavour.join(dirPath, INDEX_FILE);
    let indexInfo: Deno.FileInfo | null = null;
    try {
      indexInfo = Deno.statSync(indexPath);
    } catch {
      // No index: a listing, if allowed.
    }
    if (indexInfo?.isFile) {
      const file = this.#fileFor(indexPath, indexInfo);
      if (file !== null) return this.#sendFile(req, res, file);
    }
    if (!this.#options.listing) return this.#notFound(req, res);
    return this.#sendListing(req, res, dirPath, segments);
  }

  async #sendListing(
    req: HttpRequest,
    res: ResponseWriter,
    dirPath: string,
    segments: readonly string[],
  ): Promise<void> {
    const index = await this.#folders.index(dirPath);
    this.#commonHeaders(res);
    await sendListing(req, res, index, segments);
  }

  /**
   * Which names of the folder at `dirPath` a listing shows: those a request could actually
   * fetch. The same decision as `#allowedRealPath` for each entry, but without a realpath
   * call per entry (100,000 of them cost ~0.4 s): the folder's real path is inside the root
   * (checked before listing it), so an entry that is no link has a real path inside it, and
   * only links need resolving. A name a path rule refuses is logged once, with the rule.
   */
  #listableIn(dirPath: string): EntryFilter {
    const flavour = this.#flavour;
    const realDir = this.#comparable(realPathOr(dirPath));
    const hiddenHere = new Set<string>();
    for (const hidden of this.#hidden) {
      if (flavour.dirname(hidden) === realDir) hiddenHere.add(flavour.basename(hidden));
    }
    // Hidden folders in this one are left out by name too (their content is never reached).
    for (const folder of this.#hiddenFolders) {
      const comparable = this.#comparable(folder);
      if (flavour.dirname(comparable) === realDir) hiddenHere.add(flavour.basename(comparable));
    }
    const showDotfiles = this.#options.showDotfiles;
    return (name, isSymlink) => {
      const probe = resolveUrlPath(`/${encodeURIComponent(name)}`, { showDotfiles, flavour });
      if (!probe.ok) {
        // Hidden dotfiles are left out by the --show-dotfiles setting, not by a naming rule.
        const hidden = name[0] === "." && !showDotfiles;
        if (!hidden && this.#refusalsLogged.first(flavour.join(dirPath, name))) {
          logger.warn("{name} is left out of the listing of {folder}: {reason}", {
            name,
            folder: dirPath,
            reason: probe.reason,
          });
        }
        return false;
      }
      if (isSymlink) return this.#allowedRealPath(flavour.join(dirPath, name));
      return !hiddenHere.has(flavour === path.win32 ? name.toLowerCase() : name);
    };
  }

  /**
   * The file at `fsPath` as described by `info` (a stat just taken): from the cache when
   * that version is cached, else checked (real path inside the root, not hidden) and read
   * when small. Null when it may not be served.
   */
  #fileFor(fsPath: string, info: Deno.FileInfo): FileToSend | null {
    const identity = identityOf(info);
    const cached = this.#cache.lookup(fsPath, identity);
    if (cached !== undefined) return cached;
    if (!this.#allowedRealPath(fsPath)) return null;

    if (info.size > this.#cache.limits.maxFileBytes) {
      return describeFile(fsPath, identity, null, Date.now());
    }
    const read = readSmallFile(fsPath);
    if (read === null) return null;
    const file = describeFile(fsPath, read.identity, read.bytes, read.readAtMs);
    if (this.#cache.store(fsPath, file, read.readAtMs)) this.#settled.add(file);
    return file;
  }

  /** Whether the real path (links resolved) may be served: inside the root and not hidden. */
  #allowedRealPath(fsPath: string): boolean {
    let real: string;
    try {
      real = Deno.realPathSync(fsPath);
    } catch {
      return false;
    }
    if (this.#hidden.has(this.#comparable(real))) return false;
    if (this.#hiddenFolders.some((folder) => isInsideRoot(folder, real, this.#flavour))) {
      return false;
    }
    if (this.#options.followSymlinks) return true;
    return isInsideRoot(this.#realRoot, real, this.#flavour);
  }

  /**
   * Answers with a file: as it is when no other Accept-Encoding could bring another
   * representation, else with the one negotiated, after looking for the sidecars that could
   * be chosen (their stats shared as the file's are).
   */
  #sendFile(req: HttpRequest, res: ResponseWriter, file: FileToSend): void | Promise<void> {
    const encoder = req.get(CONTENT_ENCODER);
    if (!this.#mayVary(file)) {
      encoder?.leave();
      return this.#deliver(req, res, file, IDENTITY_DELIVERY);
    }
    addVary(res, "Accept-Encoding");
    const value = req.headers.get("accept-encoding");
    const accept = encoder?.accept ?? (value === null ? null : acceptEncodingOf(value));
    const held = file.bytes !== null;
    // A GET with a Range is answered from stable bytes (the identity or a sidecar): an
    // encoding made on the fly is other bytes at each request, so its ranges mean nothing.
    const ranged = req.method === "GET" && req.headers.get("range") !== null;
    const onTheFly = encoder !== undefined && !ranged && file.identity.size >= MIN_COMPRESS_BYTES
      ? (held ? WHOLE_BODY_CODINGS : STREAMED_CODINGS)
      : [];
    const wanted = this.#precompressed && accept !== null
      ? sidecarsWorthLooking(accept, onTheFly, held)
      : [];
    const probes = wanted.map((coding) => this.#sidecarOf(file, coding)).filter((p) => p !== null);
    if (probes.length === 0) {
      return this.#negotiate(req, res, file, accept, encoder, onTheFly, []);
    }
    return Promise.all(probes).then((found) =>
      this.#negotiate(req, res, file, accept, encoder, onTheFly, found.filter((s) => s !== null))
    );
  }

  /**
   * Whether another Accept-Encoding could have brought another representation: a
   * compressible type, with sidecars honoured or, when the middleware compresses, large
   * enough. Only those answers say Vary (RFC 9110 §12.5.5).
   */
  #mayVary(file: FileToSend): boolean {
    if (!isCompressible(file.contentType)) return false;
    return this.#precompressed || (this.#compress && file.identity.size >= MIN_COMPRESS_BYTES);
  }

  /**
   * The sidecar of `file` with `coding`, when it is fresh and may be served by the rules of
   * any file (real path inside the root, not hidden); its stat is shared as the file's is.
   */
  #sidecarOf(file: FileToSend, coding: SidecarCoding): Promise<Sidecar | null> | null {
    const sidecarPath = file.path + SIDECAR_EXTENSIONS[coding];
    if (this.#missingSidecars.recentlyMissing(sidecarPath, Date.now())) return null;
    return this.#stats.stat(sidecarPath).then((info) => {
      if (!isFreshSidecar(file.identity, info)) return null;
      const sidecar = this.#fileFor(sidecarPath, info);
      return sidecar === null ? null : { coding, file: sidecar };
    }, (error) => {
      if (isNotFound(error)) this.#missingSidecars.missing(sidecarPath, Date.now());
      return null;
    });
  }

  /**
   * Chooses the representation (RFC 9110 §12.5.3) among the identity, the fresh sidecars
   * and the encodings the compression middleware may make (`onTheFly`), then sends it.
   */
  #negotiate(
    req: HttpRequest,
    res: ResponseWriter,
    file: FileToSend,
    accept: AcceptEncoding | null,
    encoder: ContentEncoder | undefined,
    onTheFly: readonly OnTheFlyCoding[],
    sidecars: readonly Sidecar[],
  ): void | Promise<void> {
    const held = file.bytes !== null;
    const candidates = orderCandidates(sidecars.map((s) => s.coding), onTheFly, held);
    const chosen = selectCoding(accept, candidates.codings);
    encoder?.leave();
    if (chosen === NOT_ACCEPTABLE) return endWithStatus(res, 406, false);
    if (chosen === IDENTITY) return this.#deliver(req, res, file, IDENTITY_DELIVERY);
    const { coding, sidecar } = candidates.list[chosen];
    if (sidecar) {
      const found = sidecars.find((s) => s.coding === coding)!;
      return this.#deliver(req, res, found.file, this.#sidecarDelivery(file, coding));
    }
    const made = coding as OnTheFlyCoding;
    if (isHeld(file) && this.#settled.has(file)) {
      // The cached object names the version: its encodings are kept as long as it is.
      const kept = encoder!.kept(made, file);
      if (kept !== null) {
        return this.#answerWith(req, res, this.#keptRepresentation(file, made, kept), null, {
          ...IDENTITY_DELIVERY,
          contentEncoding: made,
          ranges: false,
        });
      }
    }
    return this.#deliver(req, res, file, {
      // Made per request, at the fast effort: not the same bytes each time, so a weak tag.
      dress: (sent) => ({ ...sent, etag: codingEtag(sent.etag, made, true)! }),
      contentEncoding: null,
      ranges: false,
      encode: () => encoder!.encode(made),
    });
  }

  /** A sidecar sent with its file's Content-Type, and a tag of its own naming its coding. */
  #sidecarDelivery(file: FileToSend, coding: SidecarCoding): Delivery {
    return {
      dress: (sidecar) => {
        let dressed = this.#sidecarRepresentations.get(sidecar);
        if (dressed === undefined || dressed.contentType !== file.contentType) {
          dressed = {
            ...sidecar,
            contentType: file.contentType,
            etag: codingEtag(sidecar.etag, coding)!,
          };
          if (sidecar.bytes !== null) this.#sidecarRepresentations.set(sidecar, dressed);
        }
        return dressed;
      },
      contentEncoding: coding,
      ranges: true,
      encode: null,
    };
  }

  /** Kept encoded bytes of a cached file, as a representation of their own (made once). */
  #keptRepresentation(file: FileToSend, coding: OnTheFlyCoding, bytes: Uint8Array): FileToSend {
    let representation = this.#keptRepresentations.get(bytes);
    if (representation === undefined) {
      representation = {
        ...file,
        identity: { ...file.identity, size: bytes.length },
        etag: codingEtag(file.etag, coding)!,
        bytes,
      };
      this.#keptRepresentations.set(bytes, representation);
    }
    return representation;
  }

  /** Sends `file` (from memory, or streamed from disk) as `delivery` says. */
  #deliver(
    req: HttpRequest,
    res: ResponseWriter,
    file: FileToSend,
    delivery: Delivery,
  ): void | Promise<void> {
    if (file.bytes !== null) {
      return this.#answerWith(req, res, delivery.dress(file), null, delivery);
    }
    return this.#sendStreamed(req, res, file, delivery);
  }

  /**
   * A streamed file is opened first and described by the stat of the open handle, so the
   * headers (length, ETag) are those of exactly the bytes sent, even if the file is replaced
   * meanwhile.
   */
  async #sendStreamed(
    req: HttpRequest,
    res: ResponseWriter,
    file: FileToSend,
    delivery: Delivery,
  ): Promise<void> {
    const handle = await Deno.open(file.path, { read: true });
    try {
      const readAtMs = Date.now();
      const opened = describeFile(file.path, identityOf(await handle.stat()), null, readAtMs);
      await this.#answerWith(req, res, delivery.dress(opened), handle, delivery);
    } finally {
      handle.close();
    }
  }

  /**
   * Preconditions (against this representation's validators), ranges, then the body: from
   * `file.bytes`, or read from `handle`.
   */
  #answerWith(
    req: HttpRequest,
    res: ResponseWriter,
    file: FileToSend,
    handle: Deno.FsFile | null,
    delivery: Delivery,
  ): void | Promise<void> {
    const headers = req.headers;
    const size = file.identity.size;
    res.setHeader("ETag", file.etag);
    res.setHeader("Last-Modified", file.lastModified);
    res.setHeader("Cache-Control", this.#options.cacheControl);
    if (delivery.ranges) res.setHeader("Accept-Ranges", "bytes");
    this.#commonHeaders(res);

    const precondition = evaluatePreconditions(req.method, {
      ifMatch: headers.get("if-match"),
      ifNoneMatch: headers.get("if-none-match"),
      ifModifiedSince: headers.get("if-modified-since"),
      ifUnmodifiedSince: headers.get("if-unmodified-since"),
    }, file);
    if (precondition === 304) {
      res.status = 304;
      res.end();
      return;
    }
    if (precondition === 412) return endWithStatus(res, 412, false);

    // RFC 9110 §14.2: Range is only defined for GET; If-Range can turn it into a full answer.
    const rangeHeader = req.method === "GET" && delivery.ranges ? headers.get("range") : null;
    const decision = rangeHeader !== null && ifRangeAllows(headers.get("if-range"), file)
      ? decideRange(rangeHeader, size)
      : { kind: "full" as const };

    if (decision.kind === "unsatisfiable") {
      res.setHeader("Content-Range", unsatisfiableContentRange(size));
      return endWithStatus(res, 416, false);
    }
    res.setHeader("Content-Type", file.contentType);
    if (delivery.contentEncoding !== null) {
      res.setHeader("Content-Encoding", delivery.contentEncoding);
    }
    delivery.encode?.();
    const head = req.method === "HEAD";
    // Several ranges of encoded bytes have no honest framing: a Content-Encoding on the
    // multipart body would say the parts are encoded together, and the parts cannot carry
    // one. Such a request gets the whole sidecar (a server may ignore Range, §14.2).
    const whole = decision.kind === "full" ||
      (decision.ranges.length > 1 && delivery.contentEncoding !== null);
    if (whole) return this.#sendBody(res, file, handle, { start: 0, end: size - 1 }, head);
    res.status = 206;
    if (decision.ranges.length === 1) {
      res.setHeader("Content-Range", contentRange(decision.ranges[0], size));
      return this.#sendBody(res, file, handle, decision.ranges[0], head);
    }
    return this.#sendMultipart(res, file, handle, decision.ranges);
  }

  /** Sends one range (or the whole file) of `file` as the body. */
  #sendBody(
    res: ResponseWriter,
    file: FileToSend,
    handle: Deno.FsFile | null,
    { start, end }: ByteRange,
    head: boolean,
  ): void | Promise<void> {
    if (handle === null) {
      // In memory: the head and the body leave in one write. For HEAD too, so that a
      // compression middleware can tell the length of the encoded body the GET would have.
      res.end(file.bytes!.subarray(start, end + 1));
    } else if (head) {
      res.setHeader("Content-Length", Math.max(0, end - start + 1));
      res.end();
    } else {
      res.setHeader("Content-Length", end - start + 1);
      return this.#stream(res, handle, file.path, { start, end }).then(() => res.end());
    }
  }

  async #sendMultipart(
    res: ResponseWriter,
    file: FileToSend,
    handle: Deno.FsFile | null,
    ranges: readonly ByteRange[],
  ): Promise<void> {
    const boundary = crypto.randomUUID().replaceAll("-", "");
    const framing = multipartByteranges(
      [...ranges],
      file.identity.size,
      file.contentType,
      boundary,
    );
    res.setHeader("Content-Type", framing.contentType);
    res.setHeader("Content-Length", framing.length);
    for (const part of framing.parts) {
      await res.write(part.head);
      if (handle === null) {
        await res.write(file.bytes!.subarray(part.range.start, part.range.end + 1));
      } else {
        await this.#stream(res, handle, file.path, part.range);
      }
    }
    await res.write(framing.tail);
    res.end();
  }

  /**
   * Streams a byte range of an open file through one pooled chunk buffer. Each write is
   * awaited: that is the backpressure, so a slow client holds one chunk, not the file. The
   * caller closes the file on every path, including a client that leaves mid-download.
   */
  async #stream(
    res: ResponseWriter,
    file: Deno.FsFile,
    fsPath: string,
    { start, end }: ByteRange,
  ): Promise<void> {
    const chunk = this.#chunkPool.pop() ?? new Uint8Array(STREAM_CHUNK_BYTES);
    try {
      await file.seek(start, Deno.SeekMode.Start);
      let remaining = end - start + 1;
      while (remaining > 0) {
        const view = chunk.subarray(0, Math.min(chunk.length, remaining));
        const read = this.#syncChunkReads ? this.#readChunkSync(file, view) : await file.read(view);
        // The file shrank while being sent (rewritten in place): the promised length cannot
        // be met, and the connection closes rather than end a short body silently. Not a
        // bug: one line, no stack.
        if (read === null) {
          logger.warn("{path} shrank while it was being sent; the connection was closed", {
            path: fsPath,
          });
          throw new HttpError(503, "a file shrank while it was being sent");
        }
        await res.write(chunk.subarray(0, read));
        remaining -= read;
      }
    } finally {
      if (this.#chunkPool.length < MAX_POOLED_CHUNKS) this.#chunkPool.push(chunk);
    }
  }

  /** One synchronous chunk read, timed: a slow one switches this server to async reads. */
  #readChunkSync(file: Deno.FsFile, view: Uint8Array): number | null {
    const started = performance.now();
    const read = file.readSync(view);
    const elapsed = performance.now() - started;
    if (elapsed > SLOW_CHUNK_READ_MS) {
      this.#syncChunkReads = false;
      logger.warn(
        "reading a {size} chunk took {ms} ms: the disk is slow, so files are read " +
          "asynchronously from now on (slower, but other clients never wait for the disk)",
        { size: view.length, ms: Math.round(elapsed) },
      );
    }
    return read;
  }

  #answerOptions(req: HttpRequest, res: ResponseWriter): void {
    this.#commonHeaders(res);
    if (this.#options.cors) {
      // A CORS preflight (Fetch standard §3.2.3): these methods, any requested headers.
      res.setHeader("Access-Control-Allow-Methods", ALLOW);
      const requested = req.headers.get("access-control-request-headers");
      if (requested !== null) res.setHeader("Access-Control-Allow-Headers", requested);
      res.setHeader("Access-Control-Max-Age", 86400);
    }
    res.status = 204;
    res.end();
  }

  #commonHeaders(res: ResponseWriter): void {
    // Browsers must not guess a type other than the one we send (stops content sniffing).
    res.setHeader("X-Content-Type-Options", "nosniff");
    if (this.#options.cors) {
      res.setHeader("Access-Control-Allow-Origin", "*");
      res.setHeader("Access-Control-Expose-Headers", "Content-Range, Accept-Ranges, ETag");
    }
  }

  /**
   * 404, with the root's 404.html as the body when there is one; else a page with a way
   * back for a browser (error_page.ts), the short text for other clients.
   */
  #notFound(req: HttpRequest, res: ResponseWriter): void {
    const pagePath = this.#notFoundPage;
    let page: FileToSend | null = null;
    try {
      const info = Deno.statSync(pagePath);
      if (info.isFile && info.size <= this.#cache.limits.maxFileBytes) {
        page = this.#fileFor(pagePath, info);
      }
    } catch {
      // No custom page.
    }
    if (page === null || page.bytes === null) return this.#errorPage(req, res, 404);
    res.status = 404;
    res.setHeader("Content-Type", page.contentType);
    res.setHeader("Cache-Control", "no-cache");
    this.#commonHeaders(res);
    res.end(page.bytes);
  }

  /** 403: a page with a way back for a browser, the short text for other clients. */
  #forbidden(req: HttpRequest, res: ResponseWriter): void {
    this.#errorPage(req, res, 403);
  }

  #errorPage(req: HttpRequest, res: ResponseWriter, status: PageStatus): void {
    if (!acceptsHtml(req.headers.get("accept"))) return endWithStatus(res, status, false);
    res.status = status;
    res.setHeader("Content-Type", "text/html; charset=utf-8");
    res.setHeader("Cache-Control", "no-cache");
    res.setHeader("Content-Security-Policy", ERROR_PAGE_CSP);
    this.#commonHeaders(res);
    res.end(renderErrorPage(status, req.path));
  }

  /**
   * Answers a file-system error as a person expects, before any byte of the response went
   * out: a file that vanished (or never was) is 404, one zhttp may not read 403, and running
   * out of file descriptors 503 with Retry-After and the connection closed, never a 404 for
   * a file that exists. The last two are logged in one line, once per path. Anything else
   * is a bug for the error boundary (500, logged with its stack).
   */
  #answerFsError(error: unknown, req: HttpRequest, res: ResponseWriter, fsPath: string): void {
    const status = res.headersSent ? null : fsErrorStatus(error);
    if (status === null) throw error;
    // Whatever the failed answer had set (ETag, Content-Type) is not the error's.
    res.discardHeaders();
    if (status === 404) return this.#notFound(req, res);
    if (this.#fsErrorsLogged.first(`${status} ${fsPath}`)) {
      const message = error instanceof Error ? error.message : String(error);
      if (status === 403) {
        logger.warn("not allowed to read {path} (403): {message}", { path: fsPath, message });
      } else {
        logger.warn(
          "out of file descriptors opening {path} (503): {message}; raise the limit " +
            "(ulimit -n) or lower --max-connections",
          { path: fsPath, message },
        );
      }
    }
    if (status === 403) return this.#forbidden(req, res);
    res.setHeader("Retry-After", OUT_OF_FILES_RETRY_AFTER_SECONDS);
    endWithStatus(res, 503, true);
  }

  /** A path as compared for hidden files: case-insensitive where the OS is (Windows). */
  #comparable(file: string): string {
    const resolved = this.#flavour.resolve(file);
    return this.#flavour === path.win32 ? resolved.toLowerCase() : resolved;
  }
}

/** Whether the file's content is in memory. */
function isHeld(file: FileToSend): file is FileToSend & { bytes: Uint8Array } {
  return file.bytes !== null;
}

/** The real path of `file` (symlinks resolved), or `file` itself when it cannot be had. */
function realPathOr(file: string): string {
  try {
    return Deno.realPathSync(file);
  } catch {
    return file;
  }
}

/**
 * Describes the version `identity` of the file at `fsPath`, read (or opened) at `readAtMs`,
 * with its content or without. Its ETag is strong once its mtime has settled.
 */
function describeFile<B extends Uint8Array | null>(
  fsPath: string,
  identity: FileIdentity,
  bytes: B,
  readAtMs: number,
): FileToSend & { bytes: B } {
  return {
    path: fsPath,
    identity,
    etag: fileEtag(identity, { weak: !mtimeSettled(identity, readAtMs) }),
    lastModified: formatHttpDate(identity.mtimeMs),
    lastModifiedMs: identity.mtimeMs,
    contentType: mediaTypeFor(fsPath),
    bytes,
  };
}

/**
 * Reads a small file whole, synchronously (bounded by the cache's size limit: one chunk's
 * worth of blocking at most), with the identity of exactly the version read: open, fstat,
 * read, so the content and its ETag always belong together. Null when what is there now
 * is not a file or shrank while read; a failure to open (gone, not allowed, out of file
 * descriptors) is thrown for the caller to answer.
 */
function readSmallFile(
  fsPath: string,
): { bytes: Uint8Array; identity: FileIdentity; readAtMs: number } | null {
  const file = Deno.openSync(fsPath, { read: true });
  try {
    const readAtMs = Date.now();
    const info = file.statSync();
    if (!info.isFile) return null;
    const bytes = new Uint8Array(info.size);
    let filled = 0;
    while (filled < bytes.length) {
      const read = file.readSync(bytes.subarray(filled));
      if (read === null) return null; // Shrank meanwhile: treat as gone this time.
      filled += read;
    }
    return { bytes, identity: identityOf(info), readAtMs };
  } finally {
    file.close();
  }
}

/** 301 to the folder's address with its trailing slash, keeping the query. */
function redirectToFolder(
  req: HttpRequest,
  res: ResponseWriter,
  segments: readonly string[],
): void {
  // Rebuilt from the checked segments, never from the raw path: "//evil.example" must not
  // become a protocol-relative redirect to another site.
  const location = "/" + segments.map((segment) => `${encodeURIComponent(segment)}/`).join("");
  const query = req.query;
  res.status = 301;
  res.setHeader("Location", query === "" ? location : `${location}?${query}`);
  res.setHeader("Content-Type", "text/plain; charset=utf-8");
  res.end("301 Moved Permanently\n");
}

/**
 * The status a file-system error means to a client: 404 for a name that is not there
 * (isNotFound), 403 for one zhttp may not read, 503 when the process or the system is out
 * of file descriptors (EMFILE, ENFILE); null for anything else.
 */
function fsErrorStatus(error: unknown): 403 | 404 | 503 | null {
  if (isNotFound(error)) return 404;
  if (error instanceof Deno.errors.PermissionDenied) return 403;
  const code = (error as { code?: string } | null)?.code;
  if (code === "EMFILE" || code === "ENFILE") return 503;
  return null;
}

function isNotFound(error: unknown): boolean {
  if (error instanceof Deno.errors.NotFound || error instanceof Deno.errors.NotADirectory) {
    return true;
  }
  // Names the OS cannot even represent (too long, invalid on Windows) are not there either.
  const code = (error as { code?: string }).code;
  return code === "ENAMETOOLONG" || code === "EINVAL" || code === "ELOOP" ||
    error instanceof Deno.errors.FilesystemLoop || error instanceof Deno.errors.InvalidData;
}
