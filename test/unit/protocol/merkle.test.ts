import { sha256 } from "@noble/hashes/sha2.js";
import { concatBytes, utf8ToBytes } from "@noble/hashes/utils.js";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  MerkleTree,
  merkleProof,
  merkleRoot,
  verifyMerkleProof,
} from "../../../protocol/merkle.js";
import { expectFoldnetError } from "../../helpers/errors.js";

const TAG = utf8ToBytes("foldnet/v1/merkle");

/** Distinct 32-byte leaves derived from `seed`, like the sim's state hashes. */
function makeLeaves(count: number, seed = 0): Uint8Array[] {
  return Array.from({ length: count }, (_, i) => sha256(Uint8Array.of(seed, i & 0xff, i >> 8)));
}

/** RFC 6962 §2.1 MTH, written recursively from the RFC text as an independent reference. */
function referenceRoot(leaves: Uint8Array[]): Uint8Array {
  if (leaves.length === 1) return sha256(concatBytes(Uint8Array.of(0), TAG, leaves[0]!));
  const k = 2 ** Math.ceil(Math.log2(leaves.length) - 1);
  return sha256(
    concatBytes(
      Uint8Array.of(1),
      TAG,
      referenceRoot(leaves.slice(0, k)),
      referenceRoot(leaves.slice(k)),
    ),
  );
}

/** RFC 6962 §2.1.1 PATH(m, D[n]), recursively. */
function referencePath(m: number, leaves: Uint8Array[]): Uint8Array[] {
  if (leaves.length === 1) return [];
  const k = 2 ** Math.ceil(Math.log2(leaves.length) - 1);
  return m < k
    ? [...referencePath(m, leaves.slice(0, k)), referenceRoot(leaves.slice(k))]
    : [...referencePath(m - k, leaves.slice(k)), referenceRoot(leaves.slice(0, k))];
}

function flipBit(bytes: Uint8Array, bit: number): Uint8Array {
  const copy = Uint8Array.from(bytes);
  copy[bit >> 3]! ^= 1 << (bit & 7);
  return copy;
}

describe("Merkle tree shape and hashes", () => {
  it("equals the recursive RFC 6962 definition (root and every path) for 1…48 leaves", () => {
    for (let n = 1; n <= 48; n++) {
      const leaves = makeLeaves(n);
      const tree = new MerkleTree(leaves);
      expect(tree.root).toEqual(referenceRoot(leaves));
      for (let i = 0; i < n; i++) expect(tree.proof(i)).toEqual(referencePath(i, leaves));
    }
  });

  it("gives a proof of at most ⌈log₂ n⌉ hashes; 1,025 leaves (L = 1,024) need 11 for the last", () => {
    const tree = new MerkleTree(makeLeaves(1025));
    expect(tree.leafCount).toBe(1025);
    expect(tree.proof(1024)).toHaveLength(1);
    expect(tree.proof(0)).toHaveLength(11);
  });

  it("merkleRoot and merkleProof agree with the tree", () => {
    const leaves = makeLeaves(13);
    expect(merkleRoot(leaves)).toEqual(new MerkleTree(leaves).root);
    expect(merkleProof(leaves, 12)).toEqual(new MerkleTree(leaves).proof(12));
  });

  it("depends on order and on every leaf", () => {
    const leaves = makeLeaves(9);
    const swapped = [leaves[1]!, leaves[0]!, ...leaves.slice(2)];
    expect(merkleRoot(swapped)).not.toEqual(merkleRoot(leaves));
    expect(merkleRoot([...leaves.slice(0, 8), flipBit(leaves[8]!, 0)])).not.toEqual(
      merkleRoot(leaves),
    );
  });

  it("keeps a leaf from passing for a node: a 1-leaf tree over a node's bytes has another root", () => {
    const leaves = makeLeaves(2);
    const tree = new MerkleTree(leaves);
    // the root of 2 leaves is a node hash; as a leaf of a 1-leaf tree it is hashed with 0x00
    expect(merkleRoot([tree.root])).not.toEqual(tree.root);
  });

  it("returns copies: changing a proof or root does not change the tree", () => {
    const tree = new MerkleTree(makeLeaves(4));
    const root = tree.root;
    tree.proof(0)[0]!.fill(0);
    root.fill(0);
    expect(tree.root).toEqual(referenceRoot(makeLeaves(4)));
    expect(tree.proof(0)).toEqual(referencePath(0, makeLeaves(4)));
  });

  it("refuses no leaves, leaves that are not 32 bytes and indices outside the tree", async () => {
    await expectFoldnetError(() => merkleRoot([]), { code: "MERKLE_ERROR_EMPTY" });
    const leaves = makeLeaves(5);
    await expectFoldnetError(() => merkleRoot([...leaves, new Uint8Array(31)]), {
      code: "MERKLE_ERROR_BAD_LEAF",
      index: 5,
    });
    await expectFoldnetError(() => merkleRoot([leaves[0]!, "x" as unknown as Uint8Array]), {
      code: "MERKLE_ERROR_BAD_LEAF",
      index: 1,
    });
    for (const index of [-1, 5, 1.5, Number.NaN]) {
      await expectFoldnetError(() => merkleProof(leaves, index), {
        code: "MERKLE_ERROR_BAD_INDEX",
        leafCount: 5,
      });
    }
  });
});

describe("Merkle inclusion proofs", () => {
  it("verify for every leaf of every tree of 1…300 leaves, and not at another index", () => {
    for (let n = 1; n <= 300; n++) {
      const leaves = makeLeaves(n, n & 0xff);
      const tree = new MerkleTree(leaves);
      const root = tree.root;
      for (let i = 0; i < n; i++) {
        const proof = tree.proof(i);
        expect(verifyMerkleProof(root, leaves[i]!, i, n, proof)).toBe(true);
        if (n > 1) expect(verifyMerkleProof(root, leaves[i]!, (i + 1) % n, n, proof)).toBe(false);
      }
    }
  });

  it("fail for any single flipped bit in the leaf, a proof hash, the root or the index", () => {
    const target = fc
      .integer({ min: 1, max: 300 })
      .chain((n) => fc.record({ n: fc.constant(n), index: fc.nat(n - 1), seed: fc.nat(255) }));
    fc.assert(
      fc.property(target, fc.nat(), fc.nat(255), ({ n, index, seed }, pick, bit) => {
        const leaves = makeLeaves(n, seed);
        const tree = new MerkleTree(leaves);
        const root = tree.root;
        const leaf = leaves[index]!;
        const proof = tree.proof(index);
        expect(verifyMerkleProof(root, leaf, index, n, proof)).toBe(true);
        expect(verifyMerkleProof(root, flipBit(leaf, bit), index, n, proof)).toBe(false);
        expect(verifyMerkleProof(flipBit(root, bit), leaf, index, n, proof)).toBe(false);
        expect(verifyMerkleProof(root, leaf, index ^ (1 << (bit % 10)), n, proof)).toBe(false);
        if (proof.length > 0) {
          const at = pick % proof.length;
          const bad = proof.map((p, i) => (i === at ? flipBit(p, bit) : p));
          expect(verifyMerkleProof(root, leaf, index, n, bad)).toBe(false);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it("fail for a proof with a hash dropped or added", () => {
    const leaves = makeLeaves(37);
    const tree = new MerkleTree(leaves);
    const root = tree.root;
    for (const index of [0, 17, 31, 32, 36]) {
      const proof = tree.proof(index);
      expect(verifyMerkleProof(root, leaves[index]!, index, 37, proof.slice(1))).toBe(false);
      expect(verifyMerkleProof(root, leaves[index]!, index, 37, [...proof, root])).toBe(false);
    }
  });

  it("never throw on malformed arguments: they give false", () => {
    const leaves = makeLeaves(3);
    const tree = new MerkleTree(leaves);
    const root = tree.root;
    const proof = tree.proof(1);
    const junk = fc.oneof(
      fc.anything(),
      fc.uint8Array({ maxLength: 40 }),
      fc.array(fc.uint8Array({ minLength: 32, maxLength: 32 }), { maxLength: 40 }),
    );
    fc.assert(
      fc.property(
        junk,
        junk,
        junk,
        fc.oneof(fc.double(), fc.integer()),
        fc.oneof(fc.double(), fc.integer()),
        (r, l, p, i, n) => {
          const call = verifyMerkleProof as (...args: unknown[]) => boolean;
          expect(typeof call(r, l, i, n, p)).toBe("boolean");
          expect(call(root, leaves[1], 1, 3, p)).toBe(false);
          expect(call(r, leaves[1], 1, 3, proof)).toBe(false);
        },
      ),
    );
    for (const [index, count] of [
      [3, 3],
      [-1, 3],
      [0, 0],
      [1, 2 ** 60],
      [0.5, 3],
    ]) {
      expect(verifyMerkleProof(root, leaves[1]!, index!, count!, proof)).toBe(false);
    }
  });
});
