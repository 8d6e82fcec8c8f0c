/**
 * HTTPS at startup: the certificate to serve, checked and ready before any socket opens,
 * either the user's files (`--tls-cert`, `--tls-key`) or one zhttp makes with its local CA
 * (`--https` alone), and what the banner says about it.
 *
 * The certificate code (lib/tls/, with its X.509 library) is imported here, on demand:
 * loading it costs about 150 ms, which a plain HTTP start does not pay.
 */
import type { CertificateFacts, LocalCaFacts, TlsSetupError } from "../tls/mod.ts";
import { type Config, ConfigError } from "./config.ts";

/** What startup needs to know about the machine for HTTPS. */
export interface HttpsMachine {
  readonly os: typeof Deno.build.os;
  /** An environment variable, or undefined (for the data folder). */
  env(name: string): string | undefined;
  /** This computer's name (Deno.hostname()), named in zhttp's certificate. */
  hostname(): string;
  /** With --lan: the addresses other devices reach this computer at. */
  readonly lanAddresses: readonly string[];
}

/** The certificate to serve, and its facts for the banner. */
export interface HttpsCertificate {
  /** The chain as PEM, leaf first. */
  readonly certificatePem: string;
  /** The leaf's key as PEM. */
  readonly privateKeyPem: string;
  /** The leaf's names and validity. */
  readonly leaf: CertificateFacts;
  /** The user's certificate file; null when zhttp made the certificate. */
  readonly certFile: string | null;
  /** zhttp's local CA, the one to trust, when zhttp made the certificate. */
  readonly ca: LocalCaFacts | null;
  /** The media type the CA certificate is downloaded with. */
  readonly caMediaType: string;
  /** Names of this machine the certificate could not carry (outside the CA's limits). */
  readonly leftOut: readonly string[];
}

/**
 * Loads the user's certificate, or makes (or reuses) zhttp's own. Every mistake (a file
 * that cannot be read or does not match, an expired certificate, a data folder that
 * cannot be written) is a ConfigError: one sentence naming the file, exit 2.
 */
export async function prepareHttps(
  config: Pick<Config, "tlsCert" | "tlsKey">,
  machine: HttpsMachine,
): Promise<HttpsCertificate> {
  const tls = await import("../tls/mod.ts");
  try {
    if (config.tlsCert !== null && config.tlsKey !== null) {
      const user = await tls.loadUserCertificate({
        certFile: config.tlsCert,
        keyFile: config.tlsKey,
      });
      return {
        ...user,
        certFile: config.tlsCert,
        ca: null,
        caMediaType: tls.CA_CERTIFICATE_MEDIA_TYPE,
        leftOut: [],
      };
    }
    const local = await tls.prepareLocalCertificate({
      folder: tls.dataFolder(machine.os, machine.env),
      hostname: machine.hostname(),
      lanAddresses: machine.lanAddresses,
    });
    return {
      certificatePem: local.certificatePem,
      privateKeyPem: local.privateKeyPem,
      leaf: local.leaf,
      certFile: null,
      ca: local.ca,
      caMediaType: tls.CA_CERTIFICATE_MEDIA_TYPE,
      leftOut: local.leftOut,
    };
  } catch (error) {
    if (error instanceof tls.TlsSetupError) throw asConfigError(error);
    throw error;
  }
}

function asConfigError(error: TlsSetupError): ConfigError {
  return new ConfigError(error.message);
}
