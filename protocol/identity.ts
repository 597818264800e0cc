/**
 * ed25519 identities of workers and the coordinator (@noble/curves): key generation, key ids,
 * signing, strict RFC 8032 verification, and the identity file.
 *
 * Verification is strict (`zip215: false`): R and A must be canonical encodings (below the
 * field prime), S below the group order, and A not of small order. So nobody but the signer can
 * turn a valid signature into another valid one (no malleability), a key cannot be crafted to
 * make one signature verify for several messages, and a signature accepted here is accepted by
 * every RFC 8032 / FIPS 186-5 verifier: what a ledger that anyone can re-verify needs
 * (non-repudiation). ZIP-215's permissive rules serve consensus among verifiers that must agree
 * on edge cases; foldnet's signatures are made only by foldnet, so it has none to accept.
 *
 * Identity file: JSON `{"version":1,"publicKey":"<64 hex>","secretKey":"<64 hex>"}`, mode
 * 0600 in a directory created with mode 0700, written to a temporary file then renamed (or
 * linked, when creating) so that a crash never leaves half a key.
 * @module
 */
import { randomBytes } from "node:crypto";
import {
  closeSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from "node:fs";
import { dirname } from "node:path";
import { ed25519 } from "@noble/curves/ed25519.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex, hexToBytes } from "@noble/hashes/utils.js";
import { ProtocolError } from "./errors.js";
import { PUBLIC_KEY_BYTES, SECRET_KEY_BYTES, SIGNATURE_BYTES } from "./limits.js";

/** An ed25519 key pair. `secretKey` is the RFC 8032 32-byte seed. */
export interface Identity {
  readonly secretKey: Uint8Array;
  readonly publicKey: Uint8Array;
}

/** Version of the identity file format. */
export const IDENTITY_FILE_VERSION = 1;
/** Hex characters of a key id: 16 = 64 bits, collision-free in practice for display and logs. */
const KEY_ID_HEX_CHARS = 16;
const HEX_KEY = /^[0-9a-f]{64}$/;

/** A fresh key pair from the operating system's CSPRNG. */
export function generateIdentity(): Identity {
  const { secretKey, publicKey } = ed25519.keygen();
  return { secretKey, publicKey };
}

/**
 * The key pair of a 32-byte secret key (seed).
 * @throws {TypeError|RangeError} when `secretKey` is not a 32-byte Uint8Array.
 */
export function identityFromSecretKey(secretKey: Uint8Array): Identity {
  checkKey(secretKey, SECRET_KEY_BYTES, "secretKey");
  return { secretKey: secretKey.slice(), publicKey: ed25519.getPublicKey(secretKey) };
}

/**
 * The short id of a public key: the first 16 hex characters (8 bytes) of SHA-256 of the 32 key
 * bytes, e.g. `printf <key hex> | xxd -r -p | sha256sum | cut -c1-16`. For display, logs and
 * worker ids; the full key remains the identity.
 * @throws {TypeError|RangeError} when `publicKey` is not a 32-byte Uint8Array.
 */
export function keyId(publicKey: Uint8Array): string {
  checkKey(publicKey, PUBLIC_KEY_BYTES, "publicKey");
  return bytesToHex(sha256(publicKey)).slice(0, KEY_ID_HEX_CHARS);
}

/**
 * The RFC 8032 ed25519 signature (64 bytes, deterministic) of `message`.
 * @throws {TypeError|RangeError} when `secretKey` is not a 32-byte Uint8Array or `message` is not
 * a Uint8Array.
 */
export function sign(secretKey: Uint8Array, message: Uint8Array): Uint8Array {
  checkKey(secretKey, SECRET_KEY_BYTES, "secretKey");
  if (!(message instanceof Uint8Array)) throw new TypeError("message must be a Uint8Array");
  return ed25519.sign(message, secretKey);
}

/**
 * Strict RFC 8032 verification (`zip215: false`, see the module header). Never throws: a key or
 * signature of the wrong type or length, or one that does not decode, gives false.
 */
export function verifySignature(
  publicKey: Uint8Array,
  message: Uint8Array,
  signature: Uint8Array,
): boolean {
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== PUBLIC_KEY_BYTES) return false;
  if (!(signature instanceof Uint8Array) || signature.length !== SIGNATURE_BYTES) return false;
  if (!(message instanceof Uint8Array)) return false;
  try {
    return ed25519.verify(signature, message, publicKey, { zip215: false });
  } catch {
    return false;
  }
}

function checkKey(key: Uint8Array, length: number, field: string): void {
  if (!(key instanceof Uint8Array)) throw new TypeError(`${field} must be a Uint8Array`);
  if (key.length !== length)
    throw new RangeError(`${field} must be ${length} bytes, got ${key.length}`);
}

function ioError(file: string, err: unknown): ProtocolError {
  const errno = (err as NodeJS.ErrnoException).code ?? "EIO";
  return new ProtocolError(
    { code: "IDENTITY_ERROR_IO", file, errno },
    `identity file ${file}: ${errno}`,
  );
}

function corrupt(file: string, field: string): ProtocolError {
  return new ProtocolError(
    { code: "IDENTITY_ERROR_CORRUPT", file, field },
    `identity file ${file} has a bad ${field}`,
  );
}

/**
 * Reads and checks an identity file: version 1, both keys 64 lowercase hex characters, the
 * public key derived from the secret key, and (on POSIX) no access for group or others.
 * @throws {ProtocolError} IDENTITY_ERROR_NOT_FOUND, IDENTITY_ERROR_INSECURE_MODE (with the
 * mode), IDENTITY_ERROR_CORRUPT (naming the bad field) or IDENTITY_ERROR_IO (with the errno).
 */
export function loadIdentity(file: string): Identity {
  let text: string;
  try {
    const mode = statSync(file).mode & 0o777;
    if (process.platform !== "win32" && (mode & 0o077) !== 0) {
      throw new ProtocolError(
        { code: "IDENTITY_ERROR_INSECURE_MODE", file, mode },
        `identity file ${file} is readable by others (mode ${mode.toString(8)}); chmod 600 it`,
      );
    }
    text = readFileSync(file, "utf8");
  } catch (err) {
    if (err instanceof ProtocolError) throw err;
    if ((err as NodeJS.ErrnoException).code === "ENOENT") {
      throw new ProtocolError(
        { code: "IDENTITY_ERROR_NOT_FOUND", file },
        `no identity file ${file}`,
      );
    }
    throw ioError(file, err);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw corrupt(file, "json");
  }
  if (typeof data !== "object" || data === null) throw corrupt(file, "json");
  const { version, publicKey, secretKey } = data as Record<string, unknown>;
  if (version !== IDENTITY_FILE_VERSION) throw corrupt(file, "version");
  if (typeof secretKey !== "string" || !HEX_KEY.test(secretKey)) throw corrupt(file, "secretKey");
  if (typeof publicKey !== "string" || !HEX_KEY.test(publicKey)) throw corrupt(file, "publicKey");
  const identity = identityFromSecretKey(hexToBytes(secretKey));
  if (bytesToHex(identity.publicKey) !== publicKey) throw corrupt(file, "publicKey");
  return identity;
}

/**
 * Writes `identity` to `file` (mode 0600, parent directories created with mode 0700),
 * replacing any file there atomically.
 * @throws {ProtocolError} IDENTITY_ERROR_IO with the errno.
 * @throws {TypeError|RangeError} when a key is not a 32-byte Uint8Array.
 */
export function saveIdentity(file: string, identity: Identity): void {
  writeIdentityFile(file, identity, "replace");
}

/**
 * Loads the identity in `file`, or creates one there if there is no file. Two processes
 * creating the same file at once end up with the same identity: the second loads the first's.
 * @throws {ProtocolError} as loadIdentity, or IDENTITY_ERROR_IO when the file cannot be written.
 */
export function loadOrCreateIdentity(file: string): Identity {
  try {
    return loadIdentity(file);
  } catch (err) {
    if (!(err instanceof ProtocolError) || err.code !== "IDENTITY_ERROR_NOT_FOUND") throw err;
  }
  const identity = generateIdentity();
  return writeIdentityFile(file, identity, "create") ? identity : loadIdentity(file);
}

/**
 * Writes the file through a temporary sibling: renamed over `file` ("replace"), or hard-linked
 * to it ("create", which fails if `file` exists). Returns false when "create" found a file.
 */
function writeIdentityFile(file: string, identity: Identity, how: "replace" | "create"): boolean {
  checkKey(identity.secretKey, SECRET_KEY_BYTES, "secretKey");
  checkKey(identity.publicKey, PUBLIC_KEY_BYTES, "publicKey");
  const text = `${JSON.stringify({
    version: IDENTITY_FILE_VERSION,
    publicKey: bytesToHex(identity.publicKey),
    secretKey: bytesToHex(identity.secretKey),
  })}\n`;
  const tmp = `${file}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`;
  let tmpExists = false;
  try {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    const fd = openSync(tmp, "wx", 0o600);
    tmpExists = true;
    try {
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    if (how === "replace") {
      renameSync(tmp, file);
      tmpExists = false;
    } else {
      linkSync(tmp, file);
    }
    return true;
  } catch (err) {
    if (how === "create" && (err as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw ioError(file, err);
  } finally {
    if (tmpExists) rmSync(tmp, { force: true });
  }
}
