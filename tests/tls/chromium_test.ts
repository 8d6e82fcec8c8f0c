/**
 * A real browser: headless Chromium, trusting the local CA through a fresh NSS database
 * (as `certutil` installs it for a person), loads the welcome page over TLS from the leaf
 * with no certificate error; without the CA, or for a leaf outside the CA's name
 * constraints, it shows its certificate error page instead. Skipped, saying why, where
 * chromium or certutil is not installed (.ci/run installs both).
 */
import assert from "node:assert/strict";
import path from "node:path";
import { issueLeaf } from "../../lib/tls/leaf.ts";
import { certificateToPem, loadOrCreateLocalCa } from "../../lib/tls/local_ca.ts";
import { prepareLocalCertificate } from "../../lib/tls/local_certificate.ts";
import { CHROMIUM, dumpDom } from "../support/chromium.ts";
import { run, skipWithout } from "../support/programs.ts";
import { tempFolder } from "../support/static_site.ts";
import { serveTls } from "../support/tls.ts";

const skip = skipWithout(import.meta.url, [CHROMIUM, "certutil"]);

const WELCOME_PAGE = await Deno.readTextFile(
  new URL("../../static/index.html", import.meta.url),
);
const WELCOME_TITLE = "<title>zhttp is running</title>";

/** A home folder whose NSS database trusts `caFile` for TLS servers (or is empty). */
async function nssHome(home: string, caFile: string | null): Promise<void> {
  const database = `sql:${path.join(home, ".pki", "nssdb")}`;
  await Deno.mkdir(path.join(home, ".pki", "nssdb"), { recursive: true });
  const created = await run("certutil", ["-d", database, "-N", "--empty-password"]);
  assert.equal(created.code, 0, created.stderr);
  if (caFile === null) return;
  const added = await run("certutil", [
    "-d",
    database,
    "-A",
    "-t",
    "C,,",
    "-n",
    "zhttp",
    "-i",
    caFile,
  ]);
  assert.equal(added.code, 0, added.stderr);
}

/** A data folder with a local certificate, and a home folder whose NSS db trusts its CA. */
async function trustingBrowser(trust: boolean) {
  const temp = await tempFolder();
  const folder = path.join(temp.dir, "zhttp");
  const local = await prepareLocalCertificate({ folder, hostname: "mybox" });
  const home = path.join(temp.dir, "home");
  await nssHome(home, trust ? local.ca.file : null);
  return { local, folder, home, [Symbol.asyncDispose]: () => temp[Symbol.asyncDispose]() };
}

Deno.test(
  "chromium trusting the local CA loads the welcome page over TLS without a certificate error",
  {
    ignore: skip,
  },
  async () => {
    await using browser = await trustingBrowser(true);
    const { certificatePem: cert, privateKeyPem: key } = browser.local;
    await using server = serveTls({ cert, key, page: WELCOME_PAGE });
    for (const host of ["localhost", "127.0.0.1"]) {
      const { dom, log } = await dumpDom(`https://${host}:${server.port}/`, { home: browser.home });
      assert.ok(dom.includes(WELCOME_TITLE), `${host}: ${log}`);
      assert.doesNotMatch(log, /Page load failed|ERR_CERT/);
    }
  },
);

Deno.test("chromium without the local CA shows its certificate error, not the page", {
  ignore: skip,
}, async () => {
  await using browser = await trustingBrowser(false);
  const { certificatePem: cert, privateKeyPem: key } = browser.local;
  await using server = serveTls({ cert, key, page: WELCOME_PAGE });
  const { dom, log } = await dumpDom(`https://localhost:${server.port}/`, { home: browser.home });
  assert.ok(!dom.includes(WELCOME_TITLE));
  assert.match(log, /Page load failed: net::ERR_CERT_AUTHORITY_INVALID/);
});

Deno.test(
  "chromium trusting the local CA refuses a stolen-key leaf for localhost and example.com",
  {
    ignore: skip,
  },
  async () => {
    await using browser = await trustingBrowser(true);
    const ca = await loadOrCreateLocalCa(browser.folder, { machine: "mybox", now: new Date() });
    // Two leaves made alike by the key on disk; they differ only in the public name.
    for (
      const [dns, accepted] of [[["localhost"], true], [
        ["localhost", "example.com"],
        false,
      ]] as const
    ) {
      const leaf = await issueLeaf(ca.issuer, { dns, ips: [] }, new Date());
      await using server = serveTls({
        cert: certificateToPem(leaf.certificate) + certificateToPem(ca.issuer.certificate),
        key: leaf.privateKeyPem,
        page: WELCOME_PAGE,
      });
      const { dom, log } = await dumpDom(`https://localhost:${server.port}/`, {
        home: browser.home,
      });
      assert.equal(dom.includes(WELCOME_TITLE), accepted, `${dns}: ${log}`);
      // Chromium's verifier reports a name constraint violation as ERR_CERT_INVALID.
      if (!accepted) assert.match(log, /Page load failed: net::ERR_CERT_INVALID/);
    }
  },
);
