/**
 * HtmlInjector, from a table of pages: where the snippet lands, fed whole, split in two at
 * every offset, and one byte at a time. Every way of feeding the page must give the same
 * bytes, and always the page plus the snippet.
 */
import assert from "node:assert/strict";
import { concat } from "../../lib/http/bytes.ts";
import { HtmlInjector } from "../../lib/live/html_injector.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const SNIPPET = "<S>";

/** [what the case is, the page, the page with the snippet in place] */
const CASES: [string, string, string][] = [
  ["before </body>", "<p>hi</p></body></html>", "<p>hi</p><S></body></html>"],
  ["uppercase", "<HTML><BODY>x</BODY></HTML>", "<HTML><BODY>x<S></BODY></HTML>"],
  ["mixed case with a space", "a</bOdY >b", "a<S></bOdY >b"],
  ["a name ending in a slash", "a</body/>", "a<S></body/>"],
  ["no body tag: at the end", "<p>fragment</p>", "<p>fragment</p><S>"],
  ["empty page", "", "<S>"],
  ["not a body end tag", "a</bodyx>b</body>", "a</bodyx>b<S></body>"],
  ["<body> itself is no end", "<body>x", "<body>x<S>"],
  ["only the first", "a</body>b</body>", "a<S></body>b</body>"],
  ["in a comment: skipped", "<!-- </body> -->x</body>", "<!-- </body> -->x<S></body>"],
  ["an abrupt comment <!-->", "<!-->x</body>", "<!-->x<S></body>"],
  ["dashes in a comment", "<!-- a-- -b --->x</body>", "<!-- a-- -b --->x<S></body>"],
  [
    "in a script string: skipped",
    '<script>document.write("</body>")</script></body>',
    '<script>document.write("</body>")</script><S></body>',
  ],
  [
    "a script with attributes, ended in uppercase",
    '<script type="module">"</body>"</SCRIPT >x</body>',
    '<script type="module">"</body>"</SCRIPT >x<S></body>',
  ],
  [
    "</scriptx> does not end a script",
    "<script></scriptx></body></script></body>",
    "<script></scriptx></body></script><S></body>",
  ],
  [
    "in a style: skipped",
    "<style>/*</body>*/</style></body>",
    "<style>/*</body>*/</style><S></body>",
  ],
  ["<scripts> is no script", "<scripts></body>", "<scripts><S></body>"],
  ["a script never closed", "<script></body>", "<script></body><S>"],
  ["a lone < at the end", "a <", "a <<S>"],
  ["a cut-off end tag", "a</bod", "a</bod<S>"],
  ["non-ASCII text", "é—ü</body>", "é—ü<S></body>"],
];

function feed(pieces: Uint8Array[]): string {
  const injector = new HtmlInjector(encoder.encode(SNIPPET));
  const out: Uint8Array[] = [];
  for (const piece of pieces) out.push(...injector.push(piece));
  out.push(...injector.finish());
  assert.equal(injector.injected, true);
  return decoder.decode(concat(out));
}

Deno.test("HtmlInjector places the snippet once, fed whole", () => {
  for (const [name, page, expected] of CASES) {
    assert.equal(feed([encoder.encode(page)]), expected, name);
  }
});

Deno.test("HtmlInjector gives the same bytes for a page split at every offset", () => {
  for (const [name, page, expected] of CASES) {
    const bytes = encoder.encode(page);
    for (let cut = 0; cut <= bytes.length; cut++) {
      const pieces = [bytes.subarray(0, cut), bytes.subarray(cut)];
      assert.equal(feed(pieces), expected, `${name}, cut at ${cut}`);
    }
  }
});

Deno.test("HtmlInjector gives the same bytes for a page fed one byte at a time", () => {
  for (const [name, page, expected] of CASES) {
    const bytes = encoder.encode(page);
    const pieces = Array.from(bytes, (_, i) => bytes.subarray(i, i + 1));
    assert.equal(feed(pieces), expected, name);
  }
});

Deno.test("HtmlInjector holds back no more than a tag's first bytes", () => {
  const injector = new HtmlInjector(encoder.encode(SNIPPET));
  const sent = injector.push(encoder.encode("<p>long text</p></bo"));
  assert.equal(decoder.decode(sent[0]), "<p>long text</p>");
  const rest = injector.push(encoder.encode("dy>"));
  assert.deepEqual(rest.map((piece) => decoder.decode(piece)), ["<S>", "</body>"]);
});

Deno.test("HtmlInjector passes pieces through untouched once the snippet is in", () => {
  const injector = new HtmlInjector(encoder.encode(SNIPPET));
  injector.push(encoder.encode("</body>"));
  const later = encoder.encode("</body><!--");
  assert.equal(injector.push(later)[0], later);
  assert.deepEqual(injector.finish(), []);
});
