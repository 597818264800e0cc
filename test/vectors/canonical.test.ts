import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex, concatBytes, hexToBytes, utf8ToBytes } from "@noble/hashes/utils.js";
import { describe, expect, it } from "vitest";
import { authPayload, resultCommitPayload, transferPayload } from "../../protocol/canonical.js";
import { MerkleTree, verifyMerkleProof } from "../../protocol/merkle.js";
import { loadVectors } from "./load.js";
import { ramp, SAMPLE_FRAMES } from "./protocol-samples.js";

/** test/vectors/canonical.json: hex of each canonical encoding of fixed inputs. */
interface CanonicalVectors {
  auth: string;
  result: string;
  transfer: string;
  merkle: { roots: Record<string, string>; proofOfLeaf5Of7: string[] };
}
const golden = loadVectors<CanonicalVectors>("canonical.json");

/** Little-endian fixed-width integers, written independently of CanonicalWriter. */
function le(value: bigint, bytes: number): Uint8Array {
  const bits = BigInt.asUintN(bytes * 8, value);
  return Uint8Array.from({ length: bytes }, (_, i) => Number((bits >> BigInt(8 * i)) & 0xffn));
}
const tag = (name: string) => concatBytes(utf8ToBytes(name), new Uint8Array([0]));
const str = (s: string) => concatBytes(le(BigInt(utf8ToBytes(s).length), 4), utf8ToBytes(s));

describe("canonical encodings: golden bytes, and the documented layouts built by hand", () => {
  it("auth payload = tag ‖ nonce ‖ coordinator key ‖ worker key", () => {
    const bytes = authPayload(ramp(32, 0), ramp(32, 0x20), ramp(32, 0x40));
    expect(bytesToHex(bytes)).toBe(golden.auth);
    expect(bytes).toEqual(
      concatBytes(tag("foldnet/v1/auth"), ramp(32, 0), ramp(32, 0x20), ramp(32, 0x40)),
    );
    expect(bytes).toHaveLength(16 + 96);
  });

  it("result payload = tag ‖ assignment id ‖ str unit ‖ str fold ‖ i32 energy ‖ u64 steps ‖ final hash ‖ root", () => {
    const c = SAMPLE_FRAMES.resultCommit;
    const bytes = resultCommitPayload(c);
    expect(bytesToHex(bytes)).toBe(golden.result);
    expect(bytes).toEqual(
      concatBytes(
        tag("foldnet/v1/result"),
        c.assignmentId,
        str(c.unitId),
        str(c.bestFold),
        le(BigInt(c.bestEnergy), 4),
        le(BigInt(c.steps), 8),
        c.finalStateHash,
        c.merkleRoot,
      ),
    );
  });

  it("transfer payload = tag ‖ network ‖ from ‖ to ‖ u64 amount ‖ u64 nonce", () => {
    const t = { from: ramp(32, 1), to: ramp(32, 0x81), amount: 1_000_000_007n, nonce: 42n };
    const network = ramp(32, 0x41);
    const bytes = transferPayload(t, network);
    expect(bytesToHex(bytes)).toBe(golden.transfer);
    expect(bytes).toEqual(
      concatBytes(
        tag("foldnet/v2/transfer"),
        network,
        t.from,
        t.to,
        le(t.amount, 8),
        le(t.nonce, 8),
      ),
    );
  });
});

describe("Merkle tree: golden roots and proofs", () => {
  const leaf = (i: number) => sha256(le(BigInt(i), 4));
  const leaves = (n: number) => Array.from({ length: n }, (_, i) => leaf(i));

  it.each(Object.entries(golden.merkle.roots))("the root over %s leaves", (n, root) => {
    expect(bytesToHex(new MerkleTree(leaves(Number(n))).root)).toBe(root);
  });

  it("one leaf: the root is SHA-256(0x00 ‖ tag ‖ leaf); two: SHA-256(0x01 ‖ tag ‖ l ‖ r)", () => {
    const t = utf8ToBytes("foldnet/v1/merkle");
    const h0 = sha256(concatBytes(new Uint8Array([0]), t, leaf(0)));
    const h1 = sha256(concatBytes(new Uint8Array([0]), t, leaf(1)));
    expect(bytesToHex(h0)).toBe(golden.merkle.roots["1"]);
    expect(bytesToHex(sha256(concatBytes(new Uint8Array([1]), t, h0, h1)))).toBe(
      golden.merkle.roots["2"],
    );
  });

  it("the proof of leaf 5 of 7, and it verifies against the golden root", () => {
    const proof = new MerkleTree(leaves(7)).proof(5);
    expect(proof.map(bytesToHex)).toEqual(golden.merkle.proofOfLeaf5Of7);
    const root = hexToBytes(golden.merkle.roots["7"]!);
    expect(
      verifyMerkleProof(root, leaf(5), 5, 7, golden.merkle.proofOfLeaf5Of7.map(hexToBytes)),
    ).toBe(true);
  });
});
