/**
 * Everything that can stop HTTPS at startup, one class per mistake. Each message is one
 * sentence that names the file (or folder) and, where there is one, the fix; the CLI
 * catches TlsSetupError, prints the message and exits 2, never with a stack trace.
 */

/** Whose file it is, for the message: the user's certificate or the user's key. */
export type TlsFileRole = "certificate" | "key";

/** The base of every TLS startup error: catch this one. */
export class TlsSetupError extends Error {
  /** `message` is one sentence, naming the file. */
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** A user's PEM file that cannot be read: missing, a folder, or not allowed. */
export class TlsFileUnreadableError extends TlsSetupError {
  /** The file as the user gave it. */
  readonly file: string;

  /** `role` says which file it is; `reason` why it failed, in a few words. */
  constructor(file: string, role: TlsFileRole, reason: string) {
    super(`cannot read the TLS ${role} file ${file}: ${reason}.`);
    this.file = file;
  }
}

/** A user's file without a single PEM block (binary DER, or not a certificate at all). */
export class NotPemError extends TlsSetupError {
  /** The file as the user gave it. */
  readonly file: string;

  /** `role` says which file it was meant to be. */
  constructor(file: string, role: TlsFileRole) {
    super(
      `the TLS ${role} file ${file} is not in PEM format: it has no "-----BEGIN ${
        role === "certificate" ? "CERTIFICATE" : "PRIVATE KEY"
      }-----" line.`,
    );
    this.file = file;
  }
}

/** The certificate file holds PEM, but no certificate that can be read. */
export class NotACertificateError extends TlsSetupError {
  /** The file as the user gave it. */
  readonly file: string;

  /** `detail` says what the file holds instead, and ends the sentence. */
  constructor(file: string, detail: string) {
    super(`the TLS certificate file ${file} ${detail}.`);
    this.file = file;
  }
}

/** The key file holds PEM, but no private key that can be read ("a key that is not a key"). */
export class NotAPrivateKeyError extends TlsSetupError {
  /** The file as the user gave it. */
  readonly file: string;

  /** `detail` says what the file holds instead, and ends the sentence. */
  constructor(file: string, detail: string) {
    super(`the TLS key file ${file} ${detail}.`);
    this.file = file;
  }
}

/** The key is protected by a passphrase, which a double-clicked program cannot ask for. */
export class EncryptedPrivateKeyError extends TlsSetupError {
  /** The key file as the user gave it. */
  readonly file: string;

  /** Names the key file and the command that removes the passphrase. */
  constructor(file: string) {
    super(
      `the private key in ${file} is protected by a passphrase, which zhttp cannot ask for; ` +
        `save a copy without one (openssl pkey -in ${file} -out key.pem) and use that.`,
    );
    this.file = file;
  }
}

/** The private key does not belong to the certificate. */
export class KeyMismatchError extends TlsSetupError {
  /** The certificate file as the user gave it. */
  readonly certFile: string;
  /** The key file as the user gave it. */
  readonly keyFile: string;

  /** Both files are named: either may be the wrong one. */
  constructor(certFile: string, keyFile: string) {
    super(`the private key in ${keyFile} does not belong to the certificate in ${certFile}.`);
    this.certFile = certFile;
    this.keyFile = keyFile;
  }
}

/** The certificate's notAfter has passed. */
export class CertificateExpiredError extends TlsSetupError {
  /** The certificate file as the user gave it. */
  readonly file: string;
  /** When it expired. */
  readonly notAfter: Date;

  /** Names the file and the end of its validity, in UTC. */
  constructor(file: string, notAfter: Date) {
    super(`the certificate in ${file} expired on ${formatUtc(notAfter)}; renew it.`);
    this.file = file;
    this.notAfter = notAfter;
  }
}

/** The certificate's notBefore is still ahead (a new certificate, or a wrong clock). */
export class CertificateNotYetValidError extends TlsSetupError {
  /** The certificate file as the user gave it. */
  readonly file: string;
  /** When it becomes valid. */
  readonly notBefore: Date;

  /** Names the file and the start of its validity, in UTC. */
  constructor(file: string, notBefore: Date) {
    super(
      `the certificate in ${file} is not valid before ${
        formatUtc(notBefore)
      }; check this computer's clock.`,
    );
    this.file = file;
    this.notBefore = notBefore;
  }
}

/** zhttp's own certificate authority file exists but cannot be read or is damaged. */
export class LocalCaError extends TlsSetupError {
  /** The CA file in the data folder. */
  readonly file: string;

  /** `reason` says what is wrong, as the middle of the sentence ("is damaged (...)"). */
  constructor(file: string, reason: string) {
    super(
      `zhttp's local certificate authority ${file} ${reason}; delete it to make a new one ` +
        `(devices that trusted the old one must then trust the new one).`,
    );
    this.file = file;
  }
}

/** The folder for zhttp's certificates cannot be found, created or written. */
export class DataFolderError extends TlsSetupError {
  /** The data folder, or the variable that should have located it. */
  readonly folder: string;

  /** `reason` says why, in a few words. */
  constructor(folder: string, reason: string) {
    super(`cannot keep zhttp's certificates in ${folder}: ${reason}.`);
    this.folder = folder;
  }
}

/** A date as people read it in a message: `2026-01-31 23:59 UTC`. */
export function formatUtc(date: Date): string {
  return `${date.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

/** Why a file could not be read, in a few words, from the error Deno threw. */
export function readFailureReason(error: unknown): string {
  if (error instanceof Deno.errors.NotFound) return "there is no such file";
  if (error instanceof Deno.errors.PermissionDenied) return "permission denied";
  if (error instanceof Deno.errors.IsADirectory) return "it is a folder, not a file";
  // Deno's own permission check, not the OS's: the program was run without access there.
  if (error instanceof Deno.errors.NotCapable) return "zhttp was started without access to it";
  // The OS's message ends the sentence the caller writes, so its own full stop goes.
  return (error instanceof Error ? error.message : String(error)).replace(/\.$/, "");
}
