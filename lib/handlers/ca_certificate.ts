/**
 * `GET /.zhttp/ca.crt`: the public certificate of zhttp's local certificate authority, for
 * a phone or another computer to download and trust (the banner shows the address and the
 * fingerprint to compare). Only the root's public part: the key that signs stays in the
 * data folder, which is never served. Under `/.zhttp/`, the prefix of zhttp's own
 * addresses, which no file can shadow: names starting with a dot are not served by default,
 * and routes are matched before files anyway.
 */
import type { Handler } from "../server/handler.ts";

/** Where the CA certificate is downloaded from. */
export const CA_CERTIFICATE_PATH = "/.zhttp/ca.crt";
/** The name a browser saves the download under. */
export const CA_CERTIFICATE_FILE_NAME = "zhttp-local-ca.crt";

/** What is served: the certificate and the media type a device installs it by. */
export interface CaCertificateDownload {
  /** The certificate as DER. */
  readonly der: Uint8Array;
  /** `application/x-x509-ca-cert`: iOS offers the profile, Android its CA installer. */
  readonly mediaType: string;
}

/** Answers with the CA certificate as a download. */
export function caCertificate(download: CaCertificateDownload): Handler {
  return (_req, res) => {
    res.setHeader("Content-Type", download.mediaType);
    res.setHeader("Content-Disposition", `attachment; filename="${CA_CERTIFICATE_FILE_NAME}"`);
    res.setHeader("Cache-Control", "no-cache");
    res.setHeader("X-Content-Type-Options", "nosniff");
    res.end(download.der);
  };
}
