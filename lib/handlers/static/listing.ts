/**
 * Answers a request for a folder listing from the folder's index (folder_index.ts): picks
 * the page or JSON (Accept), applies the query (order, filter, page), takes the stats the
 * answer shows, validates (a weak ETag over what is shown, 304), and streams the body in
 * pieces, pausing between them so other clients are served meanwhile.
 */
import { createHash } from "node:crypto";
import { negotiateMediaType } from "../../http/accept.ts";
import { evaluatePreconditions } from "../../http/conditional.ts";
import { formatEntityTag } from "../../http/etag.ts";
import { endWithStatus, type ResponseWriter } from "../../http/response.ts";
import { addVary } from "../../http/vary.ts";
import type { HttpRequest } from "../../server/request.ts";
import type { FolderIndex, IndexedEntry, ListingEntry } from "./folder_index.ts";
import { renderListingJson } from "./listing_json.ts";
import {
  DEFAULT_QUERY,
  formatListingQuery,
  type ListingQuery,
  parseListingQuery,
} from "./listing_query.ts";
import { MAX_ENTRIES_PER_PAGE, renderListing, renderListingPage } from "./listing_page.ts";
import { CLOCK_CHECK_EVERY, LISTING_WORK } from "./time_slice.ts";

/** The representations of a listing, the page first: it is what browsers get. */
export const LISTING_MEDIA_TYPES = ["text/html", "application/json"] as const;
type ListingMediaType = (typeof LISTING_MEDIA_TYPES)[number];

const CONTENT_TYPES: Record<ListingMediaType, string> = {
  "text/html": "text/html; charset=utf-8",
  "application/json": "application/json; charset=utf-8",
};

/**
 * Body text gathered before a write. A listing this small (a few hundred rows) leaves in
 * one piece with a Content-Length, together with its head; a larger one streams in pieces
 * of this size (chunked), each written when the client took the previous one.
 */
export const LISTING_PIECE_CHARS = 64 * 1024;

/** Sends the listing of the folder at `segments`, as `index` has it. */
export async function sendListing(
  req: HttpRequest,
  res: ResponseWriter,
  index: FolderIndex,
  segments: readonly string[],
): Promise<void> {
  const mediaType = negotiateMediaType(
    req.headers.get("accept"),
    LISTING_MEDIA_TYPES,
  ) as ListingMediaType;
  const query = parseListingQuery(req.query);

  let view = await index.sorted(query.sort, query.order);
  if (query.filter !== "") view = await matching(view, query.filter);

  let pieces: Iterable<string>;
  let shown: readonly ListingEntry[];
  let applied: ListingQuery;
  const folders = countFolders(view);
  if (mediaType === "application/json") {
    await index.statAll();
    shown = present(view);
    applied = { ...query, page: 1 };
    pieces = renderListingJson({
      segments,
      query: applied,
      entries: shown,
      unreadableNames: index.unreadableNames,
    });
  } else {
    const pages = Math.max(1, Math.ceil(view.length / MAX_ENTRIES_PER_PAGE));
    applied = { ...query, page: Math.min(query.page, pages) };
    const firstIndex = (applied.page - 1) * MAX_ENTRIES_PER_PAGE;
    const onPage = view.slice(firstIndex, firstIndex + MAX_ENTRIES_PER_PAGE);
    await index.stat(onPage);
    shown = present(onPage);
    pieces = renderListingPage({
      segments,
      query: applied,
      entries: shown,
      total: view.length,
      folders,
      firstIndex,
      pages,
      unreadableNames: index.unreadableNames,
    });
  }

  const counts = [view.length, folders, index.unreadableNames];
  const etag = listingEtag(mediaType, applied, counts, shown);
  res.setHeader("Content-Type", CONTENT_TYPES[mediaType]);
  // Revalidated every time (a folder changes without notice), and the ETag makes that cheap.
  res.setHeader("Cache-Control", "no-cache");
  res.setHeader("ETag", etag);
  addVary(res, "Accept");
  const headers = req.headers;
  const precondition = evaluatePreconditions(req.method, {
    ifMatch: headers.get("if-match"),
    ifNoneMatch: headers.get("if-none-match"),
    // A listing has no Last-Modified (the folder's own date misses changes to its files),
    // so the date conditions do not apply (RFC 9110 §13.1.3, §13.1.4).
    ifModifiedSince: null,
    ifUnmodifiedSince: null,
  }, { etag, lastModifiedMs: 0 });
  if (precondition === 304) {
    res.status = 304;
    res.end();
    return;
  }
  if (precondition === 412) return endWithStatus(res, 412, false);
  await streamPieces(res, pieces, req.method === "HEAD");
}

/**
 * The weak ETag of a listing: a digest of everything the answer shows (each entry's name,
 * kind, size and date; the counts of `counts`: entries, folders, names left out; the query
 * as applied, which fixes the order and page), of
 * the representation, and of the page's template, so a zhttp whose page looks different
 * never gets a 304 for the old one. Weak: it stands for what is shown, not for the bytes
 * (RFC 9110 §8.8.3).
 */
export function listingEtag(
  mediaType: string,
  query: ListingQuery,
  counts: readonly number[],
  shown: readonly ListingEntry[],
): string {
  const hash = createHash("sha1");
  hash.update(`${TEMPLATE_DIGEST}\n${mediaType}\n${formatListingQuery(query)}\n`);
  hash.update(`${counts.join(" ")}\n`);
  const batch: string[] = [];
  for (const entry of shown) {
    batch.push(`${entry.name}\0${entry.isDirectory ? "d" : "f"}\0${entry.size}\0${entry.mtimeMs}`);
    if (batch.length === ETAG_BATCH) {
      hash.update(batch.join("\n"));
      batch.length = 0;
    }
  }
  hash.update(batch.join("\n"));
  return formatEntityTag({ weak: true, opaque: hash.digest("base64url").slice(0, 27) });
}

/** Entries digested per update() call: one call per entry costs more than the hashing. */
const ETAG_BATCH = 512;

/**
 * A sample page and document, rendered once: they change exactly when the look of a listing
 * does, and so does every listing's ETag with them.
 */
const TEMPLATE_DIGEST = (() => {
  const entries: ListingEntry[] = [
    { name: "a&b.txt", isDirectory: false, size: 1536, mtimeMs: 0 },
    { name: "sub", isDirectory: true, size: 0, mtimeMs: null },
  ];
  const query = { ...DEFAULT_QUERY, page: 2, filter: "x" };
  const page = renderListing({
    segments: ["a", "b"],
    query,
    entries,
    total: 3,
    folders: 1,
    firstIndex: 1,
    pages: 3,
    unreadableNames: 1,
  });
  const json = [...renderListingJson({ segments: ["a"], query, entries, unreadableNames: 1 })];
  return createHash("sha1").update(page).update(json.join("")).digest("base64url");
})();

/** Writes the pieces, gathered to LISTING_PIECE_CHARS; a HEAD answer stops at the head. */
async function streamPieces(
  res: ResponseWriter,
  pieces: Iterable<string>,
  head: boolean,
): Promise<void> {
  let gathered: string[] = [];
  let length = 0;
  let count = 0;
  for (const piece of pieces) {
    gathered.push(piece);
    length += piece.length;
    if (length >= LISTING_PIECE_CHARS) {
      if (head) {
        // The GET answer would be chunked: so is this one, without the chunks.
        await res.flushHeaders();
        res.end();
        return;
      }
      await res.write(gathered.join(""));
      gathered = [];
      length = 0;
      await LISTING_WORK.pause();
    } else if (++count % CLOCK_CHECK_EVERY === 0 && LISTING_WORK.spent) {
      await LISTING_WORK.nextTurn();
    }
  }
  res.end(gathered.join(""));
}

/** The entries whose names contain `filter`, ignoring case, in the same order. */
async function matching(
  entries: readonly IndexedEntry[],
  filter: string,
): Promise<IndexedEntry[]> {
  const needle = filter.toLowerCase();
  const found: IndexedEntry[] = [];
  for (let i = 0; i < entries.length; i++) {
    if (entries[i].name.toLowerCase().includes(needle)) found.push(entries[i]);
    if (i % (CLOCK_CHECK_EVERY * 16) === 0 && LISTING_WORK.spent) await LISTING_WORK.nextTurn();
  }
  return found;
}

/** Leaves out the entries that vanished since the folder was read. */
function present(entries: readonly IndexedEntry[]): IndexedEntry[] {
  return entries.filter((entry) => entry.state !== "gone");
}

function countFolders(entries: readonly IndexedEntry[]): number {
  // Folders come first in every order.
  let folders = 0;
  while (folders < entries.length && entries[folders].isDirectory) folders++;
  return folders;
}
