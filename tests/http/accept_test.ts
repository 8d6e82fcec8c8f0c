/** namesMediaType(), from a table of Accept values as clients send them. */
import assert from "node:assert/strict";
import { namesMediaType } from "../../lib/http/accept.ts";

const cases: [string | null, boolean][] = [
  [null, false],
  ["", false],
  ["text/html", true],
  ["TEXT/HTML", true],
  ["text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", true],
  ["application/json, text/html;q=0.1", true],
  ["text/html ; q=0.5", true],
  ["text/html;level=1", true],
  ["text/html;q=0", false],
  ["text/html;q=0.000", false],
  ["*/*", false],
  ["text/*", false],
  ["application/json", false],
  ["text/htmlx", false],
  ["image/avif,image/webp,*/*;q=0.8", false],
];

Deno.test("namesMediaType() tells whether Accept names text/html itself", () => {
  for (const [accept, expected] of cases) {
    assert.equal(namesMediaType(accept, "text/html"), expected, String(accept));
  }
});
