/**
 * Password hashes: scrypt (RFC 7914) from `node:crypto`, which Deno runs in Rust on its
 * blocking thread pool (so a verification never stalls the event loop) and which needs no
 * permission and no native add-on, in `deno run` and in the compiled binary alike.
 *
 * A hash is kept as a PHC string (the format of the Password Hashing Competition, as passlib
 * writes scrypt): `$scrypt$ln=15,r=8,p=1$<salt>$<hash>`, base64 without padding. It names
 * the algorithm and its parameters, so hashes made with other costs keep verifying.
 */
import { scrypt, scryptSync, timingSafeEqual } from "node:crypto";
import { decodeBase64Strict, encodeBase64Unpadded } from "../http/base64.ts";

/** A parsed scrypt hash. */
export interface PasswordHash {
  /** log2 of scrypt's CPU/memory cost N. */
  readonly log2N: number;
  /** Block size. */
  readonly r: number;
  /** Parallelisation (run one after the other here). */
  readonly p: number;
  readonly salt: Uint8Array;
  /** The derived key; its length is the key length asked of scrypt. */
  readonly hash: Uint8Array;
}

/** The cost of a hash: what decides how long verifying it takes. */
export type ScryptCost = Pick<PasswordHash, "log2N" | "r" | "p">;

/**
 * The cost `hash-password` uses: N = 2^15, r = 8, p = 1 takes 32 MiB and ~100 ms per
 * verification on our machines (scripts/auth_bench.ts): the scrypt paper's interactive-login
 * setting, scaled to today's CPUs. A guess costs an attacker who stole the hash as much.
 */
export const DEFAULT_COST: ScryptCost = { log2N: 15, r: 8, p: 1 };
/** Salt length of new hashes: 128 bits, as RFC 7914 and the PHC format expect at least. */
export const SALT_BYTES = 16;
/** Key length of new hashes: 256 bits. */
export const HASH_BYTES = 32;

/**
 * The most memory one verification may take (128·N·r bytes): a hash with a larger cost is
 * refused, so a pasted typo like ln=30 cannot ask for 128 GiB.
 */
export const MAX_SCRYPT_MEMORY_BYTES = 256 * 1024 * 1024;
const MAX_P = 16;
const MAX_R = 32;
const MIN_SALT_BYTES = 8;
const MAX_SALT_BYTES = 64;
const MIN_HASH_BYTES = 16;
const MAX_HASH_BYTES = 64;

/** Hashes `password` with a fresh random salt, off the event loop. */
export async function hashPassword(
  password: string,
  cost: ScryptCost = DEFAULT_COST,
): Promise<PasswordHash> {
  const salt = randomBytes(SALT_BYTES);
  return { ...cost, salt, hash: await derive(password, salt, HASH_BYTES, cost) };
}

/** The same, blocking: for startup, where nothing else runs yet (`--auth user:password`). */
export function hashPasswordSync(password: string, cost: ScryptCost = DEFAULT_COST): PasswordHash {
  const salt = randomBytes(SALT_BYTES);
  const hash = scryptSync(normalize(password), salt, HASH_BYTES, scryptOptions(cost));
  return { ...cost, salt, hash: plainBytes(hash) };
}

/**
 * Whether `password` is the one `stored` was made from. The keys are compared in constant
 * time (`timingSafeEqual`), so how long the answer takes says nothing about how much of a
 * guess was right.
 */
export async function verifyPassword(password: string, stored: PasswordHash): Promise<boolean> {
  const derived = await derive(password, stored.salt, stored.hash.length, stored);
  return timingSafeEqual(derived, stored.hash);
}

/** `$scrypt$ln=…,r=…,p=…$salt$hash`. */
export function formatPasswordHash(hash: PasswordHash): string {
  return `$scrypt$ln=${hash.log2N},r=${hash.r},p=${hash.p}$${encodeBase64Unpadded(hash.salt)}$` +
    encodeBase64Unpadded(hash.hash);
}

/**
 * Reads a PHC scrypt string, or says in a few words why it is not one (for a ConfigError).
 * The parameters must be in scrypt's range and within MAX_SCRYPT_MEMORY_BYTES.
 */
export function parsePasswordHash(text: string): PasswordHash | { refused: string } {
  const match = PHC_SCRYPT.exec(text);
  if (match === null) {
    return { refused: text.startsWith("$scrypt$") ? "a damaged scrypt hash" : "no scrypt hash" };
  }
  const [, ln, r, p, salt, hash] = match;
  const cost = { log2N: Number(ln), r: Number(r), p: Number(p) };
  if (cost.log2N < 1 || cost.r < 1 || cost.r > MAX_R || cost.p < 1 || cost.p > MAX_P) {
    return { refused: "scrypt parameters out of range" };
  }
  if (scryptMemory(cost) > MAX_SCRYPT_MEMORY_BYTES) {
    return { refused: `a scrypt cost above ${MAX_SCRYPT_MEMORY_BYTES / 1024 / 1024} MiB` };
  }
  const saltBytes = decodeBase64Strict(salt);
  const hashBytes = decodeBase64Strict(hash);
  if (
    saltBytes === null || saltBytes.length < MIN_SALT_BYTES || saltBytes.length > MAX_SALT_BYTES
  ) {
    return { refused: "a damaged scrypt salt" };
  }
  if (
    hashBytes === null || hashBytes.length < MIN_HASH_BYTES || hashBytes.length > MAX_HASH_BYTES
  ) {
    return { refused: "a damaged scrypt hash" };
  }
  return { ...cost, salt: saltBytes, hash: hashBytes };
}

/** A hash no password has (random key), with `cost`: what an unknown user is checked against. */
export function dummyHash(cost: ScryptCost): PasswordHash {
  return { ...cost, salt: randomBytes(SALT_BYTES), hash: randomBytes(HASH_BYTES) };
}

/** Bytes of memory scrypt takes for `cost` (RFC 7914 §2: 128·r·N for the ROMix array). */
export function scryptMemory(cost: ScryptCost): number {
  return 128 * cost.r * 2 ** cost.log2N;
}

/** Random bytes from the system's secure generator. */
function randomBytes(count: number): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(count));
}

/** A Node Buffer as the plain Uint8Array it views, as parsed hashes hold theirs. */
function plainBytes(buffer: Uint8Array): Uint8Array {
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

/** `$scrypt$ln=<n>,r=<n>,p=<n>$<salt>$<hash>`, base64 without padding (PHC "B64"). */
const PHC_SCRYPT =
  /^\$scrypt\$ln=([1-9][0-9]?),r=([1-9][0-9]?),p=([1-9][0-9]?)\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/;

/**
 * Passwords are hashed in Unicode Normalization Form C, like the credentials a browser sends
 * are read (basic_credentials.ts): "é" typed as one code point or as "e" and an accent is
 * the same password.
 */
function normalize(password: string): string {
  return password.normalize("NFC");
}

function derive(
  password: string,
  salt: Uint8Array,
  length: number,
  cost: ScryptCost,
): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    scrypt(normalize(password), salt, length, scryptOptions(cost), (error, key) => {
      if (error === null) resolve(plainBytes(key));
      else reject(error);
    });
  });
}

/** Node refuses any cost whose memory reaches `maxmem` (32 MiB by default): room for it. */
function scryptOptions(cost: ScryptCost) {
  return { N: 2 ** cost.log2N, r: cost.r, p: cost.p, maxmem: scryptMemory(cost) + 1024 * 1024 };
}
