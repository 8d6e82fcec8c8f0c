/** What the banner shows about a certificate: its names, its validity, its fingerprint. */
import * as x509 from "./x509.ts";

/** The facts of one certificate, in the forms people compare with other tools. */
export interface CertificateFacts {
  /** The DNS names and IP addresses it is valid for (its subjectAltName; else its CN). */
  readonly names: readonly string[];
  /** The start of its validity. */
  readonly notBefore: Date;
  /** Its expiry: the banner shows it, and zhttp's own leaf is renewed ahead of it. */
  readonly notAfter: Date;
  /**
   * SHA-256 of the DER certificate as colon-separated uppercase hex, as
   * `openssl x509 -fingerprint -sha256`, Windows, macOS and iOS show it.
   */
  readonly sha256Fingerprint: string;
  /** The subject, its attributes in the order they are encoded (`O=zhttp, CN=localhost`). */
  readonly subject: string;
  /** The issuer's name, written like the subject. */
  readonly issuer: string;
}

/** The facts of `certificate`. */
export async function certificateFacts(
  certificate: x509.X509Certificate,
): Promise<CertificateFacts> {
  return {
    names: certificateNames(certificate),
    notBefore: certificate.notBefore,
    notAfter: certificate.notAfter,
    sha256Fingerprint: await sha256Fingerprint(new Uint8Array(certificate.rawData)),
    subject: certificate.subject,
    issuer: certificate.issuer,
  };
}

/** The DNS names and IP addresses a certificate names, subjectAltName first. */
export function certificateNames(certificate: x509.X509Certificate): string[] {
  const san = certificate.getExtension(x509.SubjectAlternativeNameExtension);
  const names = (san?.names.items ?? [])
    .filter((name) => name.type === "dns" || name.type === "ip")
    .map((name) => name.value);
  if (names.length > 0) return names;
  return certificate.subjectName.getField("CN");
}

/** SHA-256 of `der`, as `AB:CD:...`. */
export async function sha256Fingerprint(der: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", der));
  return [...digest].map((byte) => byte.toString(16).padStart(2, "0").toUpperCase()).join(":");
}
