/**
 * A name refused by the path rules is never refused silently: zhttp logs it once, with the
 * rule, whether a request asked for it or a listing left it out.
 */
import assert from "node:assert/strict";
import { request } from "../../support/raw_http.ts";
import { tempFolder } from "../../support/static_site.ts";
import { ZhttpProcess } from "../../support/zhttp_process.ts";

function get(port: number, target: string) {
  return request(port, `GET ${target} HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n`);
}

/** How many times `text` occurs in `output`. */
function count(output: string, text: string): number {
  return output.split(text).length - 1;
}

Deno.test("zhttp logs a refused request path once, with the rule", async () => {
  await using site = await tempFolder({ "index.html": "home" });
  await using zhttp = ZhttpProcess.start([site.dir, "--port", "0"]);
  const port = await zhttp.port();
  for (let i = 0; i < 3; i++) assert.equal((await get(port, "/a/../b")).status, 403);
  await zhttp.waitFor(/GET \/a\/\.\.\/b 403(?:[^]*GET \/a\/\.\.\/b 403){2}/);
  assert.equal(count(zhttp.output, 'not serving /a/../b: dot segment: ".."'), 1, zhttp.output);
});

Deno.test({
  name: "zhttp logs a file a listing leaves out once, with the rule, as a warning",
  // A backslash cannot be in a Windows name: there is no such file to leave out.
  ignore: Deno.build.os === "windows",
  async fn() {
    await using site = await tempFolder({ "shown.txt": "a", "back\\slash.txt": "b", ".env": "c" });
    // --quiet keeps warnings: a file of the user's own that zhttp will not serve is one.
    await using zhttp = ZhttpProcess.start([site.dir, "--port", "0", "--quiet"]);
    const port = await zhttp.port();
    for (let i = 0; i < 2; i++) {
      const listing = await get(port, "/");
      assert.match(listing.text(), /shown\.txt/);
      assert.doesNotMatch(listing.text(), /slash/);
    }
    const line = /WARNING back\\slash\.txt is left out of the listing of .*: backslash: /;
    await zhttp.waitFor(line);
    assert.equal(zhttp.output.match(new RegExp(line, "g"))?.length, 1, zhttp.output);
    // A dotfile is hidden by a setting (--show-dotfiles), not refused by a rule.
    assert.doesNotMatch(zhttp.output, /\.env/);
  },
});
