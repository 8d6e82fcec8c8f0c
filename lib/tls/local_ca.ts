/**
 * zhttp's local certificate authority, made once per user and loaded after.
 *
 * It has two tiers. The root is what devices trust; its key lives only in memory while it
 * signs the issuing CA, and is then dropped, so no file holds it. The issuing CA signs the
 * leaves; its key is the one kept on disk (mode 0600). Both carry the same critical name
 * constraints (local_names.ts). A verifier may ignore constraints in a trust anchor (RFC
 * 5280 §6.2 makes that optional, and Chrome before 112 and Java-based Android verifiers
 * did), but every verifier applies them in an intermediate: so whoever steals the key on
 * disk can sign only for local names, on any device that trusts the root. Both are also
 * limited to TLS servers (extended key usage), so the stolen key cannot sign code or mail
 * that a device trusting the root for every purpose would accept.
 *
 * Files in the data folder:
 * - `ca.crt`: the root certificate, public; what a person installs and the download serves.
 * - `issuing-ca.pem`: the issuing CA's private key, its certificate and the root's (0600).
 *   It is written once, atomically, and the first of two zhttp starting together wins.
 */
import path from "node:path";
import { AsnConvert } from "@peculiar/asn1-schema";
import {
  GeneralName,
  GeneralSubtree,
  GeneralSubtrees,
  id_ce_nameConstraints,
  NameConstraints,
} from "@peculiar/asn1-x509";
import { type ExistingFile, writeFileAtomically } from "./atomic_write.ts";
import { DataFolderError, LocalCaError, readFailureReason } from "./errors.ts";
import {
  generateKeyPair,
  importPrivateKey,
  keyBelongsTo,
  PRIVATE_KEY_LABEL,
  privateKeyToPem,
  SIGNING_ALGORITHM,
} from "./keys.ts";
import { PERMITTED_DNS_NAMES, PERMITTED_IP_RANGES } from "./local_names.ts";
import { encodePem, parsePem } from "./pem.ts";
import * as x509 from "./x509.ts";

/** The root certificate's file: public, safe to copy to any device. */
export const ROOT_FILE_NAME = "ca.crt";
/** The issuing CA's key and certificates: private. */
export const ISSUER_FILE_NAME = "issuing-ca.pem";

export const DAY_MS = 86_400_000;
/** How long the CA is valid: long, since each renewal means trusting it again everywhere. */
export const CA_LIFETIME_MS = 3650 * DAY_MS;
/** A CA this close to its end is replaced, so that no leaf it signs outlives it. */
export const CA_RENEWAL_MS = 30 * DAY_MS;
/**
 * Certificates start this much before they are made, so that a phone whose clock is a
 * little behind does not see them as not yet valid.
 */
export const CLOCK_SKEW_MS = 3_600_000;

/** Only the user may read or write a private key file (POSIX permission bits). */
export const PRIVATE_FILE_MODE = 0o600;
/** The certificate the user installs elsewhere may be read by anyone. */
export const PUBLIC_FILE_MODE = 0o644;
/** The data folder is the user's alone. */
export const DATA_FOLDER_MODE = 0o700;

export const CERTIFICATE_LABEL = "CERTIFICATE";

/** The CA that signs leaves: its certificate and private key. */
export interface IssuingCa {
  readonly certificate: x509.X509Certificate;
  readonly privateKey: CryptoKey;
}

/** The two tiers, as created or loaded. */
export interface LocalCaPair {
  /** The root certificate; its key is gone. */
  readonly root: x509.X509Certificate;
  readonly issuer: IssuingCa;
}

/** The local CA as loaded from (or created in) the data folder. */
export interface LocalCa extends LocalCaPair {
  /** The root certificate's file (`ca.crt`). */
  readonly rootFile: string;
  /** True when this start created it (or replaced an expiring one): it must be trusted. */
  readonly created: boolean;
}

/**
 * Loads the local CA from `folder`, creating it (and the folder, mode 0700) when there is
 * none, or replacing it when it is within CA_RENEWAL_MS of its end. `machine` names it
 * for people who see it in a trust list. Throws LocalCaError when the CA file exists but
 * cannot be read or is damaged, DataFolderError when the folder cannot be written.
 */
export async function loadOrCreateLocalCa(
  folder: string,
  options: { machine: string; now: Date },
): Promise<LocalCa> {
  await ensureDataFolder(folder);
  const issuerFile = path.join(folder, ISSUER_FILE_NAME);
  const rootFile = path.join(folder, ROOT_FILE_NAME);
  const { pair, created } = await loadOrMakePair(folder, issuerFile, options);
  await writeRootFile(folder, rootFile, certificateToPem(pair.root));
  return { ...pair, rootFile, created };
}

/**
 * Makes a new two-tier CA in memory. The root's key is not extractable and is not
 * returned: once the issuing CA is signed, nothing can sign with it again.
 */
export async function createLocalCa(machine: string, now: Date): Promise<LocalCaPair> {
  const notBefore = new Date(now.getTime() - CLOCK_SKEW_MS);
  const notAfter = new Date(now.getTime() + CA_LIFETIME_MS);
  const made = now.toISOString().slice(0, 10);
  const who = machine.trim().slice(0, MAX_MACHINE_LABEL) || "this computer";

  const rootKeys = await generateKeyPair(false);
  const root = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerialNumber(),
    name: caName(`zhttp local CA for ${who} (${made})`),
    notBefore,
    notAfter,
    keys: rootKeys,
    signingAlgorithm: SIGNING_ALGORITHM,
    extensions: [
      ...caExtensions(1),
      await x509.SubjectKeyIdentifierExtension.create(rootKeys.publicKey),
    ],
  });

  const issuerKeys = await generateKeyPair(true);
  const issuer = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerialNumber(),
    subject: caName(`zhttp issuing CA for ${who} (${made})`),
    issuer: root.subjectName,
    notBefore,
    notAfter,
    publicKey: issuerKeys.publicKey,
    signingKey: rootKeys.privateKey,
    signingAlgorithm: SIGNING_ALGORITHM,
    extensions: [
      ...caExtensions(0),
      await x509.SubjectKeyIdentifierExtension.create(issuerKeys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(rootKeys.publicKey),
    ],
  });
  return { root, issuer: { certificate: issuer, privateKey: issuerKeys.privateKey } };
}

/**
 * The critical name constraints extension: only the permitted DNS subtrees and address
 * ranges of local_names.ts (RFC 5280 §4.2.1.10).
 */
export function nameConstraintsExtension(): x509.Extension {
  const subtrees = [
    ...PERMITTED_DNS_NAMES.map((dNSName) => new GeneralName({ dNSName })),
    // asn1-x509 writes "a.b.c.d/n" as the address followed by its mask, as §4.2.1.10 says.
    ...PERMITTED_IP_RANGES.map((iPAddress) => new GeneralName({ iPAddress })),
  ].map((base) => new GeneralSubtree({ base }));
  const value = AsnConvert.serialize(
    new NameConstraints({ permittedSubtrees: new GeneralSubtrees(subtrees) }),
  );
  return new x509.Extension(id_ce_nameConstraints, true, value);
}

/** A certificate as PEM. */
export function certificateToPem(certificate: x509.X509Certificate): string {
  return encodePem(CERTIFICATE_LABEL, new Uint8Array(certificate.rawData));
}

/** A random positive 128-bit serial number as hex (RFC 5280 §4.1.2.2: at most 20 bytes). */
export function randomSerialNumber(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  // A first byte of 0x01-0x7F keeps the DER integer positive and without a leading zero.
  bytes[0] = (bytes[0] & 0x7f) | 0x01;
  return bytes.toHex();
}

/** Characters of the machine's name kept in the CA's name (a CN holds at most 64). */
const MAX_MACHINE_LABEL = 20;

function caName(commonName: string): x509.JsonName {
  return [{ O: ["zhttp"] }, { CN: [commonName] }];
}

/** basicConstraints, keyUsage, extendedKeyUsage and name constraints of a CA tier. */
function caExtensions(pathLength: number): x509.Extension[] {
  return [
    new x509.BasicConstraintsExtension(true, pathLength, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
    new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
    nameConstraintsExtension(),
  ];
}

async function loadOrMakePair(
  folder: string,
  issuerFile: string,
  options: { machine: string; now: Date },
): Promise<{ pair: LocalCaPair; created: boolean }> {
  const stored = await readIssuerFile(issuerFile);
  if (stored !== null) {
    const pair = await parseIssuerFile(stored, issuerFile);
    const left = pair.root.notAfter.getTime() - options.now.getTime();
    if (left >= CA_RENEWAL_MS) return { pair, created: false };
    const renewed = await createLocalCa(options.machine, options.now);
    await storeIssuer(folder, issuerFile, renewed, "replace");
    return { pair: renewed, created: true };
  }
  const made = await createLocalCa(options.machine, options.now);
  if (await storeIssuer(folder, issuerFile, made, "keep")) return { pair: made, created: true };
  // Another zhttp starting at the same moment stored its CA first: this one is dropped.
  return loadOrMakePair(folder, issuerFile, options);
}

/** Writes the issuer file; false when `existing` is "keep" and another start won. */
function storeIssuer(
  folder: string,
  issuerFile: string,
  pair: LocalCaPair,
  existing: ExistingFile,
): Promise<boolean> {
  return writeOrExplain(
    folder,
    async () =>
      writeFileAtomically(issuerFile, await serializeIssuer(pair), {
        mode: PRIVATE_FILE_MODE,
        existing,
      }),
  );
}

async function serializeIssuer(pair: LocalCaPair): Promise<string> {
  return await privateKeyToPem(pair.issuer.privateKey) +
    certificateToPem(pair.issuer.certificate) + certificateToPem(pair.root);
}

/** The issuer file's text, or null when there is none yet. */
async function readIssuerFile(file: string): Promise<string | null> {
  try {
    return await Deno.readTextFile(file);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return null;
    throw new LocalCaError(file, `cannot be read (${readFailureReason(error)})`);
  }
}

/** The CA in the issuer file; LocalCaError when anything in it is missing or wrong. */
async function parseIssuerFile(text: string, file: string): Promise<LocalCaPair> {
  const damaged = (why: string) => new LocalCaError(file, `is damaged (${why})`);
  const blocks = parsePem(text);
  const keyDer = blocks.find((block) => block.label === PRIVATE_KEY_LABEL)?.der;
  const certificates = blocks.filter((block) => block.label === CERTIFICATE_LABEL);
  if (keyDer == null || certificates.length !== 2 || certificates.some((c) => c.der === null)) {
    throw damaged("it should hold a private key and two certificates");
  }
  let issuer: x509.X509Certificate;
  let root: x509.X509Certificate;
  let privateKey: CryptoKey;
  try {
    issuer = new x509.X509Certificate(certificates[0].der!);
    root = new x509.X509Certificate(certificates[1].der!);
    privateKey = await importPrivateKey(keyDer);
  } catch {
    throw damaged("a certificate or the key in it cannot be read");
  }
  if (!await keyBelongsTo(privateKey, issuer)) {
    throw damaged("its key does not belong to its certificate");
  }
  const signedByRoot = await issuer.verify({ publicKey: root.publicKey, signatureOnly: true });
  if (!signedByRoot || !await root.isSelfSigned()) {
    throw damaged("its certificates do not form a chain");
  }
  return { root, issuer: { certificate: issuer, privateKey } };
}

async function ensureDataFolder(folder: string): Promise<void> {
  try {
    await Deno.mkdir(folder, { recursive: true, mode: DATA_FOLDER_MODE });
  } catch (error) {
    throw new DataFolderError(folder, readFailureReason(error));
  }
}

async function writeRootFile(folder: string, file: string, pem: string): Promise<void> {
  const current = await Deno.readTextFile(file).catch(() => null);
  if (current === pem) return;
  await writeOrExplain(
    folder,
    () => writeFileAtomically(file, pem, { mode: PUBLIC_FILE_MODE, existing: "replace" }),
  );
}

/** Runs a write into the data folder; its failure becomes one DataFolderError sentence. */
export async function writeOrExplain<T>(folder: string, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    throw new DataFolderError(folder, readFailureReason(error));
  }
}
