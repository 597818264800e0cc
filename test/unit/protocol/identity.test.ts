import {
  chmodSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ed25519 } from "@noble/curves/ed25519.js";
import { bytesToHex, utf8ToBytes } from "@noble/hashes/utils.js";
import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  generateIdentity,
  identityFromSecretKey,
  keyId,
  loadIdentity,
  loadOrCreateIdentity,
  saveIdentity,
  sign,
  verifySignature,
} from "../../../protocol/identity.js";
import { expectFoldnetError } from "../../helpers/errors.js";

/** The group order L of ed25519 (RFC 8032 §5.1), to build a malleated S + L. */
const L = 2n ** 252n + 27742317777372353535851937790883648493n;

function addToScalar(signature: Uint8Array, add: bigint): Uint8Array {
  const out = Uint8Array.from(signature);
  let s = 0n;
  for (let i = 63; i >= 32; i--) s = (s << 8n) | BigInt(signature[i]!);
  s += add;
  for (let i = 32; i < 64; i++) {
    out[i] = Number(s & 0xffn);
    s >>= 8n;
  }
  return out;
}

describe("keys, signatures and key ids", () => {
  const message = utf8ToBytes("foldnet");

  it("generates distinct key pairs whose signatures verify only for their own key and message", () => {
    const a = generateIdentity();
    const b = generateIdentity();
    expect(a.secretKey).toHaveLength(32);
    expect(a.publicKey).toHaveLength(32);
    expect(a.publicKey).not.toEqual(b.publicKey);
    expect(identityFromSecretKey(a.secretKey).publicKey).toEqual(a.publicKey);
    const signature = sign(a.secretKey, message);
    expect(signature).toHaveLength(64);
    expect(verifySignature(a.publicKey, message, signature)).toBe(true);
    expect(verifySignature(b.publicKey, message, signature)).toBe(false);
    expect(verifySignature(a.publicKey, utf8ToBytes("foldnet!"), signature)).toBe(false);
  });

  it("key ids are 16 lowercase hex digits, distinct for distinct keys", () => {
    const ids = new Set(Array.from({ length: 50 }, () => keyId(generateIdentity().publicKey)));
    expect(ids.size).toBe(50);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{16}$/);
    expect(() => keyId(new Uint8Array(31))).toThrow(RangeError);
  });

  it("verification is strict RFC 8032: S + L (malleability) is refused", () => {
    const { secretKey, publicKey } = generateIdentity();
    const signature = sign(secretKey, message);
    expect(verifySignature(publicKey, message, addToScalar(signature, L))).toBe(false);
  });

  it("verification is strict, not ZIP-215: a small-order key with a forged signature is refused", () => {
    // A = the identity point (order 1), R = identity, S = 0 satisfies [8][S]B = [8]R + [8][k]A for
    // every message: ZIP-215 accepts this forgery, strict RFC 8032 refuses small-order keys.
    const identityPoint = ed25519.Point.ZERO.toBytes();
    const forged = new Uint8Array(64);
    forged.set(identityPoint, 0);
    expect(ed25519.verify(forged, message, identityPoint, { zip215: true })).toBe(true);
    expect(verifySignature(identityPoint, message, forged)).toBe(false);
  });

  it("verification never throws: malformed arguments give false", () => {
    const { secretKey, publicKey } = generateIdentity();
    const signature = sign(secretKey, message);
    fc.assert(
      fc.property(fc.anything(), fc.uint8Array({ maxLength: 70 }), (junk, bytes) => {
        const verify = verifySignature as (...args: unknown[]) => boolean;
        expect(verify(junk, message, signature)).toBe(false);
        expect(verify(publicKey, junk, signature)).toBe(false);
        expect(verify(publicKey, message, junk)).toBe(false);
        expect(verify(bytes, message, signature)).toBe(false);
        expect(verify(publicKey, message, bytes)).toBe(false);
      }),
    );
    // 32 bytes that are not a curve point (y ≥ p)
    expect(verifySignature(new Uint8Array(32).fill(0xff), message, signature)).toBe(false);
  });

  it("signing refuses keys of the wrong type or length", () => {
    expect(() => sign(new Uint8Array(64), message)).toThrow(
      new RangeError("secretKey must be 32 bytes, got 64"),
    );
    expect(() => sign("k" as unknown as Uint8Array, message)).toThrow(TypeError);
    expect(() => sign(new Uint8Array(32), "m" as unknown as Uint8Array)).toThrow(TypeError);
  });
});

describe("identity files", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "foldnet-identity-"));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it("are created once with mode 0600 in a new 0700 directory, then loaded unchanged", () => {
    const file = join(dir, "nested", "deeper", "identity.json");
    const created = loadOrCreateIdentity(file);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, "nested")).mode & 0o777).toBe(0o700);
    const data = JSON.parse(readFileSync(file, "utf8"));
    expect(data).toEqual({
      version: 1,
      publicKey: bytesToHex(created.publicKey),
      secretKey: bytesToHex(created.secretKey),
    });
    expect(loadOrCreateIdentity(file)).toEqual(created);
    expect(loadIdentity(file)).toEqual(created);
  });

  it("are replaced by saveIdentity, leaving no temporary file behind", () => {
    const file = join(dir, "id.json");
    const first = generateIdentity();
    const second = generateIdentity();
    saveIdentity(file, first);
    saveIdentity(file, second);
    expect(loadIdentity(file)).toEqual(second);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, "utf8").endsWith("\n")).toBe(true);
    expect(readdirSync(dir)).toEqual(["id.json"]);
  });

  it("give typed errors when missing, corrupt, inconsistent, readable by others or unreadable", async () => {
    const file = join(dir, "id.json");
    await expectFoldnetError(() => loadIdentity(file), { code: "IDENTITY_ERROR_NOT_FOUND", file });
    const good = generateIdentity();
    const valid = {
      version: 1,
      publicKey: bytesToHex(good.publicKey),
      secretKey: bytesToHex(good.secretKey),
    };
    const cases: [string, string][] = [
      ["{not json", "json"],
      ["null", "json"],
      [JSON.stringify({ ...valid, version: 2 }), "version"],
      [JSON.stringify({ ...valid, secretKey: "zz" }), "secretKey"],
      [JSON.stringify({ ...valid, secretKey: valid.secretKey.toUpperCase() }), "secretKey"],
      [
        JSON.stringify({ ...valid, publicKey: bytesToHex(generateIdentity().publicKey) }),
        "publicKey",
      ],
      [JSON.stringify({ ...valid, publicKey: undefined }), "publicKey"],
    ];
    for (const [text, field] of cases) {
      writeFileSync(file, text, { mode: 0o600 });
      await expectFoldnetError(() => loadIdentity(file), {
        code: "IDENTITY_ERROR_CORRUPT",
        file,
        field,
      });
      await expectFoldnetError(() => loadOrCreateIdentity(file), {
        code: "IDENTITY_ERROR_CORRUPT",
        field,
      });
    }
    writeFileSync(file, JSON.stringify(valid), { mode: 0o600 });
    chmodSync(file, 0o644);
    await expectFoldnetError(() => loadIdentity(file), {
      code: "IDENTITY_ERROR_INSECURE_MODE",
      file,
      mode: 0o644,
    });
    await expectFoldnetError(() => loadIdentity(dir), {
      code: "IDENTITY_ERROR_IO",
      errno: "EISDIR",
    });
    const blocker = join(dir, "file");
    writeFileSync(blocker, "");
    await expectFoldnetError(() => saveIdentity(join(blocker, "id.json"), good), {
      code: "IDENTITY_ERROR_IO",
      file: join(blocker, "id.json"),
    });
    expect(readdirSync(dir).sort()).toEqual(["file", "id.json"]);
  });
});
