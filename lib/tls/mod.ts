/**
 * The certificate layer, for the CLI and the server to call: the user's own PEM files
 * (`--tls-cert`, `--tls-key`), or zhttp's local CA and a leaf for this machine
 * (`--https`). It only reads and writes certificate files; it opens no socket.
 *
 * ```ts
 * import { dataFolder, prepareLocalCertificate } from "./mod.ts";
 *
 * const folder = dataFolder(Deno.build.os, (name) => Deno.env.get(name));
 * const local = await prepareLocalCertificate({ folder, hostname: Deno.hostname() });
 * Deno.listenTls({ port: 8443, cert: local.certificatePem, key: local.privateKeyPem });
 * ```
 *
 * Every startup mistake is a TlsSetupError: one sentence naming the file, for exit 2.
 */
export { type CertificateFacts } from "./certificate_facts.ts";
export { DATA_FOLDER_NAME, dataFolder, dataFolderEnvVars } from "./data_folder.ts";
export {
  CertificateExpiredError,
  CertificateNotYetValidError,
  DataFolderError,
  EncryptedPrivateKeyError,
  KeyMismatchError,
  LocalCaError,
  NotACertificateError,
  NotAPrivateKeyError,
  NotPemError,
  TlsFileUnreadableError,
  TlsSetupError,
} from "./errors.ts";
export {
  CA_CERTIFICATE_MEDIA_TYPE,
  type LocalCaFacts,
  type LocalCertificate,
  type LocalCertificateOptions,
  prepareLocalCertificate,
} from "./local_certificate.ts";
export {
  loadUserCertificate,
  type UserCertificate,
  type UserCertificateFiles,
} from "./user_certificate.ts";
