/**
 * `--https` without files: the local CA (made once), and a leaf for this machine's names
 * that it signs (reused until the names change or it nears its end). What the server
 * needs to listen, and what the banner needs to tell the user what to trust.
 */
import { type CertificateFacts, certificateFacts } from "./certificate_facts.ts";
import { loadOrIssueLeaf } from "./leaf.ts";
import { certificateToPem, loadOrCreateLocalCa } from "./local_ca.ts";
import { localNames } from "./local_names.ts";

/**
 * The media type to serve the CA certificate with (DER) for a device to install it: iOS
 * offers the profile, Android and Firefox their certificate installers, Windows and macOS
 * open their certificate viewers.
 */
export const CA_CERTIFICATE_MEDIA_TYPE = "application/x-x509-ca-cert";

/** What prepareLocalCertificate() needs to know about the machine. */
export interface LocalCertificateOptions {
  /** The data folder (dataFolder()): where the CA and the leaf are kept. */
  readonly folder: string;
  /** This machine's name (Deno.hostname()). */
  readonly hostname: string;
  /** With --lan: the addresses other devices reach this machine at. */
  readonly lanAddresses?: readonly string[];
  /** The time validity and renewal are judged at; the clock's by default. */
  readonly now?: Date;
}

/** The local CA's facts, for the banner and the download of its certificate. */
export interface LocalCaFacts extends CertificateFacts {
  /** The root certificate's file in the data folder (`ca.crt`). */
  readonly file: string;
  /** The root certificate as PEM: public, for a device to trust. */
  readonly certificatePem: string;
  /** The same as DER, the form `application/x-x509-ca-cert` downloads usually carry. */
  readonly certificateDer: Uint8Array;
  /** True when this start made it: nothing trusts it yet. */
  readonly created: boolean;
}

/** A leaf certificate for this machine, signed by the local CA. */
export interface LocalCertificate {
  /** The leaf and the issuing CA, for Deno.listenTls({ cert }). */
  readonly certificatePem: string;
  /** The leaf's key, for Deno.listenTls({ key }). */
  readonly privateKeyPem: string;
  /** The leaf's facts: its names and expiry, for the banner. */
  readonly leaf: CertificateFacts;
  /** Names of this machine the leaf cannot carry (outside the CA's constraints). */
  readonly leftOut: readonly string[];
  /** True when the leaf was issued at this start. */
  readonly reissued: boolean;
  /** The root CA that devices must trust for the leaf to be accepted. */
  readonly ca: LocalCaFacts;
}

/**
 * Loads (or makes) the local CA in `options.folder` and a leaf for this machine. Throws
 * LocalCaError or DataFolderError (both TlsSetupError) as one sentence naming the file.
 */
export async function prepareLocalCertificate(
  options: LocalCertificateOptions,
): Promise<LocalCertificate> {
  const now = options.now ?? new Date();
  const ca = await loadOrCreateLocalCa(options.folder, { machine: options.hostname, now });
  const { names, leftOut } = localNames(options.hostname, options.lanAddresses);
  const { leaf, reissued } = await loadOrIssueLeaf(options.folder, ca.issuer, names, now);
  return {
    certificatePem: certificateToPem(leaf.certificate) + certificateToPem(ca.issuer.certificate),
    privateKeyPem: leaf.privateKeyPem,
    leaf: await certificateFacts(leaf.certificate),
    leftOut,
    reissued,
    ca: {
      ...await certificateFacts(ca.root),
      file: ca.rootFile,
      certificatePem: certificateToPem(ca.root),
      certificateDer: new Uint8Array(ca.root.rawData),
      created: ca.created,
    },
  };
}
