/**
 * Wallet backups: an identity's secret key encrypted under a passphrase, as a JSON file a
 * volunteer can keep anywhere. The key is derived with scrypt (@noble/hashes; N = 2¹⁶, r = 8,
 * p = 1, 16-byte random salt) and the secret key sealed with AES-256-GCM (node:crypto; 12-byte
 * random nonce), the public key and format name authenticated as associated data, so a
 * wrong passphrase or any changed byte is refused rather than yielding a wrong key.
 * @module
 */
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { scrypt } from "@noble/hashes/scrypt.js";
import { bytesToHex, hexToBytes } from "@noble/hashes/utils.js";
import { FoldnetError } from "../common/errors.js";
import { type Identity, identityFromSecretKey } from "./identity.js";

/** The format name every backup file carries. */
export const BACKUP_FORMAT = "foldnet-wallet-backup/1";

/** scrypt cost parameters of new backups (a backup records its own). */
export const BACKUP_KDF = { N: 2 ** 16, r: 8, p: 1 } as const;

/** Why a backup cannot be opened. */
export class BackupError extends FoldnetError<{
  code: "BACKUP_ERROR_CORRUPT" | "BACKUP_ERROR_WRONG_PASSPHRASE";
  field?: string;
}> {}

/** A backup file's JSON. */
export interface BackupFile {
  readonly format: typeof BACKUP_FORMAT;
  readonly publicKey: string;
  readonly kdf: { readonly name: "scrypt"; N: number; r: number; p: number; salt: string };
  readonly cipher: { readonly name: "aes-256-gcm"; nonce: string; tag: string };
  readonly ciphertext: string;
}

const deriveKey = (passphrase: string, kdf: BackupFile["kdf"]) =>
  scrypt(passphrase.normalize("NFKC"), hexToBytes(kdf.salt), {
    N: kdf.N,
    r: kdf.r,
    p: kdf.p,
    dkLen: 32,
    maxmem: 2 ** 28,
  });

const associatedData = (publicKey: string) => Buffer.from(`${BACKUP_FORMAT}\0${publicKey}`);

/** Encrypts `identity` under `passphrase`. */
export function backupIdentity(identity: Identity, passphrase: string): BackupFile {
  const publicKey = bytesToHex(identity.publicKey);
  const kdf = { name: "scrypt" as const, ...BACKUP_KDF, salt: bytesToHex(randomBytes(16)) };
  const nonce = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", deriveKey(passphrase, kdf), nonce);
  cipher.setAAD(associatedData(publicKey));
  const ciphertext = Buffer.concat([cipher.update(identity.secretKey), cipher.final()]);
  return {
    format: BACKUP_FORMAT,
    publicKey,
    kdf,
    cipher: {
      name: "aes-256-gcm",
      nonce: nonce.toString("hex"),
      tag: cipher.getAuthTag().toString("hex"),
    },
    ciphertext: ciphertext.toString("hex"),
  };
}

const corrupt = (field: string) =>
  new BackupError({ code: "BACKUP_ERROR_CORRUPT", field }, `the backup has a bad ${field}`);

/** The backup's fields, checked for shape. @throws {BackupError} BACKUP_ERROR_CORRUPT. */
function parseBackup(data: unknown): BackupFile {
  const b = (typeof data === "object" && data !== null ? data : {}) as Record<string, unknown>;
  if (b.format !== BACKUP_FORMAT) throw corrupt("format");
  const kdf = (b.kdf ?? {}) as Record<string, unknown>;
  const cipher = (b.cipher ?? {}) as Record<string, unknown>;
  const hex = (v: unknown, bytes: number) =>
    typeof v === "string" && v.length === bytes * 2 && /^[0-9a-f]*$/.test(v);
  if (!hex(b.publicKey, 32)) throw corrupt("publicKey");
  if (kdf.name !== "scrypt" || !hex(kdf.salt, 16)) throw corrupt("kdf");
  const [N, r, p] = [kdf.N, kdf.r, kdf.p].map((v) => (Number.isSafeInteger(v) ? (v as number) : 0));
  // N a power of two, 128·N·r ≤ 256 MiB and p ≤ 4: a hostile file cannot ask for more
  const ok = N! > 1 && (N! & (N! - 1)) === 0 && r! > 0 && 128 * N! * r! <= 2 ** 28 && p! > 0;
  if (!ok || p! > 4) throw corrupt("kdf");
  if (cipher.name !== "aes-256-gcm" || !hex(cipher.nonce, 12) || !hex(cipher.tag, 16))
    throw corrupt("cipher");
  if (!hex(b.ciphertext, 32)) throw corrupt("ciphertext");
  return b as unknown as BackupFile;
}

/**
 * Decrypts a backup (its parsed JSON) with `passphrase`.
 * @throws {BackupError} BACKUP_ERROR_CORRUPT naming the bad field, or
 * BACKUP_ERROR_WRONG_PASSPHRASE when the passphrase (or any sealed byte) is not the one.
 */
export function restoreIdentity(data: unknown, passphrase: string): Identity {
  const b = parseBackup(data);
  const decipher = createDecipheriv(
    "aes-256-gcm",
    deriveKey(passphrase, b.kdf),
    hexToBytes(b.cipher.nonce),
  );
  decipher.setAAD(associatedData(b.publicKey));
  decipher.setAuthTag(hexToBytes(b.cipher.tag));
  let secretKey: Buffer;
  try {
    secretKey = Buffer.concat([decipher.update(hexToBytes(b.ciphertext)), decipher.final()]);
  } catch {
    throw new BackupError(
      { code: "BACKUP_ERROR_WRONG_PASSPHRASE" },
      "the passphrase does not open this backup (or the backup was changed)",
    );
  }
  const identity = identityFromSecretKey(new Uint8Array(secretKey));
  if (bytesToHex(identity.publicKey) !== b.publicKey) throw corrupt("publicKey");
  return identity;
}
