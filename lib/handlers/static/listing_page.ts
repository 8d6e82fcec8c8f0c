/**
 * The HTML page of a folder listing: one small self-contained document (no external
 * resource: styles, icons and the few lines of script are inline), rendered as a sequence of
 * pieces so that a large folder streams instead of being built whole in memory.
 *
 * What a person gets: breadcrumbs for every parent folder; Name, Size and Modified headers
 * that sort when clicked (plain links with a query, so they work without JavaScript);
 * folders first; an icon by kind; sizes in KiB/MiB with the exact bytes on hover; dates in
 * UTC (the header says so) with the exact instant on hover; a filter box that hides rows as
 * one types, or filters every page on Enter; pages of MAX_ENTRIES_PER_PAGE; dark mode from
 * the system setting; a layout that fits a phone.
 *
 * Every name is HTML-escaped in text and attributes, and every link percent-encoded, so no
 * file name can inject markup or point elsewhere.
 */
import { type IconKind, iconKindOf } from "./file_kinds.ts";
import type { ListingEntry, SortField } from "./folder_index.ts";
import { defaultOrder, formatListingQuery, type ListingQuery } from "./listing_query.ts";

/**
 * Rows on one page. A browser lays out 10,000 rows in well under a second and the page is
 * ~1.5 MB (~150 bytes a row); past that a page gets slow to open on a phone, so a larger
 * folder is split into pages with links between them.
 */
export const MAX_ENTRIES_PER_PAGE = 10_000;

/** What one page shows. */
export interface ListingPage {
  /** The folder's decoded path segments from the root ([] for the root). */
  segments: readonly string[];
  /** The query as it applies (`page` within 1..pages). */
  query: ListingQuery;
  /** The rows of this page, in order. */
  entries: readonly ListingEntry[];
  /** Entries matching the filter, on every page; and how many of them are folders. */
  total: number;
  folders: number;
  /** Index of this page's first row among the `total`. */
  firstIndex: number;
  pages: number;
  /** Entries left out because their names could not be read (folder_index.ts). */
  unreadableNames: number;
}

/** The page as pieces of text: the head first, then the rows, then the end. */
export function* renderListingPage(page: ListingPage): Generator<string> {
  const { segments, query } = page;
  const title = escapeHtml(folderPath(segments));
  const folderQuery = formatListingQuery({ ...query, page: 1, filter: "" });
  yield `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Index of ${title}</title>
<style>
${STYLE}
</style>
</head>
<body>
<header>
<h1>Index of ${breadcrumbs(segments, folderQuery)}</h1>
${filterForm(query)}
</header>
${summary(page)}
${pageLinks(page)}<table>
<thead><tr>${columnHeader("name", "Name", query)}${columnHeader("size", "Size", query)}${
    columnHeader("date", "Modified (UTC)", query)
  }</tr></thead>
<tbody>
`;
  if (segments.length > 0) {
    yield `<tr class="up"><td><a href="../${escapeHtml(folderQuery)}">../</a><td><td>\n`;
  }
  for (const entry of page.entries) yield row(entry, folderQuery);
  yield `</tbody>
</table>
${pageLinks(page)}${unreadableNote(page.unreadableNames)}</body>
</html>
`;
}

/** The whole page as one string (small folders, tests). */
export function renderListing(page: ListingPage): string {
  return [...renderListingPage(page)].join("");
}

/** One table row. End tags are left out where HTML allows it (~15 bytes a row). */
export function row(entry: ListingEntry, folderQuery: string): string {
  const kind = KIND_CLASSES[iconKindOf(entry.name, entry.isDirectory)];
  const href = entry.isDirectory
    ? `${encodeURIComponent(entry.name)}/${folderQuery}`
    : encodeURIComponent(entry.name);
  const text = escapeHtml(entry.isDirectory ? `${entry.name}/` : entry.name);
  const size = entry.isDirectory
    ? "<td>—"
    : `<td title="${formatCount(entry.size)} bytes">${formatSize(entry.size)}`;
  let date = "<td>";
  if (entry.mtimeMs !== null) {
    const iso = new Date(entry.mtimeMs).toISOString();
    date = `<td title="${iso}">${iso.slice(0, 10)} ${iso.slice(11, 16)}`;
  }
  return `<tr class="${kind}"><td><a href="${escapeHtml(href)}">${text}</a>${size}${date}\n`;
}

const HTML_ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/** Text made safe for HTML text and quoted attribute values. */
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

/** 1234567 → "1,234,567". */
export function formatCount(count: number): string {
  return String(count).replace(/\B(?=(?:[0-9]{3})+$)/g, ",");
}

/** "/", "/docs/", "/docs/a b/": the folder's decoded path. */
export function folderPath(segments: readonly string[]): string {
  return segments.length === 0 ? "/" : `/${segments.join("/")}/`;
}

/** One decimal below 10, whole numbers from 10 on. */
function roundForDisplay(value: number): number {
  return value < 10 ? Math.round(value * 10) / 10 : Math.round(value);
}

/**
 * "/docs/a/" as links to "/" and "/docs/", then the folder itself as text. Relative links,
 * so the page also works behind a proxy that mounts zhttp under a prefix.
 */
function breadcrumbs(segments: readonly string[], folderQuery: string): string {
  const depth = segments.length;
  if (depth === 0) return "/";
  const up = (levels: number) => escapeHtml("../".repeat(levels) + folderQuery);
  const parts = [`<a href="${up(depth)}">/</a>`];
  for (let i = 0; i < depth - 1; i++) {
    parts.push(`<a href="${up(depth - 1 - i)}">${escapeHtml(segments[i])}/</a>`);
  }
  parts.push(`${escapeHtml(segments[depth - 1])}/`);
  return parts.join("");
}

/**
 * The filter box. Typing hides the rows that do not match (the script below it, which runs
 * before the rows arrive and again once they all have); Enter asks the server, which
 * filters every page. The current order goes along.
 */
function filterForm(query: ListingQuery): string {
  const keep = [
    query.sort !== "name" ? hiddenInput("sort", query.sort) : "",
    query.order !== defaultOrder(query.sort) ? hiddenInput("order", query.order) : "",
  ].join("");
  return `<form role="search"><input type="search" name="q" value="${
    escapeHtml(query.filter)
  }" placeholder="Filter names" aria-label="Filter names" autocomplete="off">${keep}</form>
<script>${FILTER_SCRIPT}</script>`;
}

function hiddenInput(name: string, value: string): string {
  return `<input type="hidden" name="${name}" value="${escapeHtml(value)}">`;
}

/** A column header: a link that sorts by it, or reverses the order when it already does. */
function columnHeader(field: SortField, label: string, query: ListingQuery): string {
  const current = query.sort === field;
  const order = current ? (query.order === "asc" ? "desc" : "asc") : defaultOrder(field);
  const href = formatListingQuery({ sort: field, order, page: 1, filter: query.filter }) ||
    "./";
  const sorted = current
    ? ` aria-sort="${query.order === "asc" ? "ascending" : "descending"}"`
    : "";
  return `<th${sorted}><a href="${escapeHtml(href)}">${label}</a></th>`;
}

/** "12 folders, 3,400 files", and what the filter matched. */
function summary(page: ListingPage): string {
  const files = page.total - page.folders;
  const counts = `${plural(page.folders, "folder")}, ${plural(files, "file")}`;
  const matching = page.query.filter === ""
    ? ""
    : ` matching “${escapeHtml(page.query.filter)}” (<a href="./">show all</a>)`;
  return `<p class="summary">${counts}${matching}</p>`;
}

function plural(count: number, noun: string): string {
  return `${formatCount(count)} ${noun}${count === 1 ? "" : "s"}`;
}

/** Links between pages, when there is more than one. */
function pageLinks(page: ListingPage): string {
  if (page.pages <= 1) return "";
  const { query } = page;
  const link = (target: number, label: string, rel = "") =>
    `<a href="${
      escapeHtml(formatListingQuery({ ...query, page: target }) || "./")
    }"${rel}>${label}</a>`;
  const first = formatCount(page.firstIndex + 1);
  const last = formatCount(page.firstIndex + page.entries.length);
  const parts = [`Entries ${first}–${last} of ${formatCount(page.total)}`];
  if (query.page > 1) {
    parts.push(link(1, "« First"), link(query.page - 1, "‹ Previous", ' rel="prev"'));
  }
  parts.push(`page ${formatCount(query.page)} of ${formatCount(page.pages)}`);
  if (query.page < page.pages) {
    parts.push(link(query.page + 1, "Next ›", ' rel="next"'), link(page.pages, "Last »"));
  }
  return `<nav class="pages">${parts.join(" · ")}</nav>\n`;
}

function unreadableNote(count: number): string {
  if (count === 0) return "";
  const entries = count === 1 ? "1 entry is" : `${formatCount(count)} entries are`;
  return `<p class="note">${entries} not listed: ${
    count === 1 ? "its name is" : "their names are"
  } not valid UTF-8, and zhttp cannot open such files.</p>\n`;
}

/** The row class of each icon kind, one letter (it is on every row). */
const KIND_CLASSES: Readonly<Record<IconKind, string>> = {
  folder: "d",
  text: "t",
  image: "i",
  audio: "a",
  video: "v",
  archive: "z",
  code: "c",
  file: "f",
};

/** Icons as 16×16 SVG masks (painted in each kind's colour); `black` is the mask's ink. */
const OUTLINE = "fill='none' stroke='black' stroke-width='1.3' stroke-linejoin='round'";
const SHEET = `<path d='M3.5 1.5h6l3 3v10h-9z' ${OUTLINE}/><path d='M9.5 1.5v3h3' ${OUTLINE}/>`;
const ICONS: Readonly<Record<IconKind | "up", string>> = {
  folder: "<path d='M1.5 3.5a1 1 0 0 1 1-1h3.7l1.5 1.5h5.8a1 1 0 0 1 1 1v7.5a1 1 0 0 1-1 " +
    "1h-11a1 1 0 0 1-1-1z'/>",
  file: SHEET,
  text: `${SHEET}<path d='M5.5 8h5M5.5 10.5h5M5.5 13h3' ${OUTLINE}/>`,
  image: `<rect x='1.5' y='2.5' width='13' height='11' rx='1.5' ${OUTLINE}/>` +
    "<path d='M3 12l3.5-4.5 2.5 3 1.5-1.5 2.5 3z'/><circle cx='11' cy='5.5' r='1.4'/>",
  audio: `<path d='M6 12.5V3.5l7-1.5v9' ${OUTLINE}/>` +
    "<circle cx='4.3' cy='12.5' r='2'/><circle cx='11.3' cy='11' r='2'/>",
  video: `<rect x='1.5' y='3' width='13' height='10' rx='1.5' ${OUTLINE}/>` +
    "<path d='M6.5 5.5v5l4.2-2.5z'/>",
  archive: `<rect x='2.5' y='1.5' width='11' height='13' rx='1' ${OUTLINE}/>` +
    "<path d='M7 2h2v1.5H7zM7 4.5h2V6H7zM7 7h2v1.5H7z'/>" +
    `<rect x='6.3' y='9.5' width='3.4' height='3' rx='.6' ${OUTLINE}/>`,
  code: "<path d='M5.5 4.5L2 8l3.5 3.5M10.5 4.5L14 8l-3.5 3.5M9.2 2.8l-2.4 10.4' " +
    "fill='none' stroke='black' stroke-width='1.4' stroke-linecap='round' " +
    "stroke-linejoin='round'/>",
  up: "<path d='M8 13.5v-11M3.5 7L8 2.5 12.5 7' fill='none' stroke='black' " +
    "stroke-width='1.5' stroke-linecap='round' stroke-linejoin='round'/>",
};

/** Each icon as a CSS data: URL (only the characters CSS and URLs need are escaped). */
function iconUrl(svgBody: string): string {
  const svg = `<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 16 16'>${svgBody}</svg>`;
  return `url("data:image/svg+xml,${svg.replace(/[<>#%"]/g, encodeURIComponent)}")`;
}

/** Row class → [icon, colour in light mode, colour in dark mode]. */
const ICON_STYLES: readonly [string, string, string, string][] = [
  ["d", ICONS.folder, "#c69026", "#d29922"],
  ["t", ICONS.text, "#57606a", "#9198a1"],
  ["f", ICONS.file, "#57606a", "#9198a1"],
  ["i", ICONS.image, "#1a7f37", "#3fb950"],
  ["a", ICONS.audio, "#8250df", "#a371f7"],
  ["v", ICONS.video, "#cf222e", "#f85149"],
  ["z", ICONS.archive, "#9a6700", "#bb8009"],
  ["c", ICONS.code, "#0969da", "#58a6ff"],
  ["up", ICONS.up, "#57606a", "#9198a1"],
];

/**
 * The page's style. Sizes and dates never wrap on a desktop; names do (anywhere, so a long
 * name without spaces cannot push the table wider than the window), under their own first
 * line, not under the icon. On a phone the date may break between day and time.
 */
const STYLE = [
  `:root{color-scheme:light dark;--fg:#1f2328;--muted:#59636e;--line:#d1d9e0;--bg:#fff;` +
  `--row:#f6f8fa;--link:#0969da;font:15px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,` +
  `sans-serif}`,
  `body{margin:0 auto;max-width:70rem;padding:.5rem 1.5rem 3rem;color:var(--fg);` +
  `background:var(--bg)}`,
  `header{display:flex;flex-wrap:wrap;align-items:center;justify-content:space-between;` +
  `gap:.5rem 1.5rem;margin:1rem 0 .25rem}`,
  `h1{font-size:1.4rem;font-weight:600;margin:0;overflow-wrap:anywhere}`,
  `h1 a{color:inherit}`,
  `form{flex:0 1 16rem}`,
  `input{box-sizing:border-box;width:100%;font:inherit;padding:.3rem .6rem;color:inherit;` +
  `background:var(--bg);border:1px solid var(--line);border-radius:6px}`,
  `.summary,.pages,.note{color:var(--muted);font-size:.875rem;margin:.5rem 0}`,
  `table{border-collapse:collapse;width:100%;margin:.25rem 0 .5rem}`,
  `th,td{padding:.3rem .75rem;border-bottom:1px solid var(--line);text-align:left}`,
  `th{font-size:.8125rem;font-weight:600;white-space:nowrap}`,
  `th a{color:var(--muted)}`,
  `th[aria-sort] a{color:var(--fg)}`,
  `th[aria-sort=ascending] a::after{content:" ▲";font-size:.7em}`,
  `th[aria-sort=descending] a::after{content:" ▼";font-size:.7em}`,
  `th:first-child,td:first-child{width:100%;padding-left:.25rem}`,
  `th:first-child a{padding-left:1.75rem}`,
  `th:nth-child(2),td:nth-child(2){text-align:right}`,
  `td:nth-child(n+2){white-space:nowrap;font-variant-numeric:tabular-nums}`,
  `td:nth-child(3){color:var(--muted)}`,
  `tbody tr:hover{background:var(--row)}`,
  `a{color:var(--link);text-decoration:none}`,
  `a:hover{text-decoration:underline}`,
  `td:first-child a{display:block;position:relative;padding-left:1.75rem;` +
  `overflow-wrap:anywhere}`,
  `td:first-child a::before{content:"";position:absolute;left:0;top:.1rem;width:1.15rem;` +
  `height:1.15rem;background:var(--c);-webkit-mask:var(--i) center/contain no-repeat;` +
  `mask:var(--i) center/contain no-repeat}`,
  ...ICON_STYLES.map(([name, icon, light]) => `.${name}{--i:${iconUrl(icon)};--c:${light}}`),
  `@media (prefers-color-scheme:dark){:root{--fg:#e6edf3;--muted:#9198a1;--line:#3d444d;` +
  `--bg:#0d1117;--row:#151b23;--link:#4493f8}` +
  ICON_STYLES.map(([name, , , dark]) => `.${name}{--c:${dark}}`).join("") + `}`,
  `@media (max-width:40rem){body{padding:.25rem .75rem 2rem}h1{font-size:1.2rem}` +
  `form{flex:1 1 100%}th,td{padding:.4rem .35rem}td:first-child{padding-left:0}` +
  `td:nth-child(3){white-space:normal;font-size:.8125rem;min-width:5.5em}}`,
].join("\n");

/**
 * Hides the rows whose name does not contain the box's text. It runs as soon as the box
 * exists, before the rows arrive, and once more when they all have, so a filter typed while
 * a large page is still loading also applies to the rows that came later.
 */
const FILTER_SCRIPT = `(()=>{const box=document.querySelector("input[name=q]");const apply=()=>{` +
  `const text=box.value.trim().toLowerCase();` +
  `for(const row of document.querySelectorAll("tbody tr:not(.up)")){` +
  `const name=row.cells[0].textContent.toLowerCase();` +
  `row.toggleAttribute("hidden",text!==""&&!name.includes(text))}};` +
  `box.addEventListener("input",apply);document.addEventListener("DOMContentLoaded",apply)})()`;
