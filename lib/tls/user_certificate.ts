/**
 * The user's own certificate and key (`--tls-cert FILE --tls-key FILE`), checked at
 * startup so that every mistake is one sentence naming the file, instead of a handshake
 * failure in a browser later: unreadable files, files that are not PEM, a certificate
 * file without a certificate, a key file without a usable key, a key of another
 * certificate, a certificate expired or not yet valid.
 */
import { Buffer } from "node:buffer";
import { createPrivateKey, createPublicKey, type KeyObject } from "node:crypto";
import { type CertificateFacts, certificateFacts } from "./certificate_facts.ts";
import {
  CertificateExpiredError,
  CertificateNotYetValidError,
  EncryptedPrivateKeyError,
  KeyMismatchError,
  NotACertificateError,
  NotAPrivateKeyError,
  NotPemError,
  readFailureReason,
  type TlsFileRole,
  TlsFileUnreadableError,
} from "./errors.ts";
import { CERTIFICATE_LABEL, certificateToPem } from "./local_ca.ts";
import { encodePem, parsePem, type PemBlock } from "./pem.ts";
import * as x509 from "./x509.ts";

/**
 * The labels of unencrypted private keys that Deno.listenTls accepts: PKCS#8 (RFC 7468
 * §10), SEC 1 EC keys (RFC 5915) and PKCS#1 RSA keys (RFC 8017), as OpenSSL writes them.
 */
export const PRIVATE_KEY_LABELS: readonly string[] = [
  "PRIVATE KEY",
  "EC PRIVATE KEY",
  "RSA PRIVATE KEY",
];
const ENCRYPTED_KEY_LABEL = "ENCRYPTED PRIVATE KEY";

/** A checked certificate and key, ready for Deno.listenTls({ cert, key }). */
export interface UserCertificate {
  /** Every certificate of the certificate file, leaf first (the chain to send). */
  readonly certificatePem: string;
  /** The private key's own PEM block, for Deno.listenTls({ key }). */
  readonly privateKeyPem: string;
  /** The leaf's facts, for the banner. */
  readonly leaf: CertificateFacts;
}

/** Where the user's certificate and key are (the same file may hold both). */
export interface UserCertificateFiles {
  /** The PEM file with the certificate, and any intermediates after it. */
  readonly certFile: string;
  /** The PEM file with the private key. */
  readonly keyFile: string;
}

/**
 * Reads and checks the user's PEM files at `now`. Throws a TlsSetupError naming the file
 * for every mistake (see errors.ts).
 */
export async function loadUserCertificate(
  files: UserCertificateFiles,
  now: Date = new Date(),
): Promise<UserCertificate> {
  const { certFile, keyFile } = files;
  const certificates = readCertificates(await readPemBlocks(certFile, "certificate"), certFile);
  const key = readPrivateKey(await readPemBlocks(keyFile, "key"), keyFile);
  const leaf = certificates[0];

  if (!createPublicKey(key.object).equals(publicKeyOf(leaf, certFile))) {
    throw new KeyMismatchError(certFile, keyFile);
  }
  if (now.getTime() > leaf.notAfter.getTime()) {
    throw new CertificateExpiredError(certFile, leaf.notAfter);
  }
  if (now.getTime() < leaf.notBefore.getTime()) {
    throw new CertificateNotYetValidError(certFile, leaf.notBefore);
  }
  return {
    certificatePem: certificates.map(certificateToPem).join(""),
    privateKeyPem: key.pem,
    leaf: await certificateFacts(leaf),
  };
}

/** The PEM blocks of a user's file; at least one. */
async function readPemBlocks(file: string, role: TlsFileRole): Promise<PemBlock[]> {
  let text: string;
  try {
    text = await Deno.readTextFile(file);
  } catch (error) {
    throw new TlsFileUnreadableError(file, role, readFailureReason(error));
  }
  const blocks = parsePem(text);
  if (blocks.length === 0) throw new NotPemError(file, role);
  return blocks;
}

/** Every certificate in the certificate file, in order; at least one. */
function readCertificates(blocks: readonly PemBlock[], file: string): x509.X509Certificate[] {
  const certificateBlocks = blocks.filter((block) => block.label === CERTIFICATE_LABEL);
  if (certificateBlocks.length === 0) {
    const hint = blocks.some((block) => isKeyLabel(block.label))
      ? "; it looks like the key file"
      : "";
    throw new NotACertificateError(file, `holds no certificate, only ${labelsOf(blocks)}${hint}`);
  }
  return certificateBlocks.map((block, index) => {
    const which = certificateBlocks.length === 1 ? "its certificate" : `certificate ${index + 1}`;
    if (block.der === null) {
      throw new NotACertificateError(file, `is damaged: the base64 of ${which} is broken`);
    }
    try {
      return new x509.X509Certificate(block.der);
    } catch {
      // The parser's own message is several sentences about ASN.1 schemas; the user needs
      // to know which block is bad.
      throw new NotACertificateError(file, `is damaged: ${which} is not a valid X.509 certificate`);
    }
  });
}

/** The certificate's public key; a kind of key zhttp cannot read is a damaged file. */
function publicKeyOf(certificate: x509.X509Certificate, file: string): KeyObject {
  try {
    return createPublicKey({
      key: Buffer.from(certificate.publicKey.rawData),
      format: "der",
      type: "spki",
    });
  } catch {
    throw new NotACertificateError(file, "holds a certificate whose public key zhttp cannot read");
  }
}

/** The first private key in the key file, parsed, and as the PEM to hand to Deno. */
function readPrivateKey(
  blocks: readonly PemBlock[],
  file: string,
): { object: KeyObject; pem: string } {
  const block = blocks.find((block) => isKeyLabel(block.label));
  if (block === undefined) {
    const hint = blocks.some((block) => block.label === CERTIFICATE_LABEL)
      ? "; it looks like the certificate file"
      : "";
    throw new NotAPrivateKeyError(file, `holds no private key, only ${labelsOf(blocks)}${hint}`);
  }
  if (block.label === ENCRYPTED_KEY_LABEL || block.headers.some(isEncryptionHeader)) {
    throw new EncryptedPrivateKeyError(file);
  }
  if (block.der === null) {
    throw new NotAPrivateKeyError(file, "is damaged: the base64 of its key is broken");
  }
  // Only the key's own block goes to Deno: OpenSSL puts an "EC PARAMETERS" block before
  // SEC 1 keys, and a file may hold the certificate too.
  const pem = encodePem(block.label, block.der);
  try {
    return { object: createPrivateKey(pem), pem };
  } catch {
    throw new NotAPrivateKeyError(
      file,
      `holds a "${block.label}" block that is not a private key zhttp can read`,
    );
  }
}

function isKeyLabel(label: string): boolean {
  return PRIVATE_KEY_LABELS.includes(label) || label === ENCRYPTED_KEY_LABEL;
}

/** RFC 1421 §4.6.1.1: `Proc-Type: 4,ENCRYPTED` marks a legacy encrypted key. */
function isEncryptionHeader(header: string): boolean {
  return /^Proc-Type:\s*4,\s*ENCRYPTED$/i.test(header);
}

/** `a "PRIVATE KEY" block` or `"A" and "B" blocks`, for a message. */
function labelsOf(blocks: readonly PemBlock[]): string {
  const labels = [...new Set(blocks.map((block) => `"${block.label}"`))];
  return labels.length === 1
    ? `a ${labels[0]} block`
    : `${labels.slice(0, -1).join(", ")} and ${labels.at(-1)} blocks`;
}
