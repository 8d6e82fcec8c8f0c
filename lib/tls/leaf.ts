/**
 * The leaf certificate zhttp serves with its local CA: short-lived, for this machine's
 * local names, kept in the data folder (`localhost.pem`, 0600: key and certificate) so
 * that restarts reuse it. A new one is issued when the names differ, when fewer than
 * LEAF_RENEWAL_MS are left, or when the stored one is not the current issuing CA's.
 */
import path from "node:path";
import { writeFileAtomically } from "./atomic_write.ts";
import {
  CERTIFICATE_LABEL,
  certificateToPem,
  CLOCK_SKEW_MS,
  DAY_MS,
  type IssuingCa,
  PRIVATE_FILE_MODE,
  randomSerialNumber,
  writeOrExplain,
} from "./local_ca.ts";
import {
  generateKeyPair,
  importPrivateKey,
  keyBelongsTo,
  PRIVATE_KEY_LABEL,
  privateKeyToPem,
  SIGNING_ALGORITHM,
} from "./keys.ts";
import { canonicalIp, type LeafNames, sameNames } from "./local_names.ts";
import { parsePem } from "./pem.ts";
import * as x509 from "./x509.ts";

/** The leaf's file in the data folder. */
export const LEAF_FILE_NAME = "localhost.pem";
/** A short life: a leaf is cheap to replace, and a stolen one is soon useless. */
export const LEAF_LIFETIME_MS = 30 * DAY_MS;
/** A leaf with less than this left is replaced at startup. */
export const LEAF_RENEWAL_MS = 7 * DAY_MS;

/** A leaf certificate and its private key. */
export interface Leaf {
  readonly certificate: x509.X509Certificate;
  /** PKCS#8 PEM, for Deno.listenTls({ key }). */
  readonly privateKeyPem: string;
}

/**
 * The leaf in `folder` when it still fits `names` at `now` and was signed by `issuer`;
 * otherwise a new one, written over it. `reissued` says which.
 */
export async function loadOrIssueLeaf(
  folder: string,
  issuer: IssuingCa,
  names: LeafNames,
  now: Date,
): Promise<{ leaf: Leaf; reissued: boolean }> {
  const file = path.join(folder, LEAF_FILE_NAME);
  const stored = await readStoredLeaf(file);
  if (stored !== null && await stillFits(stored, issuer, names, now)) {
    return { leaf: stored, reissued: false };
  }
  const leaf = await issueLeaf(issuer, names, now);
  await writeOrExplain(
    folder,
    () =>
      writeFileAtomically(file, leaf.privateKeyPem + certificateToPem(leaf.certificate), {
        mode: PRIVATE_FILE_MODE,
        existing: "replace",
      }),
  );
  return { leaf, reissued: true };
}

/**
 * A new leaf for `names`, signed by `issuer`, valid from `now` (less the clock skew) for
 * LEAF_LIFETIME_MS, never past the issuer's own end. The names are not checked against
 * the CA's constraints here: a leaf outside them is what the tests need to show that
 * clients refuse it.
 */
export async function issueLeaf(issuer: IssuingCa, names: LeafNames, now: Date): Promise<Leaf> {
  const keys = await generateKeyPair(true);
  const notAfter = Math.min(
    now.getTime() + LEAF_LIFETIME_MS,
    issuer.certificate.notAfter.getTime(),
  );
  const certificate = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerialNumber(),
    subject: [{ O: ["zhttp"] }, { CN: [names.dns[0] ?? names.ips[0]] }],
    issuer: issuer.certificate.subjectName,
    notBefore: new Date(now.getTime() - CLOCK_SKEW_MS),
    notAfter: new Date(notAfter),
    publicKey: keys.publicKey,
    signingKey: issuer.privateKey,
    signingAlgorithm: SIGNING_ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      // ECDSA keys sign the handshake; they never encipher keys (RFC 8446 §4.4.3).
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([
        ...names.dns.map((value) => ({ type: "dns" as const, value })),
        ...names.ips.map((value) => ({ type: "ip" as const, value })),
      ]),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(issuer.certificate.publicKey),
    ],
  });
  return { certificate, privateKeyPem: await privateKeyToPem(keys.privateKey) };
}

/** The names in a leaf's subjectAltName, in the form localNames() gives them. */
export function leafNamesOf(certificate: x509.X509Certificate): LeafNames {
  const items = certificate.getExtension(x509.SubjectAlternativeNameExtension)?.names.items ?? [];
  return {
    dns: items.filter((name) => name.type === "dns").map((name) => name.value.toLowerCase()),
    ips: items.filter((name) => name.type === "ip").map((name) =>
      canonicalIp(name.value) ?? name.value
    ),
  };
}

/** The stored leaf, or null when it is missing or unusable (it is then issued anew). */
async function readStoredLeaf(file: string): Promise<Leaf | null> {
  const text = await Deno.readTextFile(file).catch(() => null);
  if (text === null) return null;
  const blocks = parsePem(text);
  const keyDer = blocks.find((block) => block.label === PRIVATE_KEY_LABEL)?.der;
  const certificateDer = blocks.find((block) => block.label === CERTIFICATE_LABEL)?.der;
  if (keyDer == null || certificateDer == null) return null;
  try {
    const certificate = new x509.X509Certificate(certificateDer);
    const privateKey = await importPrivateKey(keyDer);
    if (!await keyBelongsTo(privateKey, certificate)) return null;
    return { certificate, privateKeyPem: await privateKeyToPem(privateKey) };
  } catch {
    return null;
  }
}

async function stillFits(
  leaf: Leaf,
  issuer: IssuingCa,
  names: LeafNames,
  now: Date,
): Promise<boolean> {
  const { certificate } = leaf;
  if (certificate.issuer !== issuer.certificate.subject) return false;
  if (!await certificate.verify({ publicKey: issuer.certificate.publicKey, signatureOnly: true })) {
    return false;
  }
  if (certificate.notBefore.getTime() > now.getTime()) return false;
  if (certificate.notAfter.getTime() - now.getTime() < LEAF_RENEWAL_MS) return false;
  return sameNames(leafNamesOf(certificate), names);
}
