/**
 * The leaf zhttp issues with its local CA: what it says (read back with @peculiar/x509
 * and, where installed, `openssl x509 -text`), and when it is reused or issued anew.
 */
import assert from "node:assert/strict";
import path from "node:path";
import * as x509 from "../../lib/tls/x509.ts";
import {
  issueLeaf,
  LEAF_FILE_NAME,
  LEAF_LIFETIME_MS,
  leafNamesOf,
  loadOrIssueLeaf,
} from "../../lib/tls/leaf.ts";
import {
  CA_LIFETIME_MS,
  certificateToPem,
  CLOCK_SKEW_MS,
  createLocalCa,
  DAY_MS,
  type IssuingCa,
} from "../../lib/tls/local_ca.ts";
import type { LeafNames } from "../../lib/tls/local_names.ts";
import { parsePem } from "../../lib/tls/pem.ts";
import { tempFolder } from "../support/static_site.ts";
import { installed, run } from "../support/programs.ts";

const NOW = new Date("2026-03-01T12:00:00Z");
const NAMES: LeafNames = { dns: ["localhost", "mybox.local"], ips: ["127.0.0.1", "::1"] };
const { issuer } = await createLocalCa("mybox", NOW);

Deno.test("issueLeaf() makes a 30-day server certificate for exactly the names given", async () => {
  const { certificate } = await issueLeaf(issuer, NAMES, NOW);
  const basic = certificate.getExtension(x509.BasicConstraintsExtension);
  assert.ok(basic?.critical);
  assert.equal(basic.ca, false);
  const usage = certificate.getExtension(x509.KeyUsagesExtension);
  assert.ok(usage?.critical);
  assert.equal(usage.usages, x509.KeyUsageFlags.digitalSignature);
  assert.deepEqual([...certificate.getExtension(x509.ExtendedKeyUsageExtension)!.usages], [
    x509.ExtendedKeyUsage.serverAuth,
  ]);
  const san = certificate.getExtension(x509.SubjectAlternativeNameExtension)!;
  assert.deepEqual(san.names.toJSON(), [
    { type: "dns", value: "localhost" },
    { type: "dns", value: "mybox.local" },
    { type: "ip", value: "127.0.0.1" },
    { type: "ip", value: "::1" },
  ]);
  assert.deepEqual(leafNamesOf(certificate), NAMES);
  assert.equal(certificate.subject, "O=zhttp, CN=localhost");
  assert.equal(certificate.issuer, issuer.certificate.subject);
  assert.ok(certificate.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId);
  assert.equal(
    certificate.getExtension(x509.AuthorityKeyIdentifierExtension)?.keyId,
    issuer.certificate.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId,
  );
  assert.equal(certificate.notBefore.getTime(), NOW.getTime() - CLOCK_SKEW_MS);
  assert.equal(certificate.notAfter.getTime(), NOW.getTime() + LEAF_LIFETIME_MS);
  assert.equal(LEAF_LIFETIME_MS, 30 * DAY_MS);
  assert.ok(
    await certificate.verify({ publicKey: issuer.certificate.publicKey, signatureOnly: true }),
  );
});

Deno.test("issueLeaf() never outlives the CA that signs it", async () => {
  const nearEnd = new Date(NOW.getTime() + CA_LIFETIME_MS - 10 * DAY_MS);
  const { certificate } = await issueLeaf(issuer, NAMES, nearEnd);
  assert.equal(certificate.notAfter.getTime(), issuer.certificate.notAfter.getTime());
});

Deno.test("issueLeaf() output reads back in openssl x509 -text", {
  ignore: !installed("openssl"),
}, async () => {
  const leaf = await issueLeaf(issuer, { ...NAMES, ips: [...NAMES.ips, "192.168.1.20"] }, NOW);
  await using temp = await tempFolder({ "leaf.pem": certificateToPem(leaf.certificate) });
  const text = await run("openssl", [
    "x509",
    "-in",
    path.join(temp.dir, "leaf.pem"),
    "-noout",
    "-text",
  ]);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /X509v3 Basic Constraints: critical\s+CA:FALSE/);
  assert.match(text.stdout, /X509v3 Key Usage: critical\s+Digital Signature\n/);
  assert.match(text.stdout, /X509v3 Extended Key Usage: \s*TLS Web Server Authentication\n/);
  assert.match(
    text.stdout,
    /X509v3 Subject Alternative Name: \s*DNS:localhost, DNS:mybox.local, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1, IP Address:192.168.1.20\n/,
  );
  assert.match(text.stdout, /X509v3 Subject Key Identifier/);
  assert.match(text.stdout, /X509v3 Authority Key Identifier/);
  assert.match(
    text.stdout,
    /Not Before: Mar {2}1 11:00:00 2026 GMT\s+Not After : Mar 31 12:00:00 2026 GMT/,
  );
});

/** A data folder for one test. */
async function leafFolder() {
  const temp = await tempFolder();
  return {
    folder: temp.dir,
    file: path.join(temp.dir, LEAF_FILE_NAME),
    [Symbol.asyncDispose]: () => temp[Symbol.asyncDispose](),
  };
}

Deno.test("loadOrIssueLeaf() keeps the leaf (key, then certificate) in a 0600 file", async () => {
  await using data = await leafFolder();
  const { leaf, reissued } = await loadOrIssueLeaf(data.folder, issuer, NAMES, NOW);
  assert.equal(reissued, true);
  const blocks = parsePem(await Deno.readTextFile(data.file));
  assert.deepEqual(blocks.map((block) => block.label), ["PRIVATE KEY", "CERTIFICATE"]);
  assert.deepEqual(blocks[1].der, new Uint8Array(leaf.certificate.rawData));
  assert.equal(blocks.length, 2);
  if (Deno.build.os !== "windows") {
    assert.equal((await Deno.stat(data.file)).mode! & 0o777, 0o600);
  }
});

const reuseCases: {
  name: string;
  later: { names?: LeafNames; days?: number; issuer?: () => Promise<IssuingCa> };
  reissued: boolean;
}[] = [
  { name: "reuses the leaf when nothing changed", later: {}, reissued: false },
  { name: "reuses the leaf with 8 days left", later: { days: 22 }, reissued: false },
  { name: "reissues with less than 7 days left", later: { days: 23.01 }, reissued: true },
  { name: "reissues an expired leaf", later: { days: 45 }, reissued: true },
  {
    name: "reissues when the clock went back before the leaf",
    later: { days: -1 },
    reissued: true,
  },
  {
    name: "reissues when a LAN address is added",
    later: { names: { ...NAMES, ips: [...NAMES.ips, "192.168.1.20"] } },
    reissued: true,
  },
  {
    name: "reissues when the machine's name changes",
    later: { names: { ...NAMES, dns: ["localhost", "newname.local"] } },
    reissued: true,
  },
  {
    name: "reuses the leaf for the same names in another order",
    later: { names: { dns: ["mybox.local", "localhost"], ips: ["::1", "127.0.0.1"] } },
    reissued: false,
  },
  {
    name: "reissues when the CA is another one",
    later: { issuer: async () => (await createLocalCa("mybox", NOW)).issuer },
    reissued: true,
  },
];

for (const { name, later, reissued } of reuseCases) {
  Deno.test(`loadOrIssueLeaf() ${name}`, async () => {
    await using data = await leafFolder();
    const first = await loadOrIssueLeaf(data.folder, issuer, NAMES, NOW);
    const laterIssuer = later.issuer ? await later.issuer() : issuer;
    const laterNow = new Date(NOW.getTime() + (later.days ?? 0) * DAY_MS);
    const second = await loadOrIssueLeaf(data.folder, laterIssuer, later.names ?? NAMES, laterNow);
    assert.equal(second.reissued, reissued);
    const sameSerial = second.leaf.certificate.serialNumber === first.leaf.certificate.serialNumber;
    assert.equal(sameSerial, !reissued);
    if (reissued) {
      assert.deepEqual(leafNamesOf(second.leaf.certificate), later.names ?? NAMES);
      assert.equal(second.leaf.certificate.issuer, laterIssuer.certificate.subject);
      // The new leaf is the one kept for the next start.
      const third = await loadOrIssueLeaf(data.folder, laterIssuer, later.names ?? NAMES, laterNow);
      assert.equal(third.reissued, false);
      assert.equal(third.leaf.certificate.serialNumber, second.leaf.certificate.serialNumber);
    } else {
      assert.equal(second.leaf.privateKeyPem, first.leaf.privateKeyPem);
    }
  });
}

const damagedCases: { name: string; edit: (text: string) => string | Promise<string> }[] = [
  { name: "garbage", edit: () => "garbage" },
  { name: "a key alone", edit: (text) => text.slice(0, text.indexOf("-----BEGIN CERTIFICATE")) },
  {
    name: "a certificate alone",
    edit: (text) => text.slice(text.indexOf("-----BEGIN CERTIFICATE")),
  },
  {
    name: "another leaf's key",
    edit: async (text) =>
      (await issueLeaf(issuer, NAMES, NOW)).privateKeyPem +
      text.slice(text.indexOf("-----BEGIN CERTIFICATE")),
  },
];

for (const { name, edit } of damagedCases) {
  Deno.test(`loadOrIssueLeaf() issues a new leaf over a file holding ${name}`, async () => {
    await using data = await leafFolder();
    await loadOrIssueLeaf(data.folder, issuer, NAMES, NOW);
    await Deno.writeTextFile(data.file, await edit(await Deno.readTextFile(data.file)));
    const again = await loadOrIssueLeaf(data.folder, issuer, NAMES, NOW);
    assert.equal(again.reissued, true);
    const stored = parsePem(await Deno.readTextFile(data.file));
    assert.deepEqual(stored[1].der, new Uint8Array(again.leaf.certificate.rawData));
  });
}
