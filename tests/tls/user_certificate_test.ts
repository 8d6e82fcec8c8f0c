/**
 * loadUserCertificate(): the user's own PEM files (--tls-cert, --tls-key). Every key form
 * OpenSSL writes is accepted; every bad file is one TlsSetupError sentence naming it.
 */
import assert from "node:assert/strict";
import path from "node:path";
import { Buffer } from "node:buffer";
import { createPrivateKey } from "node:crypto";
import * as x509 from "../../lib/tls/x509.ts";
import {
  CertificateExpiredError,
  CertificateNotYetValidError,
  EncryptedPrivateKeyError,
  KeyMismatchError,
  NotACertificateError,
  NotAPrivateKeyError,
  NotPemError,
  TlsFileUnreadableError,
  TlsSetupError,
} from "../../lib/tls/errors.ts";
import { certificateToPem, DAY_MS } from "../../lib/tls/local_ca.ts";
import { privateKeyToPem } from "../../lib/tls/keys.ts";
import { loadUserCertificate } from "../../lib/tls/user_certificate.ts";
import { type Files, tempFolder } from "../support/static_site.ts";
import { serveTls } from "../support/tls.ts";

const NOW = new Date("2026-03-01T12:00:00Z");
const EC = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" };
const RSA = {
  name: "RSASSA-PKCS1-v1_5",
  modulusLength: 2048,
  publicExponent: new Uint8Array([1, 0, 1]),
  hash: "SHA-256",
};

/** A self-signed server certificate for localhost and its key. */
async function selfSigned(
  algorithm: typeof EC | typeof RSA,
  validity: { from: number; to: number } = { from: -1, to: 30 },
  base: Date = NOW,
) {
  const keys = await crypto.subtle.generateKey(algorithm, true, ["sign", "verify"]);
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    name: "CN=localhost",
    notBefore: new Date(base.getTime() + validity.from * DAY_MS),
    notAfter: new Date(base.getTime() + validity.to * DAY_MS),
    keys,
    signingAlgorithm: algorithm,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.SubjectAlternativeNameExtension([{ type: "dns", value: "localhost" }]),
    ],
  });
  const pkcs8 = await privateKeyToPem(keys.privateKey);
  return { certificate, cert: certificateToPem(certificate), key: pkcs8 };
}

/** The same key in another form OpenSSL writes ("sec1" or "pkcs1"). */
function reencode(pkcs8: string, type: "sec1" | "pkcs1"): string {
  return createPrivateKey(pkcs8).export({ type, format: "pem" }).toString();
}

const ec = await selfSigned(EC);
const otherEc = await selfSigned(EC);
const rsa = await selfSigned(RSA);
const expired = await selfSigned(EC, { from: -60, to: -1 });
const notYetValid = await selfSigned(EC, { from: 2, to: 30 });

/** Writes `files` to a temporary folder and loads cert.pem and key.pem (or the given names). */
async function load(files: Files, names: { cert?: string; key?: string } = {}, now = NOW) {
  await using temp = await tempFolder(files);
  const certFile = path.join(temp.dir, names.cert ?? "cert.pem");
  const keyFile = path.join(temp.dir, names.key ?? "key.pem");
  try {
    return { loaded: await loadUserCertificate({ certFile, keyFile }, now), certFile, keyFile };
  } catch (error) {
    return { error, certFile, keyFile };
  }
}

const goodCases: { name: string; files: () => Files; names?: { cert?: string; key?: string } }[] = [
  {
    name: "a P-256 certificate with a PKCS#8 key",
    files: () => ({ "cert.pem": ec.cert, "key.pem": ec.key }),
  },
  {
    name: "a SEC 1 EC key after its EC PARAMETERS block (openssl ecparam -genkey)",
    files: () => ({
      "cert.pem": ec.cert,
      "key.pem": "-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n" +
        reencode(ec.key, "sec1"),
    }),
  },
  {
    name: "an RSA certificate with a PKCS#8 key",
    files: () => ({ "cert.pem": rsa.cert, "key.pem": rsa.key }),
  },
  {
    name: "a PKCS#1 RSA key (openssl genrsa -traditional)",
    files: () => ({ "cert.pem": rsa.cert, "key.pem": reencode(rsa.key, "pkcs1") }),
  },
  {
    name: "key and certificate in one file given twice",
    files: () => ({ "both.pem": ec.key + ec.cert }),
    names: { cert: "both.pem", key: "both.pem" },
  },
  {
    name: "CRLF line ends and text around the blocks",
    files: () => ({
      "cert.pem": `subject=CN = localhost\r\n${ec.cert.replaceAll("\n", "\r\n")}`,
      "key.pem": ec.key.replaceAll("\n", "\r\n"),
    }),
  },
];

for (const { name, files, names } of goodCases) {
  Deno.test(`loadUserCertificate() accepts ${name}`, async () => {
    const { loaded, error } = await load(files(), names);
    assert.equal(error, undefined);
    assert.deepEqual(loaded!.leaf.names, ["localhost"]);
  });
}

Deno.test("loadUserCertificate() keeps the whole chain, leaf first, and the leaf's facts", async () => {
  const { loaded } = await load({ "cert.pem": ec.cert + otherEc.cert, "key.pem": ec.key });
  assert.equal(loaded!.certificatePem, ec.cert + otherEc.cert);
  assert.equal(loaded!.leaf.notAfter.getTime(), ec.certificate.notAfter.getTime());
  assert.equal(loaded!.leaf.notBefore.getTime(), ec.certificate.notBefore.getTime());
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", ec.certificate.rawData));
  assert.equal(
    loaded!.leaf.sha256Fingerprint,
    Buffer.from(digest).toString("hex").toUpperCase().match(/../g)!.join(":"),
  );
  assert.equal(loaded!.leaf.subject, "CN=localhost");
});

Deno.test("loadUserCertificate() hands Deno.listenTls only the key's own block", async () => {
  // Valid now, for the TLS client's own clock.
  const now = new Date();
  const liveEc = await selfSigned(EC, undefined, now);
  const liveRsa = await selfSigned(RSA, undefined, now);
  const sec1 = "-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n" +
    reencode(liveEc.key, "sec1");
  for (const [cert, key] of [[liveEc.cert, sec1], [liveRsa.cert, reencode(liveRsa.key, "pkcs1")]]) {
    const { loaded } = await load({ "cert.pem": `note\n${cert}`, "key.pem": key }, {}, now);
    assert.match(
      loaded!.privateKeyPem,
      /^-----BEGIN (EC|RSA) PRIVATE KEY-----\n[^-]+-----END \1 PRIVATE KEY-----\n$/,
    );
    await using server = serveTls({ cert: loaded!.certificatePem, key: loaded!.privateKeyPem });
    using conn = await Deno.connectTls({
      hostname: "localhost",
      port: server.port,
      caCerts: [cert],
    });
    await conn.handshake();
  }
});

const LEGACY_ENCRYPTED = "-----BEGIN EC PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\n" +
  "DEK-Info: AES-128-CBC,A3EF7B1DC097BA23099C9DA73C3BB306\n\nYWJj\n-----END EC PRIVATE KEY-----\n";

const badCases: {
  name: string;
  files: () => Files;
  names?: { cert?: string; key?: string };
  error: new (...args: never[]) => TlsSetupError;
  message: (files: { certFile: string; keyFile: string }) => string;
}[] = [
  {
    name: "a missing certificate file",
    files: () => ({ "key.pem": ec.key }),
    error: TlsFileUnreadableError,
    message: ({ certFile }) =>
      `cannot read the TLS certificate file ${certFile}: there is no such file.`,
  },
  {
    name: "a missing key file",
    files: () => ({ "cert.pem": ec.cert }),
    error: TlsFileUnreadableError,
    message: ({ keyFile }) => `cannot read the TLS key file ${keyFile}: there is no such file.`,
  },
  {
    name: "a folder given as the certificate",
    files: () => ({ "cert.pem/": "", "key.pem": ec.key }),
    error: TlsFileUnreadableError,
    message: ({ certFile }) =>
      `cannot read the TLS certificate file ${certFile}: it is a folder, not a file.`,
  },
  {
    name: "an empty certificate file",
    files: () => ({ "cert.pem": "", "key.pem": ec.key }),
    error: NotPemError,
    message: ({ certFile }) =>
      `the TLS certificate file ${certFile} is not in PEM format: it has no "-----BEGIN CERTIFICATE-----" line.`,
  },
  {
    name: "a binary DER certificate",
    files: () => ({ "cert.pem": new Uint8Array(ec.certificate.rawData), "key.pem": ec.key }),
    error: NotPemError,
    message: ({ certFile }) =>
      `the TLS certificate file ${certFile} is not in PEM format: it has no "-----BEGIN CERTIFICATE-----" line.`,
  },
  {
    name: "a key file of plain text",
    files: () => ({ "cert.pem": ec.cert, "key.pem": "hunter2\n" }),
    error: NotPemError,
    message: ({ keyFile }) =>
      `the TLS key file ${keyFile} is not in PEM format: it has no "-----BEGIN PRIVATE KEY-----" line.`,
  },
  {
    name: "the key given as the certificate",
    files: () => ({ "cert.pem": ec.key, "key.pem": ec.key }),
    error: NotACertificateError,
    message: ({ certFile }) =>
      `the TLS certificate file ${certFile} holds no certificate, only a "PRIVATE KEY" block; it looks like the key file.`,
  },
  {
    name: "a certificate request instead of a certificate",
    files: () => ({
      "cert.pem": "-----BEGIN CERTIFICATE REQUEST-----\nYWJj\n-----END CERTIFICATE REQUEST-----\n",
      "key.pem": ec.key,
    }),
    error: NotACertificateError,
    message: ({ certFile }) =>
      `the TLS certificate file ${certFile} holds no certificate, only a "CERTIFICATE REQUEST" block.`,
  },
  {
    name: "a certificate with broken base64",
    files: () => ({ "cert.pem": ec.cert.replace(/\n[A-Za-z0-9+/]/, "\n*"), "key.pem": ec.key }),
    error: NotACertificateError,
    message: ({ certFile }) =>
      `the TLS certificate file ${certFile} is damaged: the base64 of its certificate is broken.`,
  },
  {
    name: "a CERTIFICATE block that is no certificate",
    files: () => ({
      "cert.pem": "-----BEGIN CERTIFICATE-----\nMAMCAQE=\n-----END CERTIFICATE-----\n",
      "key.pem": ec.key,
    }),
    error: NotACertificateError,
    message: ({ certFile }) =>
      `the TLS certificate file ${certFile} is damaged: its certificate is not a valid X.509 certificate.`,
  },
  {
    name: "a chain whose second certificate is cut",
    files: () => ({
      "cert.pem": ec.cert + otherEc.cert.replace(/\n[A-Za-z0-9+/]{64}\n/, "\n"),
      "key.pem": ec.key,
    }),
    error: NotACertificateError,
    message: ({ certFile }) =>
      `the TLS certificate file ${certFile} is damaged: certificate 2 is not a valid X.509 certificate.`,
  },
  {
    name: "the certificate given as the key",
    files: () => ({ "cert.pem": ec.cert, "key.pem": ec.cert }),
    error: NotAPrivateKeyError,
    message: ({ keyFile }) =>
      `the TLS key file ${keyFile} holds no private key, only a "CERTIFICATE" block; it looks like the certificate file.`,
  },
  {
    name: "a public key instead of the private one",
    files: () => ({
      "cert.pem": ec.cert,
      "key.pem": "-----BEGIN PUBLIC KEY-----\nYWJj\n-----END PUBLIC KEY-----\n",
    }),
    error: NotAPrivateKeyError,
    message: ({ keyFile }) =>
      `the TLS key file ${keyFile} holds no private key, only a "PUBLIC KEY" block.`,
  },
  {
    name: "a PRIVATE KEY block that is no key",
    files: () => ({
      "cert.pem": ec.cert,
      "key.pem": "-----BEGIN PRIVATE KEY-----\nYWJjZGVm\n-----END PRIVATE KEY-----\n",
    }),
    error: NotAPrivateKeyError,
    message: ({ keyFile }) =>
      `the TLS key file ${keyFile} holds a "PRIVATE KEY" block that is not a private key zhttp can read.`,
  },
  {
    name: "a key with broken base64",
    files: () => ({ "cert.pem": ec.cert, "key.pem": ec.key.replace(/\n[A-Za-z0-9+/]/, "\n*") }),
    error: NotAPrivateKeyError,
    message: ({ keyFile }) =>
      `the TLS key file ${keyFile} is damaged: the base64 of its key is broken.`,
  },
  {
    name: "a PKCS#8 key encrypted with a passphrase",
    files: () => ({
      "cert.pem": ec.cert,
      "key.pem": createPrivateKey(ec.key).export({
        type: "pkcs8",
        format: "pem",
        cipher: "aes-256-cbc",
        passphrase: "secret",
      }).toString(),
    }),
    error: EncryptedPrivateKeyError,
    message: ({ keyFile }) =>
      `the private key in ${keyFile} is protected by a passphrase, which zhttp cannot ask for; ` +
      `save a copy without one (openssl pkey -in ${keyFile} -out key.pem) and use that.`,
  },
  {
    name: "a legacy encrypted key (Proc-Type: 4,ENCRYPTED)",
    files: () => ({ "cert.pem": ec.cert, "key.pem": LEGACY_ENCRYPTED }),
    error: EncryptedPrivateKeyError,
    message: ({ keyFile }) =>
      `the private key in ${keyFile} is protected by a passphrase, which zhttp cannot ask for; ` +
      `save a copy without one (openssl pkey -in ${keyFile} -out key.pem) and use that.`,
  },
  {
    name: "another certificate's key",
    files: () => ({ "cert.pem": ec.cert, "key.pem": otherEc.key }),
    error: KeyMismatchError,
    message: ({ certFile, keyFile }) =>
      `the private key in ${keyFile} does not belong to the certificate in ${certFile}.`,
  },
  {
    name: "an RSA key for an EC certificate",
    files: () => ({ "cert.pem": ec.cert, "key.pem": reencode(rsa.key, "pkcs1") }),
    error: KeyMismatchError,
    message: ({ certFile, keyFile }) =>
      `the private key in ${keyFile} does not belong to the certificate in ${certFile}.`,
  },
  {
    name: "a chain whose first certificate is not the key's",
    files: () => ({ "cert.pem": otherEc.cert + ec.cert, "key.pem": ec.key }),
    error: KeyMismatchError,
    message: ({ certFile, keyFile }) =>
      `the private key in ${keyFile} does not belong to the certificate in ${certFile}.`,
  },
  {
    name: "an expired certificate",
    files: () => ({ "cert.pem": expired.cert, "key.pem": expired.key }),
    error: CertificateExpiredError,
    message: ({ certFile }) =>
      `the certificate in ${certFile} expired on 2026-02-28 12:00 UTC; renew it.`,
  },
  {
    name: "a certificate not yet valid",
    files: () => ({ "cert.pem": notYetValid.cert, "key.pem": notYetValid.key }),
    error: CertificateNotYetValidError,
    message: ({ certFile }) =>
      `the certificate in ${certFile} is not valid before 2026-03-03 12:00 UTC; check this computer's clock.`,
  },
];

for (const { name, files, names, error: errorClass, message } of badCases) {
  Deno.test(`loadUserCertificate() refuses ${name} in one sentence naming the file`, async () => {
    const { error, loaded, ...paths } = await load(files(), names);
    assert.equal(loaded, undefined);
    assert.ok(error instanceof errorClass, `expected ${errorClass.name}, got ${error}`);
    assert.ok(error instanceof TlsSetupError);
    assert.equal(error.name, errorClass.name);
    assert.equal(error.message, message(paths));
    assert.doesNotMatch(error.message, /\n/);
  });
}
