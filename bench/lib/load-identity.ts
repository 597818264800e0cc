/**
 * Worker keys for the simulated workers of the coordinator benchmarks: an ed25519 key pair
 * whose signing runs on node:crypto (OpenSSL, ≈ 0.05 ms a signature instead of ≈ 1.7 ms with
 * @noble/curves on the development VM). ed25519 is deterministic (RFC 8032), so the bytes are
 * the project's own; `createLoadIdentity` checks that once against protocol/identity.ts.
 * @module
 */
import {
  createPrivateKey,
  generateKeyPairSync,
  type KeyObject,
  sign as nodeSign,
} from "node:crypto";
import { equalBytes } from "@noble/curves/utils.js";
import { identityFromSecretKey, sign } from "../../protocol/identity.js";

/** DER prefix of a PKCS#8 ed25519 private key; the 32-byte seed follows (RFC 8410 §7). */
const PKCS8_ED25519_PREFIX = Buffer.from("302e020100300506032b657004220420", "hex");
/** DER prefix of an SPKI ed25519 public key; the 32-byte key follows (RFC 8410 §4). */
const SPKI_ED25519_PREFIX_BYTES = 12;

/** A worker key pair with a node:crypto signing key. */
export interface LoadIdentity {
  readonly publicKey: Uint8Array;
  readonly signingKey: KeyObject;
}

let identityChecked = false;

/**
 * A fresh key pair made by node:crypto (≈ 50 µs, against ≈ 2 ms for noble's keygen here).
 * The first call checks that node:crypto and protocol/identity.ts agree on the public key and
 * the signature bytes.
 * @throws {Error} when they do not agree (the bench would measure rejections).
 */
export function createLoadIdentity(): LoadIdentity {
  const { publicKey, privateKey } = generateKeyPairSync("ed25519");
  const pub = new Uint8Array(
    publicKey.export({ format: "der", type: "spki" }).subarray(SPKI_ED25519_PREFIX_BYTES),
  );
  if (!identityChecked) {
    const seed = new Uint8Array(
      privateKey.export({ format: "der", type: "pkcs8" }).subarray(PKCS8_ED25519_PREFIX.length),
    );
    const key = createPrivateKey({
      key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]),
      format: "der",
      type: "pkcs8",
    });
    const message = new TextEncoder().encode("foldnet bench signature check");
    if (
      !equalBytes(identityFromSecretKey(seed).publicKey, pub) ||
      !equalBytes(new Uint8Array(nodeSign(null, message, key)), sign(seed, message))
    )
      throw new Error("node:crypto and protocol/identity.ts disagree on ed25519");
    identityChecked = true;
  }
  return { publicKey: pub, signingKey: privateKey };
}
