/**
 * The certificate every TLS workload serves, the same for each server (zhttp, Deno.serve,
 * nginx): an ECDSA P-256 leaf for 127.0.0.1 and localhost made by zhttp's local CA
 * (lib/tls), written as PEM files once per bench run in a temporary folder.
 */
import path from "node:path";
import { prepareLocalCertificate } from "../../lib/tls/mod.ts";

/** The files a TLS server and its clients need. */
export interface TlsFiles extends AsyncDisposable {
  /** The folder holding them (servers are allowed to read it). */
  readonly dir: string;
  /** The leaf and the issuing CA, PEM. */
  readonly certFile: string;
  /** The leaf's key, PEM (PKCS#8). */
  readonly keyFile: string;
  /** The root CA, for curl's --cacert. */
  readonly caFile: string;
}

/** Makes the certificate and its files; `await using` removes them. */
export async function makeTlsFiles(): Promise<TlsFiles> {
  const dir = await Deno.makeTempDir({ prefix: "zhttp-bench-tls-" });
  const local = await prepareLocalCertificate({ folder: path.join(dir, "ca"), hostname: "bench" });
  const files = {
    certFile: path.join(dir, "cert.pem"),
    keyFile: path.join(dir, "key.pem"),
    caFile: path.join(dir, "ca.pem"),
  };
  await Deno.writeTextFile(files.certFile, local.certificatePem);
  await Deno.writeTextFile(files.keyFile, local.privateKeyPem);
  await Deno.writeTextFile(files.caFile, local.ca.certificatePem);
  return { dir, ...files, [Symbol.asyncDispose]: () => Deno.remove(dir, { recursive: true }) };
}
