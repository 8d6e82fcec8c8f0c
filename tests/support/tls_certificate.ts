/**
 * One certificate for every TLS test of a run, made by zhttp's own local CA (lib/tls) in a
 * temporary folder: a leaf for localhost, 127.0.0.1 and ::1, and the CA that clients trust.
 */
import { prepareLocalCertificate } from "../../lib/tls/mod.ts";

/** A server certificate and the CA a client must trust to accept it, all PEM. */
export interface TestCertificate {
  /** The leaf and the issuing CA, for the server. */
  readonly cert: string;
  /** The leaf's private key. */
  readonly key: string;
  /** The root CA, for the client's trust store. */
  readonly ca: string;
}

let made: Promise<TestCertificate> | null = null;

/** The run's test certificate, made on first use. */
export function testCertificate(): Promise<TestCertificate> {
  made ??= make();
  return made;
}

async function make(): Promise<TestCertificate> {
  const folder = await Deno.makeTempDir({ prefix: "zhttp-test-ca-" });
  try {
    const local = await prepareLocalCertificate({ folder, hostname: "zhttp-test" });
    return { cert: local.certificatePem, key: local.privateKeyPem, ca: local.ca.certificatePem };
  } finally {
    await Deno.remove(folder, { recursive: true });
  }
}
