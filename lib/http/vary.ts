/**
 * Vary (RFC 9110 §12.5.5): the request fields a response was chosen by, so that a cache
 * keeps one response per combination and never hands a compressed body to a client that
 * cannot decode it.
 */
import type { ResponseWriter } from "./response.ts";

/** Whether a Vary value already covers `field`: it lists it (in any case), or is "*". */
export function varyCovers(value: string, field: string): boolean {
  const wanted = field.toLowerCase();
  for (const member of value.split(",")) {
    const name = member.trim().toLowerCase();
    if (name === "*" || name === wanted) return true;
  }
  return false;
}

/**
 * Adds `field` to the response's Vary, keeping what is there: as a field line of its own,
 * which means the same as one comma-separated line (RFC 9110 §5.3). Only the first Vary
 * line is read (a writer gives no more), so a field already in a later line may be listed
 * twice, which means the same too; merging into the first line could lose the others.
 */
export function addVary(res: ResponseWriter, field: string): void {
  const current = res.getHeader("vary");
  if (current === undefined || !varyCovers(current, field)) res.appendHeader("Vary", field);
}
