/**
 * The query of a listing's address: `?sort=name|size|date&order=asc|desc&page=N&q=text`.
 * Every link of the page is such a query, so sorting, paging and filtering work without
 * JavaScript. A value that makes no sense falls back to the default: a listing never answers
 * an error for its query.
 */
import type { SortField, SortOrder } from "./folder_index.ts";

export interface ListingQuery {
  sort: SortField;
  order: SortOrder;
  /** 1-based; clamped to the last page when rendering. */
  page: number;
  /** Only names containing this text (case-insensitive); "" for all. */
  filter: string;
}

/** The listing people get without a query. */
export const DEFAULT_QUERY: Readonly<ListingQuery> = {
  sort: "name",
  order: "asc",
  page: 1,
  filter: "",
};

/** A filter longer than this is cut: no name is longer than 255 bytes anyway. */
export const MAX_FILTER_CHARS = 255;
/** Pages beyond this are not asked for by any link; larger numbers fall back to page 1. */
const MAX_PAGE = 1_000_000;

/**
 * The order a field sorts in when its header is first clicked: names A to Z, but the
 * largest and the newest first, which is what one looks for.
 */
export function defaultOrder(sort: SortField): SortOrder {
  return sort === "name" ? "asc" : "desc";
}

/** Reads a raw query string (after "?", still percent-encoded). */
export function parseListingQuery(raw: string): ListingQuery {
  if (raw === "") return { ...DEFAULT_QUERY };
  const params = new URLSearchParams(raw);
  const sortParam = params.get("sort");
  const sort: SortField = sortParam === "size" || sortParam === "date" ? sortParam : "name";
  const orderParam = params.get("order");
  const order: SortOrder = orderParam === "asc" || orderParam === "desc"
    ? orderParam
    : defaultOrder(sort);
  const pageParam = params.get("page") ?? "";
  const page = /^[1-9][0-9]{0,6}$/.test(pageParam) && Number(pageParam) <= MAX_PAGE
    ? Number(pageParam)
    : 1;
  const filter = (params.get("q") ?? "").trim().slice(0, MAX_FILTER_CHARS);
  return { sort, order, page, filter };
}

/**
 * The query string (with its "?", or "" when everything is the default) of `query`: the
 * canonical spelling, which is also what the ETag covers.
 */
export function formatListingQuery(query: ListingQuery): string {
  const params = new URLSearchParams();
  if (query.sort !== DEFAULT_QUERY.sort) params.set("sort", query.sort);
  if (query.order !== defaultOrder(query.sort)) params.set("order", query.order);
  if (query.page !== 1) params.set("page", String(query.page));
  if (query.filter !== "") params.set("q", query.filter);
  const text = params.toString();
  return text === "" ? "" : `?${text}`;
}
