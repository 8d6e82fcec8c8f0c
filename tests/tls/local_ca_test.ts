/**
 * The local CA: what its two certificates say (read back with @peculiar/x509 and, where
 * installed, `openssl x509 -text`), that it is made once and loaded after, even by several
 * starting together, where its files are and who may read them, that the root's key is in
 * no file, and that a damaged CA file is one sentence naming it.
 */
import assert from "node:assert/strict";
import path from "node:path";
import { createPrivateKey, createPublicKey } from "node:crypto";
import { Buffer } from "node:buffer";
import { AsnConvert } from "@peculiar/asn1-schema";
import { id_ce_nameConstraints, NameConstraints } from "@peculiar/asn1-x509";
import * as x509 from "../../lib/tls/x509.ts";
import {
  CA_LIFETIME_MS,
  CLOCK_SKEW_MS,
  createLocalCa,
  DAY_MS,
  ISSUER_FILE_NAME,
  loadOrCreateLocalCa,
  type LocalCa,
  ROOT_FILE_NAME,
} from "../../lib/tls/local_ca.ts";
import { DataFolderError, LocalCaError } from "../../lib/tls/errors.ts";
import { parsePem } from "../../lib/tls/pem.ts";
import { tempFolder } from "../support/static_site.ts";
import { installed, run } from "../support/programs.ts";

const NOW = new Date("2026-03-01T12:00:00Z");

/** A fresh data folder with a CA made in it at NOW. */
async function freshCa(): Promise<{ folder: string; ca: LocalCa } & AsyncDisposable> {
  const temp = await tempFolder();
  const folder = path.join(temp.dir, "zhttp");
  const ca = await loadOrCreateLocalCa(folder, { machine: "mybox", now: NOW });
  return { folder, ca, [Symbol.asyncDispose]: () => temp[Symbol.asyncDispose]() };
}

function permittedSubtrees(certificate: x509.X509Certificate): string[] {
  const extension = certificate.getExtension(id_ce_nameConstraints);
  assert.ok(extension !== null, "no name constraints");
  assert.equal(extension.critical, true);
  const constraints = AsnConvert.parse(extension.value, NameConstraints);
  assert.equal(constraints.excludedSubtrees, undefined);
  return [...constraints.permittedSubtrees ?? []].map((subtree) =>
    subtree.base.dNSName !== undefined
      ? `DNS:${subtree.base.dNSName}`
      : `IP:${subtree.base.iPAddress}`
  );
}

const EXPECTED_SUBTREES = [
  "DNS:localhost",
  "DNS:local",
  "DNS:home.arpa",
  "IP:127.0.0.0/8",
  "IP:10.0.0.0/8",
  "IP:172.16.0.0/12",
  "IP:192.168.0.0/16",
  "IP:169.254.0.0/16",
  "IP:::1/128",
  "IP:fc00::/7",
  "IP:fe80::/10",
];

function checkCaTier(certificate: x509.X509Certificate, pathLength: number): void {
  const basic = certificate.getExtension(x509.BasicConstraintsExtension);
  assert.ok(basic?.critical, "basicConstraints critical");
  assert.equal(basic.ca, true);
  assert.equal(basic.pathLength, pathLength);
  const usage = certificate.getExtension(x509.KeyUsagesExtension);
  assert.ok(usage?.critical, "keyUsage critical");
  assert.equal(usage.usages, x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign);
  assert.deepEqual([...certificate.getExtension(x509.ExtendedKeyUsageExtension)!.usages], [
    x509.ExtendedKeyUsage.serverAuth,
  ]);
  assert.deepEqual(permittedSubtrees(certificate), EXPECTED_SUBTREES);
  assert.ok(certificate.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId);
  assert.deepEqual(certificate.publicKey.algorithm, { name: "ECDSA", namedCurve: "P-256" });
  assert.equal(certificate.signatureAlgorithm.name, "ECDSA");
  assert.equal(certificate.notBefore.getTime(), NOW.getTime() - CLOCK_SKEW_MS);
  assert.equal(certificate.notAfter.getTime(), NOW.getTime() + CA_LIFETIME_MS);
}

Deno.test("createLocalCa() makes a self-signed constrained root, pathlen 1", async () => {
  const { root } = await createLocalCa("mybox", NOW);
  assert.ok(await root.isSelfSigned());
  assert.equal(root.subject, "O=zhttp, CN=zhttp local CA for mybox (2026-03-01)");
  checkCaTier(root, 1);
});

Deno.test("createLocalCa() makes an issuing CA signed by the root, pathlen 0, AKI = root SKI", async () => {
  const { root, issuer } = await createLocalCa("mybox", NOW);
  const certificate = issuer.certificate;
  assert.equal(certificate.subject, "O=zhttp, CN=zhttp issuing CA for mybox (2026-03-01)");
  assert.equal(certificate.issuer, root.subject);
  assert.ok(await certificate.verify({ publicKey: root.publicKey, signatureOnly: true }));
  checkCaTier(certificate, 0);
  assert.equal(
    certificate.getExtension(x509.AuthorityKeyIdentifierExtension)?.keyId,
    root.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId,
  );
});

Deno.test("createLocalCa() keeps a long machine name out of the CN's 64-character bound", async () => {
  const { root, issuer } = await createLocalCa("x".repeat(200), NOW);
  for (const certificate of [root, issuer.certificate]) {
    assert.ok(certificate.subjectName.getField("CN")[0].length <= 64);
  }
});

Deno.test("createLocalCa() names a machine without a name 'this computer'", async () => {
  const { root } = await createLocalCa(" ", NOW);
  assert.equal(root.subject, "O=zhttp, CN=zhttp local CA for this computer (2026-03-01)");
});

Deno.test("createLocalCa() gives each CA its own key and serial number", async () => {
  const [a, b] = await Promise.all([createLocalCa("mybox", NOW), createLocalCa("mybox", NOW)]);
  assert.notEqual(a.root.serialNumber, b.root.serialNumber);
  assert.notDeepEqual(a.root.publicKey.rawData, b.root.publicKey.rawData);
  assert.match(a.root.serialNumber, /^[0-7][0-9a-f]{31}$/);
});

Deno.test("loadOrCreateLocalCa() writes ca.crt (public) and issuing-ca.pem (0600) in a 0700 folder", async () => {
  await using made = await freshCa();
  const { folder, ca } = made;
  assert.equal(ca.created, true);
  assert.equal(ca.rootFile, path.join(folder, ROOT_FILE_NAME));
  assert.deepEqual((await Array.fromAsync(Deno.readDir(folder))).map((e) => e.name).sort(), [
    ROOT_FILE_NAME,
    ISSUER_FILE_NAME,
  ]);
  const rootText = await Deno.readTextFile(ca.rootFile);
  assert.deepEqual(parsePem(rootText).map((block) => block.label), ["CERTIFICATE"]);
  assert.deepEqual(parsePem(rootText)[0].der, new Uint8Array(ca.root.rawData));
  if (Deno.build.os !== "windows") {
    assert.equal((await Deno.stat(folder)).mode! & 0o777, 0o700);
    assert.equal((await Deno.stat(path.join(folder, ISSUER_FILE_NAME))).mode! & 0o777, 0o600);
    assert.equal((await Deno.stat(ca.rootFile)).mode! & 0o777, 0o644);
  }
});

Deno.test("loadOrCreateLocalCa() stores no key that can sign as the root", async () => {
  await using made = await freshCa();
  const rootKey = createPublicKey({
    key: Buffer.from(made.ca.root.publicKey.rawData),
    format: "der",
    type: "spki",
  });
  let keys = 0;
  for await (const entry of Deno.readDir(made.folder)) {
    for (const block of parsePem(await Deno.readTextFile(path.join(made.folder, entry.name)))) {
      if (!block.label.includes("PRIVATE KEY")) continue;
      keys++;
      const key = createPrivateKey({ key: Buffer.from(block.der!), format: "der", type: "pkcs8" });
      assert.ok(!createPublicKey(key).equals(rootKey), `${entry.name} holds the root's key`);
    }
  }
  assert.equal(keys, 1, "the issuing CA's key is the one key kept");
});

Deno.test("loadOrCreateLocalCa() loads the CA it made instead of making another", async () => {
  await using made = await freshCa();
  const later = new Date(NOW.getTime() + 400 * DAY_MS);
  const again = await loadOrCreateLocalCa(made.folder, { machine: "renamed", now: later });
  assert.equal(again.created, false);
  assert.deepEqual(again.root.rawData, made.ca.root.rawData);
  assert.deepEqual(again.issuer.certificate.rawData, made.ca.issuer.certificate.rawData);
  const probe = new Uint8Array([1, 2, 3]);
  const signature = await crypto.subtle.sign(
    { name: "ECDSA", hash: "SHA-256" },
    again.issuer.privateKey,
    probe,
  );
  const publicKey = await made.ca.issuer.certificate.publicKey.export();
  assert.ok(
    await crypto.subtle.verify({ name: "ECDSA", hash: "SHA-256" }, publicKey, signature, probe),
  );
});

Deno.test("loadOrCreateLocalCa() rewrites a missing or changed ca.crt from the CA file", async () => {
  await using made = await freshCa();
  await Deno.remove(made.ca.rootFile);
  await loadOrCreateLocalCa(made.folder, { machine: "mybox", now: NOW });
  const expected = parsePem(await Deno.readTextFile(made.ca.rootFile))[0].der;
  assert.deepEqual(expected, new Uint8Array(made.ca.root.rawData));
  await Deno.writeTextFile(made.ca.rootFile, "edited\n");
  await loadOrCreateLocalCa(made.folder, { machine: "mybox", now: NOW });
  assert.deepEqual(parsePem(await Deno.readTextFile(made.ca.rootFile))[0].der, expected);
});

Deno.test("loadOrCreateLocalCa() started 4 times at once leaves one CA that all of them use", async () => {
  await using temp = await tempFolder();
  const folder = path.join(temp.dir, "zhttp");
  const cas = await Promise.all(
    [1, 2, 3, 4].map(() => loadOrCreateLocalCa(folder, { machine: "mybox", now: NOW })),
  );
  assert.equal(cas.filter((ca) => ca.created).length, 1);
  for (const ca of cas) assert.equal(ca.root.serialNumber, cas[0].root.serialNumber);
  const reloaded = await loadOrCreateLocalCa(folder, { machine: "mybox", now: NOW });
  assert.equal(reloaded.root.serialNumber, cas[0].root.serialNumber);
  assert.deepEqual((await Array.fromAsync(Deno.readDir(folder))).map((e) => e.name).sort(), [
    ROOT_FILE_NAME,
    ISSUER_FILE_NAME,
  ]);
});

Deno.test("loadOrCreateLocalCa() in 3 processes starting together leaves one CA", async () => {
  await using temp = await tempFolder();
  const folder = path.join(temp.dir, "zhttp");
  const script = path.join(temp.dir, "start.ts");
  // Each process waits for the same moment, then makes or loads the CA.
  await Deno.writeTextFile(
    script,
    `import { loadOrCreateLocalCa } from ${
      JSON.stringify(new URL("../../lib/tls/local_ca.ts", import.meta.url).href)
    };
const startAt = Number(Deno.args[0]);
while (Date.now() < startAt) await new Promise((resolve) => setTimeout(resolve, 1));
const ca = await loadOrCreateLocalCa(${JSON.stringify(folder)}, { machine: "m", now: new Date() });
console.log(JSON.stringify({ serial: ca.root.serialNumber, created: ca.created }));`,
  );
  const config = new URL("../../deno.json", import.meta.url).pathname;
  const access = `--allow-read=${temp.dir},--allow-write=${temp.dir}`.split(",");
  const startAt = String(Date.now() + 2000);
  const results = await Promise.all(
    [1, 2, 3].map(() =>
      run(Deno.execPath(), ["run", "--no-prompt", "--config", config, ...access, script, startAt])
    ),
  );
  const starts = results.map((result) => {
    assert.equal(result.code, 0, result.stderr);
    return JSON.parse(result.stdout) as { serial: string; created: boolean };
  });
  assert.equal(starts.filter((start) => start.created).length, 1);
  assert.equal(new Set(starts.map((start) => start.serial)).size, 1);
  const stored = await loadOrCreateLocalCa(folder, { machine: "m", now: new Date() });
  assert.equal(stored.root.serialNumber, starts[0].serial);
});

Deno.test("loadOrCreateLocalCa() replaces a CA within 30 days of its end", async () => {
  await using made = await freshCa();
  const nearEnd = new Date(made.ca.root.notAfter.getTime() - 29 * DAY_MS);
  const renewed = await loadOrCreateLocalCa(made.folder, { machine: "mybox", now: nearEnd });
  assert.equal(renewed.created, true);
  assert.notEqual(renewed.root.serialNumber, made.ca.root.serialNumber);
  assert.equal(renewed.root.notBefore.getTime(), nearEnd.getTime() - CLOCK_SKEW_MS);
  const kept = await loadOrCreateLocalCa(made.folder, { machine: "mybox", now: nearEnd });
  assert.equal(kept.created, false);
  assert.equal(kept.root.serialNumber, renewed.root.serialNumber);
  const ca = parsePem(await Deno.readTextFile(made.ca.rootFile))[0].der;
  assert.deepEqual(ca, new Uint8Array(renewed.root.rawData));
});

/** Rewrites the CA file of a fresh CA with `edit(blocks)` and loads it again. */
async function loadEdited(
  edit: (text: string, other: string) => string,
): Promise<{ error: unknown; file: string }> {
  await using made = await freshCa();
  const file = path.join(made.folder, ISSUER_FILE_NAME);
  await using otherTemp = await tempFolder();
  await loadOrCreateLocalCa(otherTemp.dir, { machine: "other", now: NOW });
  const other = await Deno.readTextFile(path.join(otherTemp.dir, ISSUER_FILE_NAME));
  await Deno.writeTextFile(file, edit(await Deno.readTextFile(file), other));
  try {
    await loadOrCreateLocalCa(made.folder, { machine: "mybox", now: NOW });
    return { error: null, file };
  } catch (error) {
    return { error, file };
  }
}

/** The blocks of a CA file: [key, issuer, root]. */
function blocksOf(text: string): string[] {
  return text.match(/-----BEGIN [^-]+-----[^-]+-----END [^-]+-----\n/g) ?? [];
}

const damagedCases: {
  name: string;
  edit: (text: string, other: string) => string;
  reason: RegExp;
}[] = [
  {
    name: "text that is no PEM",
    edit: () => "hello\n",
    reason: /should hold a private key and two certificates/,
  },
  {
    name: "an empty file",
    edit: () => "",
    reason: /should hold a private key and two certificates/,
  },
  {
    name: "a file cut short",
    edit: (text) => text.slice(0, text.length / 2),
    reason: /should hold/,
  },
  { name: "the key alone", edit: (text) => blocksOf(text)[0], reason: /should hold/ },
  {
    name: "broken base64 in a certificate",
    edit: (text) => text.replace(/(CERTIFICATE-----\n)(.)/, "$1*"),
    reason: /should hold/,
  },
  {
    name: "a certificate that is no certificate",
    edit: (text) => {
      const [key, , root] = blocksOf(text);
      return key + "-----BEGIN CERTIFICATE-----\nYWJj\n-----END CERTIFICATE-----\n" + root;
    },
    reason: /is damaged \(a certificate or the key in it cannot be read\)/,
  },
  {
    name: "another CA's key",
    edit: (text, other) => blocksOf(other)[0] + blocksOf(text).slice(1).join(""),
    reason: /its key does not belong to its certificate/,
  },
  {
    name: "another CA's root",
    edit: (text, other) => blocksOf(text).slice(0, 2).join("") + blocksOf(other)[2],
    reason: /its certificates do not form a chain/,
  },
];

for (const { name, edit, reason } of damagedCases) {
  Deno.test(`loadOrCreateLocalCa() refuses a CA file holding ${name}, naming the file`, async () => {
    const { error, file } = await loadEdited(edit);
    assert.ok(error instanceof LocalCaError, `expected a LocalCaError, got ${error}`);
    assert.equal(error.file, file);
    assert.ok(error.message.includes(file));
    assert.match(error.message, reason);
    assert.match(error.message, /delete it to make a new one/);
    assert.match(error.message, /^[^\n]+\.$/);
  });
}

Deno.test("loadOrCreateLocalCa() refuses a CA file it cannot read, naming it", async () => {
  await using temp = await tempFolder();
  const file = path.join(temp.dir, ISSUER_FILE_NAME);
  await Deno.mkdir(file);
  await assert.rejects(
    loadOrCreateLocalCa(temp.dir, { machine: "mybox", now: NOW }),
    (error: unknown) => {
      assert.ok(error instanceof LocalCaError);
      assert.equal(
        error.message,
        `zhttp's local certificate authority ${file} cannot be read (it is a folder, not a file); ` +
          "delete it to make a new one (devices that trusted the old one must then trust the new one).",
      );
      return true;
    },
  );
});

Deno.test("loadOrCreateLocalCa() names the data folder when it cannot be made", async () => {
  await using temp = await tempFolder({ "a-file": "x" });
  const folder = path.join(temp.dir, "a-file", "zhttp");
  await assert.rejects(
    loadOrCreateLocalCa(folder, { machine: "mybox", now: NOW }),
    (error: unknown) => {
      assert.ok(error instanceof DataFolderError);
      assert.ok(error.message.startsWith(`cannot keep zhttp's certificates in ${folder}: `));
      assert.match(error.message, /^[^\n]+\.$/);
      return true;
    },
  );
});

Deno.test("loadOrCreateLocalCa() output reads back in openssl x509 -text and verify", {
  ignore: !installed("openssl"),
}, async () => {
  await using made = await freshCa();
  const text = await run("openssl", ["x509", "-in", made.ca.rootFile, "-noout", "-text"]);
  assert.equal(text.code, 0, text.stderr);
  for (
    const expected of [
      "Issuer: O = zhttp, CN = zhttp local CA for mybox (2026-03-01)",
      "Subject: O = zhttp, CN = zhttp local CA for mybox (2026-03-01)",
      "NIST CURVE: P-256",
      "Signature Algorithm: ecdsa-with-SHA256",
      /X509v3 Basic Constraints: critical\s+CA:TRUE, pathlen:1/,
      /X509v3 Key Usage: critical\s+Certificate Sign, CRL Sign/,
      /X509v3 Extended Key Usage: \s*TLS Web Server Authentication/,
      /X509v3 Name Constraints: critical\s+Permitted:\s+DNS:localhost\s+DNS:local\s+DNS:home.arpa\s+IP:127.0.0.0\/255.0.0.0\s+IP:10.0.0.0\/255.0.0.0\s+IP:172.16.0.0\/255.240.0.0\s+IP:192.168.0.0\/255.255.0.0\s+IP:169.254.0.0\/255.255.0.0\s+IP:0:0:0:0:0:0:0:1\/FFFF:FFFF:FFFF:FFFF:FFFF:FFFF:FFFF:FFFF\s+IP:FC00:0:0:0:0:0:0:0\/FE00:0:0:0:0:0:0:0\s+IP:FE80:0:0:0:0:0:0:0\/FFC0:0:0:0:0:0:0:0\n\s+X509v3 Subject Key Identifier/,
      "Not After : Feb 27 12:00:00 2036 GMT",
    ]
  ) {
    if (typeof expected === "string") assert.ok(text.stdout.includes(expected), expected);
    else assert.match(text.stdout, expected);
  }
  assert.doesNotMatch(text.stdout, /Excluded:/);

  const issuerPem = blocksOf(await Deno.readTextFile(path.join(made.folder, ISSUER_FILE_NAME)))[1];
  await using temp = await tempFolder({ "issuer.pem": issuerPem });
  const issuerFile = path.join(temp.dir, "issuer.pem");
  const issuerText = await run("openssl", ["x509", "-in", issuerFile, "-noout", "-text"]);
  assert.match(issuerText.stdout, /CA:TRUE, pathlen:0/);
  assert.match(issuerText.stdout, /X509v3 Name Constraints: critical/);
  const verify = await run("openssl", ["verify", "-CAfile", made.ca.rootFile, issuerFile]);
  assert.equal(verify.stdout.trim(), `${issuerFile}: OK`, verify.stderr);
});

Deno.test("loadOrCreateLocalCa() says so when Deno's permissions keep it out of the folder", async () => {
  await using temp = await tempFolder();
  const folder = path.join(temp.dir, "zhttp");
  const script = path.join(temp.dir, "no_write.ts");
  await Deno.writeTextFile(
    script,
    `import { loadOrCreateLocalCa } from ${
      JSON.stringify(new URL("../../lib/tls/local_ca.ts", import.meta.url).href)
    };
try { await loadOrCreateLocalCa(${JSON.stringify(folder)}, { machine: "m", now: new Date() }); }
catch (error) { console.log(error.message); }`,
  );
  const config = new URL("../../deno.json", import.meta.url).pathname;
  const result = await run(Deno.execPath(), ["run", "--no-prompt", "--config", config, script]);
  assert.equal(
    result.stdout.trim(),
    `cannot keep zhttp's certificates in ${folder}: zhttp was started without access to it.`,
    result.stderr,
  );
});
