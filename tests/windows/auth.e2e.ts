/**
 * Logins under the real deno.exe (Wine): `--auth` hashes its password with node:crypto's
 * scrypt at startup and checks every login with it, which is what must work in the Windows
 * binary; every path, in any case and spelling, asks for the login first.
 *
 * Run by scripts/windows-e2e.sh (root, Wine test bed), not by `deno task test`.
 */
import assert from "node:assert/strict";
import { createFixtureSite, INDEX_HTML } from "./fixture_site.ts";
import { SCHEMES, startZhttpOnWindows } from "./zhttp_on_windows.ts";

const LOGIN = { Authorization: `Basic ${btoa("ann:s3cret on Windows")}` };

Deno.test("main.ts on Windows with --auth asks for the login and lets the right one in", async (t) => {
  await using site = await createFixtureSite();
  await using zhttp = await startZhttpOnWindows(site, SCHEMES[0], [
    "--auth",
    "ann:s3cret on Windows",
  ]);

  await t.step("the banner says that logins are required", async () => {
    await zhttp.deno.waitForOutput(/^Login\s+required for every path \(1 user, realm "zhttp"\)/m);
  });

  await t.step("every path, however spelled, answers 401 without the login", async () => {
    for (const path of ["/", "/index.html", "/INDEX.HTML", "/hello.txt", "/hello", "/echo"]) {
      const response = await zhttp.request(path);
      assert.equal(response.status, 401, path);
      assert.equal(response.header("www-authenticate"), 'Basic realm="zhttp", charset="UTF-8"');
      assert.equal(response.text(), "401 Unauthorized\n", path);
    }
  });

  await t.step("the right password is let in (scrypt in deno.exe)", async () => {
    const response = await zhttp.request("/", { headers: LOGIN });
    assert.equal(response.status, 200);
    assert.equal(response.text(), INDEX_HTML);
    const again = await zhttp.request("/INDEX.HTML", { headers: LOGIN });
    assert.equal(again.status, 200, "remembered, and NTFS ignores the case");
  });

  await t.step("a wrong password and an unknown user are refused", async () => {
    for (const credentials of ["ann:s3cret", "bob:s3cret on Windows"]) {
      const response = await zhttp.request("/", {
        headers: { Authorization: `Basic ${btoa(credentials)}` },
      });
      assert.equal(response.status, 401, credentials);
    }
  });
});
