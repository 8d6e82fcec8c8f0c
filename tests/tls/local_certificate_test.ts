/**
 * prepareLocalCertificate() as the server will use it, checked by real clients: the
 * facts for the banner, `openssl verify` for every name, Deno.connectTls and curl over
 * real sockets on 127.0.0.1 and ::1; and the name constraints at work: a leaf for a
 * public name signed with the same key on disk is refused by openssl, Deno and curl.
 */
import assert from "node:assert/strict";
import path from "node:path";
import * as x509 from "../../lib/tls/x509.ts";
import { issueLeaf, LEAF_FILE_NAME, LEAF_LIFETIME_MS } from "../../lib/tls/leaf.ts";
import {
  certificateToPem,
  CLOCK_SKEW_MS,
  ISSUER_FILE_NAME,
  loadOrCreateLocalCa,
  nameConstraintsExtension,
  ROOT_FILE_NAME,
} from "../../lib/tls/local_ca.ts";
import { SIGNING_ALGORITHM } from "../../lib/tls/keys.ts";
import { type LocalCertificate, prepareLocalCertificate } from "../../lib/tls/local_certificate.ts";
import type { LeafNames } from "../../lib/tls/local_names.ts";
import { parsePem } from "../../lib/tls/pem.ts";
import { tempFolder } from "../support/static_site.ts";
import { installed, run } from "../support/programs.ts";
import { serveTls, splitCertificates } from "../support/tls.ts";

const HAS_OPENSSL = installed("openssl");
const HAS_CURL = installed("curl");
const LAN = ["192.168.1.20", "fd00::20"];

/** A local certificate made in a fresh data folder, and the files openssl and curl read. */
async function prepared(lanAddresses: string[] = LAN) {
  const temp = await tempFolder();
  const folder = path.join(temp.dir, "zhttp");
  const local = await prepareLocalCertificate({ folder, hostname: "mybox", lanAddresses });
  const [leafPem, issuerPem] = splitCertificates(local.certificatePem);
  await Deno.writeTextFile(path.join(temp.dir, "leaf.pem"), leafPem);
  await Deno.writeTextFile(path.join(temp.dir, "issuer.pem"), issuerPem);
  return {
    local,
    folder,
    dir: temp.dir,
    caFile: local.ca.file,
    leafFile: path.join(temp.dir, "leaf.pem"),
    issuerFile: path.join(temp.dir, "issuer.pem"),
    [Symbol.asyncDispose]: () => temp[Symbol.asyncDispose](),
  };
}

/** A leaf for `names` signed with the issuing CA's key as stored on disk: what a thief has. */
async function stolenKeyLeaf(folder: string, names: LeafNames) {
  const ca = await loadOrCreateLocalCa(folder, { machine: "mybox", now: new Date() });
  assert.equal(ca.created, false, "the thief uses the existing CA");
  const leaf = await issueLeaf(ca.issuer, names, new Date());
  return {
    cert: certificateToPem(leaf.certificate) + certificateToPem(ca.issuer.certificate),
    key: leaf.privateKeyPem,
    leafPem: certificateToPem(leaf.certificate),
  };
}

Deno.test("prepareLocalCertificate() gives the banner the leaf's names and expiry and the CA's file", async () => {
  const before = Date.now();
  await using made = await prepared();
  const { local } = made;
  assert.deepEqual(local.leaf.names, [
    "localhost",
    "mybox.local",
    "127.0.0.1",
    "::1",
    "192.168.1.20",
    "fd00::20",
  ]);
  assert.deepEqual(local.leftOut, ["mybox"]);
  assert.equal(local.reissued, true);
  // Certificates keep whole seconds.
  const lifetime = local.leaf.notAfter.getTime() - local.leaf.notBefore.getTime();
  assert.equal(lifetime, LEAF_LIFETIME_MS + CLOCK_SKEW_MS);
  assert.ok(local.leaf.notBefore.getTime() >= before - CLOCK_SKEW_MS - 1000);
  assert.ok(local.leaf.notBefore.getTime() <= Date.now() - CLOCK_SKEW_MS);
  assert.equal(local.ca.file, path.join(made.folder, ROOT_FILE_NAME));
  assert.equal(local.ca.created, true);
  assert.match(local.ca.subject, /^O=zhttp, CN=zhttp local CA for mybox \(\d{4}-\d\d-\d\d\)$/);
  assert.match(local.ca.sha256Fingerprint, /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
  assert.equal(local.ca.certificatePem, await Deno.readTextFile(local.ca.file));
  assert.deepEqual(local.ca.certificateDer, parsePem(local.ca.certificatePem)[0].der);
  assert.doesNotMatch(local.ca.certificatePem, /PRIVATE KEY/);
  // The chain served: the leaf, then the issuing CA; the root is the client's own.
  const chain = splitCertificates(local.certificatePem).map((pem) => new x509.X509Certificate(pem));
  assert.deepEqual(chain.map((certificate) => certificate.issuer), [
    chain[1].subject,
    local.ca.subject,
  ]);
  assert.match(local.privateKeyPem, /^-----BEGIN PRIVATE KEY-----\n/);
  assert.deepEqual(
    (await Array.fromAsync(Deno.readDir(made.folder))).map((entry) => entry.name).sort(),
    [ROOT_FILE_NAME, ISSUER_FILE_NAME, LEAF_FILE_NAME].sort(),
  );
});

Deno.test("prepareLocalCertificate() at the next start reuses the CA and the leaf", async () => {
  await using made = await prepared();
  const again: LocalCertificate = await prepareLocalCertificate({
    folder: made.folder,
    hostname: "mybox",
    lanAddresses: LAN,
  });
  assert.equal(again.reissued, false);
  assert.equal(again.ca.created, false);
  assert.equal(again.certificatePem, made.local.certificatePem);
  assert.equal(again.privateKeyPem, made.local.privateKeyPem);
  assert.equal(again.ca.sha256Fingerprint, made.local.ca.sha256Fingerprint);
  const withoutLan = await prepareLocalCertificate({ folder: made.folder, hostname: "mybox" });
  assert.equal(withoutLan.reissued, true);
  assert.equal(withoutLan.ca.created, false);
  assert.deepEqual(withoutLan.leaf.names, ["localhost", "mybox.local", "127.0.0.1", "::1"]);
});

Deno.test("prepareLocalCertificate() fingerprint and dates agree with openssl", {
  ignore: !HAS_OPENSSL,
}, async () => {
  await using made = await prepared();
  const ca = await run("openssl", [
    "x509",
    "-in",
    made.caFile,
    "-noout",
    "-fingerprint",
    "-sha256",
  ]);
  assert.equal(ca.stdout.trim(), `sha256 Fingerprint=${made.local.ca.sha256Fingerprint}`);
  const leaf = await run("openssl", ["x509", "-in", made.leafFile, "-noout", "-enddate"]);
  const end = new Date(leaf.stdout.trim().replace("notAfter=", ""));
  assert.equal(end.getTime(), Math.floor(made.local.leaf.notAfter.getTime() / 1000) * 1000);
});

Deno.test(
  "openssl verify accepts the leaf for each of its names",
  { ignore: !HAS_OPENSSL },
  async () => {
    await using made = await prepared();
    const base = ["verify", "-CAfile", made.caFile, "-untrusted", made.issuerFile];
    for (const name of ["localhost", "mybox.local"]) {
      const result = await run("openssl", [...base, "-verify_hostname", name, made.leafFile]);
      assert.equal(result.stdout.trim(), `${made.leafFile}: OK`, `${name}: ${result.stderr}`);
    }
    for (const address of ["127.0.0.1", "::1", ...LAN]) {
      const result = await run("openssl", [...base, "-verify_ip", address, made.leafFile]);
      assert.equal(result.stdout.trim(), `${made.leafFile}: OK`, `${address}: ${result.stderr}`);
    }
    const wrong = await run("openssl", [...base, "-verify_hostname", "other.local", made.leafFile]);
    assert.notEqual(wrong.code, 0, "a name the leaf lacks is refused");
  },
);

const publicNames: { name: string; names: LeafNames }[] = [
  { name: "example.com", names: { dns: ["example.com"], ips: [] } },
  { name: "8.8.8.8", names: { dns: [], ips: ["8.8.8.8"] } },
  { name: "2001:4860:4860::8888", names: { dns: [], ips: ["2001:4860:4860::8888"] } },
  { name: "localhost plus example.com", names: { dns: ["localhost", "example.com"], ips: [] } },
  { name: "a bare machine name", names: { dns: ["mybox"], ips: [] } },
  { name: "a name ending in local but not under it", names: { dns: ["evillocal"], ips: [] } },
];

for (const { name, names } of publicNames) {
  Deno.test(`openssl verify refuses a leaf for ${name} signed with the stored CA key`, {
    ignore: !HAS_OPENSSL,
  }, async () => {
    await using made = await prepared();
    const rogue = await stolenKeyLeaf(made.folder, names);
    const rogueFile = path.join(made.dir, "rogue.pem");
    await Deno.writeTextFile(rogueFile, rogue.leafPem);
    const result = await run("openssl", [
      "verify",
      "-CAfile",
      made.caFile,
      "-untrusted",
      made.issuerFile,
      rogueFile,
    ]);
    assert.notEqual(result.code, 0);
    assert.match(result.stdout + result.stderr, /permitted subtree violation/);
  });
}

/** A root made like the local CA's (whose real key is gone), with its key kept for a test. */
async function rootWithKey() {
  const keys = await crypto.subtle.generateKey(SIGNING_ALGORITHM, false, ["sign", "verify"]);
  const root = await x509.X509CertificateGenerator.createSelfSigned({
    name: "CN=constrained root",
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 86_400_000),
    keys,
    signingAlgorithm: SIGNING_ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(true, 1, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign, true),
      nameConstraintsExtension(),
    ],
  });
  return { certificate: root, privateKey: keys.privateKey };
}

Deno.test("openssl verify refuses a public name even when the root itself signs it", {
  ignore: !HAS_OPENSSL,
}, async () => {
  // The root's own constraints, for verifiers that read them in a trust anchor.
  const issuer = await rootWithKey();
  const root = issuer.certificate;
  await using temp = await tempFolder({ "root.pem": certificateToPem(root) });
  for (
    const [names, accepted] of [[{ dns: ["localhost"], ips: [] }, true], [
      { dns: ["example.com"], ips: [] },
      false,
    ]] as const
  ) {
    const leaf = await issueLeaf(issuer, names, new Date());
    const file = path.join(temp.dir, "leaf.pem");
    await Deno.writeTextFile(file, certificateToPem(leaf.certificate));
    const result = await run("openssl", [
      "verify",
      "-CAfile",
      path.join(temp.dir, "root.pem"),
      file,
    ]);
    assert.equal(result.code === 0, accepted, `${names.dns}: ${result.stdout}${result.stderr}`);
  }
});

Deno.test("Deno.connectTls() refuses a public name even when the root itself signs it", async () => {
  const issuer = await rootWithKey();
  const leaf = await issueLeaf(issuer, { dns: ["localhost", "example.com"], ips: [] }, new Date());
  const cert = certificateToPem(leaf.certificate);
  await using server = serveTls({ cert, key: leaf.privateKeyPem });
  await assert.rejects(
    fetchOverTls(server.port, "localhost", [certificateToPem(issuer.certificate)]),
    /NameConstraintViolation/,
  );
});

/** Connects with Deno's TLS client trusting only `caCerts`, and returns the page. */
async function fetchOverTls(
  port: number,
  hostname: string,
  caCerts: string[],
): Promise<string> {
  using conn = await Deno.connectTls({ hostname, port, caCerts });
  await conn.handshake();
  const request = new TextEncoder().encode(`GET / HTTP/1.1\r\nHost: ${hostname}\r\n\r\n`);
  await conn.write(request);
  let text = "";
  const buffer = new Uint8Array(4096);
  for (;;) {
    const count = await conn.read(buffer).catch(() => null);
    if (count === null) return text;
    text += new TextDecoder().decode(buffer.subarray(0, count));
  }
}

for (
  const [listenOn, connectTo] of [["127.0.0.1", "localhost"], ["127.0.0.1", "127.0.0.1"], [
    "::1",
    "::1",
  ]]
) {
  Deno.test(`Deno.connectTls() trusting the CA accepts the leaf at ${connectTo}`, async () => {
    await using made = await prepared();
    const { certificatePem: cert, privateKeyPem: key } = made.local;
    await using server = serveTls({ cert, key, hostname: listenOn, page: "zhttp over TLS" });
    const ca = made.local.ca.certificatePem;
    const response = await fetchOverTls(server.port, connectTo, [ca]);
    assert.match(response, /^HTTP\/1\.1 200 OK\r\n/);
    assert.ok(response.endsWith("zhttp over TLS"));
    assert.equal(server.handshakes, 1);
  });
}

Deno.test("Deno.connectTls() refuses the leaf when the CA is not trusted", async () => {
  await using made = await prepared();
  await using other = await prepared();
  const { certificatePem: cert, privateKeyPem: key } = made.local;
  await using server = serveTls({ cert, key });
  await assert.rejects(
    fetchOverTls(server.port, "localhost", [other.local.ca.certificatePem]),
    /UnknownIssuer|invalid peer certificate/,
  );
  assert.equal(server.handshakes, 0);
});

for (
  const [name, names, connectTo] of [
    ["localhost plus example.com", { dns: ["localhost", "example.com"], ips: [] }, "localhost"],
    ["127.0.0.1 plus 8.8.8.8", { dns: [], ips: ["127.0.0.1", "8.8.8.8"] }, "127.0.0.1"],
  ] as const
) {
  Deno.test(`Deno.connectTls() refuses a stolen-key leaf for ${name} (name constraints)`, async () => {
    await using made = await prepared();
    const rogue = await stolenKeyLeaf(made.folder, names);
    await using server = serveTls({ cert: rogue.cert, key: rogue.key });
    await assert.rejects(
      fetchOverTls(server.port, connectTo, [made.local.ca.certificatePem]),
      /NameConstraintViolation/,
    );
    assert.equal(server.handshakes, 0);
  });
}

Deno.test("curl --cacert accepts the leaf at localhost, 127.0.0.1, [::1] and mybox.local", {
  ignore: !HAS_CURL,
}, async () => {
  await using made = await prepared();
  const { certificatePem: cert, privateKeyPem: key } = made.local;
  await using v4 = serveTls({ cert, key, page: "over curl" });
  await using v6 = serveTls({ cert, key, hostname: "::1", page: "over curl" });
  const urls: [string, string[]][] = [
    [`https://localhost:${v4.port}/`, ["--resolve", `localhost:${v4.port}:127.0.0.1`]],
    [`https://127.0.0.1:${v4.port}/`, []],
    [`https://[::1]:${v6.port}/`, []],
    [`https://mybox.local:${v4.port}/`, ["--resolve", `mybox.local:${v4.port}:127.0.0.1`]],
  ];
  for (const [url, extra] of urls) {
    const result = await run("curl", [
      "--silent",
      "--show-error",
      "--cacert",
      made.caFile,
      ...extra,
      url,
    ]);
    assert.equal(result.code, 0, `${url}: ${result.stderr}`);
    assert.equal(result.stdout, "over curl");
  }
});

Deno.test("curl --cacert refuses a stolen-key leaf for example.com", {
  ignore: !HAS_CURL,
}, async () => {
  await using made = await prepared();
  const rogue = await stolenKeyLeaf(made.folder, { dns: ["example.com"], ips: [] });
  await using server = serveTls({ cert: rogue.cert, key: rogue.key });
  const result = await run("curl", [
    "--silent",
    "--show-error",
    "--cacert",
    made.caFile,
    "--resolve",
    `example.com:${server.port}:127.0.0.1`,
    `https://example.com:${server.port}/`,
  ]);
  assert.equal(result.code, 60, result.stderr);
  assert.match(result.stderr, /permitted subtree violation/);
});
