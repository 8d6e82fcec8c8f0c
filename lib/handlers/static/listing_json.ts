/**
 * A folder listing as JSON, for `Accept: application/json`: the same entries, order and
 * filter as the page, but every entry at once (no pages: a program wants them all), as a
 * sequence of pieces so that a large folder streams.
 *
 *   {
 *     "path": "/docs/",              the folder, decoded
 *     "sort": "name", "order": "asc", "filter": "",
 *     "total": 2,                    entries below
 *     "unreadableNames": 0,          left out: names that are not valid UTF-8
 *     "entries": [
 *       {"name": "img", "kind": "folder", "size": null, "modified": "2026-11-26T08:35:59.000Z",
 *        "href": "img/"},
 *       {"name": "a b.txt", "kind": "file", "size": 1536, "modified": "...", "href": "a%20b.txt"}
 *     ]
 *   }
 *
 * `kind` is "folder" or "file" (a link is listed as what it points to); `size` is in bytes,
 * null for folders; `modified` is ISO 8601 in UTC, or null when the OS has no date; `href`
 * is the entry's address relative to the folder's, percent-encoded.
 */
import type { ListingEntry } from "./folder_index.ts";
import type { ListingQuery } from "./listing_query.ts";
import { folderPath } from "./listing_page.ts";

/** What the JSON describes. */
export interface ListingDocument {
  segments: readonly string[];
  query: ListingQuery;
  entries: readonly ListingEntry[];
  unreadableNames: number;
}

/** The document as pieces: the head, one entry per piece, then the end. */
export function* renderListingJson(document: ListingDocument): Generator<string> {
  const { query, entries } = document;
  yield `{"path":${JSON.stringify(folderPath(document.segments))},"sort":"${query.sort}",` +
    `"order":"${query.order}","filter":${JSON.stringify(query.filter)},` +
    `"total":${entries.length},"unreadableNames":${document.unreadableNames},"entries":[`;
  for (let i = 0; i < entries.length; i++) {
    yield (i === 0 ? "\n" : ",\n") + jsonEntry(entries[i]);
  }
  yield "\n]}\n";
}

/** One entry's object. */
export function jsonEntry(entry: ListingEntry): string {
  const name = JSON.stringify(entry.name);
  const modified = entry.mtimeMs === null ? "null" : `"${new Date(entry.mtimeMs).toISOString()}"`;
  const encoded = encodeURIComponent(entry.name);
  return entry.isDirectory
    ? `{"name":${name},"kind":"folder","size":null,"modified":${modified},"href":"${encoded}/"}`
    : `{"name":${name},"kind":"file","size":${entry.size},"modified":${modified},` +
      `"href":"${encoded}"}`;
}
