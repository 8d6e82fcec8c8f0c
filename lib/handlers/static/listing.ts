/**
 * The page for a folder without an index.html: folders first, then files, each with its
 * size and modification date, and a link to the parent folder. Names are HTML-escaped and
 * links percent-encoded, so no file name can inject markup or point elsewhere.
 */
import { join } from "node:path";

export interface ListingEntry {
  name: string;
  isDirectory: boolean;
  size: number;
  mtimeMs: number | null;
}

/** The folder's entries, minus those `include` rejects (hidden or unservable names). */
export async function readListing(
  dirPath: string,
  include: (name: string) => boolean,
): Promise<ListingEntry[]> {
  const entries: ListingEntry[] = [];
  for await (const entry of Deno.readDir(dirPath)) {
    if (!include(entry.name)) continue;
    let info: Deno.FileInfo;
    try {
      // stat, not lstat: a link is listed as what it points to, like nginx's autoindex.
      info = await Deno.stat(join(dirPath, entry.name));
    } catch {
      continue; // A broken link or a file deleted meanwhile: nothing to offer.
    }
    if (!info.isFile && !info.isDirectory) continue;
    entries.push({
      name: entry.name,
      isDirectory: info.isDirectory,
      size: info.size,
      mtimeMs: info.mtime?.getTime() ?? null,
    });
  }
  return entries;
}

/** The listing page for the folder at URL path `urlPath` (decoded, ending with "/"). */
export function renderListing(urlPath: string, entries: readonly ListingEntry[]): string {
  const sorted = [...entries].sort((a, b) =>
    a.isDirectory !== b.isDirectory
      ? (a.isDirectory ? -1 : 1)
      : a.name.localeCompare(b.name, "en", { numeric: true, sensitivity: "base" })
  );
  const rows: string[] = [];
  if (urlPath !== "/") {
    rows.push(`<tr><td><a href="../">../</a></td><td></td><td></td></tr>`);
  }
  for (const entry of sorted) {
    const suffix = entry.isDirectory ? "/" : "";
    const href = encodeURIComponent(entry.name) + suffix;
    rows.push(
      `<tr><td><a href="${escapeHtml(href)}">${escapeHtml(entry.name + suffix)}</a></td>` +
        `<td class="size">${entry.isDirectory ? "—" : formatSize(entry.size)}</td>` +
        `<td>${entry.mtimeMs === null ? "" : formatDate(entry.mtimeMs)}</td></tr>`,
    );
  }
  const title = `Index of ${escapeHtml(urlPath)}`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<style>
:root { color-scheme: light dark; font-family: system-ui, sans-serif; }
body { margin: 2rem auto; max-width: 60rem; padding: 0 1rem; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .3rem .8rem .3rem 0; border-bottom: 1px solid #8884; }
td.size { text-align: right; font-variant-numeric: tabular-nums; }
a { text-decoration: none; } a:hover { text-decoration: underline; }
</style>
</head>
<body>
<h1>${title}</h1>
<table>
<thead><tr><th>Name</th><th class="size">Size</th><th>Modified</th></tr></thead>
<tbody>
${rows.join("\n")}
</tbody>
</table>
</body>
</html>
`;
}

const HTML_ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => HTML_ESCAPES[char]);
}

/** 1023 B, 1.5 KiB, 12 MiB: three significant digits at most. */
export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let value = bytes / 1024;
  let unit = 0;
  // The unit is chosen after rounding, so 1023.9 KiB reads "1.0 MiB", not "1024 KiB".
  while (roundForDisplay(value) >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  const shown = roundForDisplay(value);
  return `${shown < 10 ? shown.toFixed(1) : shown} ${units[unit]}`;
}

/** One decimal below 10, whole numbers from 10 on. */
function roundForDisplay(value: number): number {
  return value < 10 ? Math.round(value * 10) / 10 : Math.round(value);
}

/** `2026-11-26 08:35` in UTC: sortable, unambiguous, the same on every server. */
function formatDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16).replace("T", " ");
}
