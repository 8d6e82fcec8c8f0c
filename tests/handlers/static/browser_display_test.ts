/**
 * Source and plain-text files as a developer opens them in a browser: Chromium shows them
 * in the tab (as a <pre> of the text), rather than downloading them or showing nothing.
 * Skipped, saying so, where Chromium is not installed (.ci/run installs it).
 */
import assert from "node:assert/strict";
import { CHROMIUM, dumpDom } from "../../support/chromium.ts";
import { skipWithout } from "../../support/programs.ts";
import { serveStatic, tempFolder } from "../../support/static_site.ts";

const skip = skipWithout(import.meta.url, [CHROMIUM]);

const FILES: Record<string, string> = {
  "main.ts": "export const answer: number = 42;",
  "lib.rs": 'fn main() { println!("hi"); }',
  "README.md": "# Title\n\nSome *words*.",
  "table.csv": "name,size\nzhttp,1",
};

for (const [name, text] of Object.entries(FILES)) {
  Deno.test(`Chromium shows ${name} as text instead of downloading it`, {
    ignore: skip,
  }, async () => {
    await using site = await tempFolder({ [name]: text });
    await using server = serveStatic({ root: site.dir });
    const { dom } = await dumpDom(`http://127.0.0.1:${server.addr.port}/${name}`);
    const pre = /<pre[^>]*>([^]*)<\/pre>/.exec(dom);
    assert.ok(pre !== null, `${name} was not shown: ${JSON.stringify(dom)}`);
    const shown = pre[1].replaceAll("&lt;", "<").replaceAll("&gt;", ">").replaceAll("&amp;", "&")
      .replaceAll("&quot;", '"');
    assert.equal(shown.trimEnd(), text);
  });
}
