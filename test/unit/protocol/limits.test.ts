import { describe, expect, it } from "vitest";
import type { OpeningsFrame } from "../../../protocol/frames.js";
import {
  canonicalStateBytes,
  MAX_CHALLENGE_SEGMENTS,
  MAX_FRAME_BYTES,
  MAX_PROOF_HASHES,
  MAX_SEGMENTS_PER_UNIT,
  MAX_STATE_BYTES,
  STATE_MAX_REPLICAS,
  STATE_MAX_RESIDUES,
} from "../../../protocol/limits.js";
import { MerkleTree } from "../../../protocol/merkle.js";
import { decodeFrame, encodeFrame } from "../../../protocol/wire.js";
import { MAX_REPLICAS, resolveSearchParams } from "../../../sim/params.js";
import { initialSnapshot } from "../../../sim/search.js";
import { MAX_RESIDUES } from "../../../sim/sequence.js";
import { encodeState } from "../../../sim/state-codec.js";
import { SAMPLE_FRAMES } from "../../vectors/protocol-samples.js";

/** The sim's canonical state of a fresh search with `n` residues and `replicas` replicas. */
function simState(n: number, replicas: number, model: "hp" | "mj" = "hp"): Uint8Array {
  const sequence = "HP".repeat(n).slice(0, n);
  return encodeState(
    initialSnapshot(resolveSearchParams({ sequence, lattice: "cubic3d", model, replicas }), 1),
  );
}

describe("limits derived from the sim and the Merkle tree", () => {
  it("use the sim's own residue and replica limits", () => {
    expect(STATE_MAX_RESIDUES).toBe(MAX_RESIDUES);
    expect(STATE_MAX_REPLICAS).toBe(MAX_REPLICAS);
  });

  it("size states as the sim encodes them; the largest (an MJ state) is MAX_STATE_BYTES = 8,976", () => {
    for (const [n, r] of [
      [2, 1],
      [64, 8],
      [100, 16],
    ] as const) {
      expect(simState(n, r)).toHaveLength(canonicalStateBytes(n, r));
      expect(simState(n, r, "mj")).toHaveLength(canonicalStateBytes(n, r, true));
    }
    expect(simState(STATE_MAX_RESIDUES, STATE_MAX_REPLICAS, "mj")).toHaveLength(MAX_STATE_BYTES);
    expect(MAX_STATE_BYTES).toBe(8976);
  });

  it("bound proofs: MAX_PROOF_HASHES is the longest proof in a tree of MAX_SEGMENTS_PER_UNIT + 1 leaves", () => {
    const leaves = Array.from({ length: MAX_SEGMENTS_PER_UNIT + 1 }, () => new Uint8Array(32));
    const tree = new MerkleTree(leaves);
    expect(tree.proof(0)).toHaveLength(MAX_PROOF_HASHES);
    expect(tree.proof(MAX_SEGMENTS_PER_UNIT)).toHaveLength(1);
  });

  it("fit the largest valid frame (an Openings of 64 full states and proofs: 655,640 bytes) in MAX_FRAME_BYTES", () => {
    const hash = new Uint8Array(32).fill(0xff);
    const proof = Array.from({ length: MAX_PROOF_HASHES }, () => hash);
    const state = simState(STATE_MAX_RESIDUES, STATE_MAX_REPLICAS, "mj");
    const worst: OpeningsFrame = {
      kind: "openings",
      assignmentId: SAMPLE_FRAMES.openings.assignmentId,
      openings: Array.from({ length: MAX_CHALLENGE_SEGMENTS }, (_, i) => ({
        segment: MAX_SEGMENTS_PER_UNIT - MAX_CHALLENGE_SEGMENTS + i,
        state,
        startProof: proof,
        endProof: proof,
        endLeaf: hash,
      })),
    };
    const bytes = encodeFrame(worst);
    expect(bytes.length).toBe(655_640);
    expect(bytes.length).toBeLessThanOrEqual(MAX_FRAME_BYTES);
    expect(decodeFrame(bytes)).toEqual(worst);
    // the next largest: a result with a full final state
    const result = encodeFrame({
      ...SAMPLE_FRAMES.resultCommit,
      bestFold: "R".repeat(255),
      finalState: state,
    });
    expect(result.length).toBeLessThan(9_600);
  });
});
