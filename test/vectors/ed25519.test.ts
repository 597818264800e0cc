import { sha512 } from "@noble/hashes/sha2.js";
import { bytesToHex, hexToBytes, utf8ToBytes } from "@noble/hashes/utils.js";
import { describe, expect, it } from "vitest";
import { identityFromSecretKey, keyId, sign, verifySignature } from "../../protocol/identity.js";
import { loadVectors } from "./load.js";

/** One RFC 8032 §7.1 test: keys, message and signature in hex. */
interface Rfc8032Vector {
  name: string;
  secretKey: string;
  publicKey: string;
  message: string;
  signature: string;
}
const rfc8032 = loadVectors<{ vectors: Rfc8032Vector[] }>("rfc8032-ed25519.json");

describe("ed25519 against the RFC 8032 §7.1 test vectors", () => {
  it.each(rfc8032.vectors)("$name: public key, signature bytes and verification", (v) => {
    const message = hexToBytes(v.message);
    const identity = identityFromSecretKey(hexToBytes(v.secretKey));
    expect(bytesToHex(identity.publicKey)).toBe(v.publicKey);
    expect(bytesToHex(sign(identity.secretKey, message))).toBe(v.signature);
    expect(verifySignature(identity.publicKey, message, hexToBytes(v.signature))).toBe(true);
    const tampered = hexToBytes(v.signature);
    tampered[10]! ^= 0x01;
    expect(verifySignature(identity.publicKey, message, tampered)).toBe(false);
  });

  it("has the vectors' messages as published: TEST 1024 is 1,023 bytes, TEST SHA(abc) is SHA-512('abc')", () => {
    const byName = new Map(rfc8032.vectors.map((v) => [v.name, v]));
    expect(hexToBytes(byName.get("TEST 1024")!.message)).toHaveLength(1023);
    expect(bytesToHex(sha512(utf8ToBytes("abc")))).toBe(byName.get("TEST SHA(abc)")!.message);
  });

  it("derives the key id of TEST 1's public key as the first 16 hex digits of its SHA-256", () => {
    // printf d75a98…511a | xxd -r -p | sha256sum → 21fe31dfa154a261626bf854046fd227…
    expect(keyId(hexToBytes(rfc8032.vectors[0]!.publicKey))).toBe("21fe31dfa154a261");
  });
});
