/**
 * The keys zhttp makes: ECDSA P-256 through WebCrypto (works offline and in the compiled
 * binary, no openssl), stored as PKCS#8 PEM, and a check that a key belongs to a
 * certificate.
 */
import { encodePem } from "./pem.ts";
import type * as x509 from "./x509.ts";

/** ECDSA over P-256 with SHA-256: small, fast, and accepted by every current client. */
export const SIGNING_ALGORITHM: EcdsaParams & EcKeyImportParams = {
  name: "ECDSA",
  namedCurve: "P-256",
  hash: "SHA-256",
};

/** The PEM label of an unencrypted PKCS#8 private key (RFC 7468 §10). */
export const PRIVATE_KEY_LABEL = "PRIVATE KEY";

/**
 * A new P-256 key pair. `extractable` is false for a key that must never leave memory
 * (the root CA's, dropped once it has signed the issuing CA).
 */
export function generateKeyPair(extractable: boolean): Promise<CryptoKeyPair> {
  return crypto.subtle.generateKey(SIGNING_ALGORITHM, extractable, ["sign", "verify"]);
}

/** A private key as PKCS#8 PEM. */
export async function privateKeyToPem(key: CryptoKey): Promise<string> {
  return encodePem(PRIVATE_KEY_LABEL, new Uint8Array(await crypto.subtle.exportKey("pkcs8", key)));
}

/** A P-256 private key from PKCS#8 DER; throws when it is not one. */
export function importPrivateKey(der: Uint8Array<ArrayBuffer>): Promise<CryptoKey> {
  return crypto.subtle.importKey("pkcs8", der, SIGNING_ALGORITHM, true, ["sign"]);
}

/** Whether `privateKey` makes signatures that the certificate's public key verifies. */
export async function keyBelongsTo(
  privateKey: CryptoKey,
  certificate: x509.X509Certificate,
): Promise<boolean> {
  const probe = crypto.getRandomValues(new Uint8Array(32));
  const signature = await crypto.subtle.sign(SIGNING_ALGORITHM, privateKey, probe);
  try {
    const publicKey = await certificate.publicKey.export(SIGNING_ALGORITHM, ["verify"]);
    return await crypto.subtle.verify(SIGNING_ALGORITHM, publicKey, signature, probe);
  } catch {
    // A certificate for another kind of key cannot import as P-256: not this key's.
    return false;
  }
}
