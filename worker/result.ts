/**
 * From a finished unit to what the coordinator sees: sealing a result (Merkle root over the
 * state hashes, the final state hash, the worker's signature over the canonical commit
 * payload of protocol/canonical.ts), the fields of its `resultCommit` frame, and the openings
 * that answer a spot-check challenge (docs/design.md "Proof of useful work").
 * @module
 */
import { resultCommitPayload } from "../protocol/canonical.js";
import type { AssignmentFrame, Opening, ResultCommitFrame } from "../protocol/frames.js";
import { sign } from "../protocol/identity.js";
import { MerkleTree } from "../protocol/merkle.js";
import { stateHash } from "../sim/state-codec.js";
import { advanceState } from "../sim/work-unit.js";
import { WorkerError } from "./errors.js";
import type { SpooledResult } from "./spool.js";
import type { UnitTaskOutput } from "./unit-task.js";

/** What the worker keeps of an assignment frame. */
export type AssignmentInfo = Omit<AssignmentFrame, "kind">;

/** The fields of a `resultCommit` frame. */
export type CommitFields = Omit<ResultCommitFrame, "kind">;

/** One opened segment, as the `openings` frame carries it. */
export type OpeningFields = Opening;

/**
 * Seals a finished unit: computes the leaves' root and signs the commit payload.
 * @throws {TypeError|RangeError} from the canonical encoding when a claim cannot be encoded.
 */
export function sealResult(
  assignment: AssignmentInfo,
  output: UnitTaskOutput,
  secretKey: Uint8Array,
  finishedAtMs: number,
): SpooledResult {
  const root = new MerkleTree(output.leaves).root;
  const finalStateHash = stateHash(output.finalState);
  const signature = sign(
    secretKey,
    resultCommitPayload({
      assignmentId: assignment.assignmentId,
      unitId: assignment.unitId,
      bestFold: output.bestFold,
      bestEnergy: output.bestEnergy,
      steps: assignment.steps,
      finalStateHash,
      merkleRoot: root,
    }),
  );
  return {
    assignmentId: assignment.assignmentId,
    unitId: assignment.unitId,
    jobId: assignment.jobId,
    steps: assignment.steps,
    checkpointInterval: assignment.checkpointInterval,
    deadlineMs: assignment.deadlineMs,
    bestFold: output.bestFold,
    bestEnergy: output.bestEnergy,
    finalState: output.finalState,
    leaves: output.leaves,
    anchorStride: output.anchorStride,
    anchorStates: output.anchorStates,
    merkleRoot: root,
    signature,
    finishedAtMs,
  };
}

/** The `resultCommit` fields of a sealed result. */
export function commitFields(r: SpooledResult): CommitFields {
  return {
    assignmentId: r.assignmentId,
    unitId: r.unitId,
    bestFold: r.bestFold,
    bestEnergy: r.bestEnergy,
    steps: r.steps,
    finalStateHash: r.leaves[r.leaves.length - 1]!,
    merkleRoot: r.merkleRoot,
    finalState: r.finalState,
    signature: r.signature,
  };
}

/**
 * The state at the start of segment j (after j·K steps), replayed from the nearest kept state.
 * @throws {SimError} SIM_ERROR_BAD_STATE when a kept state is damaged (the spool checks them).
 */
export function segmentStartState(
  kept: { readonly anchorStride: number; readonly anchorStates: readonly Uint8Array[] },
  checkpointInterval: number,
  j: number,
): Uint8Array {
  const anchor = kept.anchorStates[Math.floor(j / kept.anchorStride)]!;
  return advanceState(anchor, (j % kept.anchorStride) * checkpointInterval);
}

/**
 * The openings of the challenged segments, in the challenge's order: for segment j, the state
 * after j·K steps, the inclusion proofs of leaves j and j+1 and leaf j+1. The state is rebuilt
 * from the nearest kept state before it: fewer than S segments replayed per opening. `tree`, the
 * Merkle tree of `r.leaves`, is built unless given (by a caller opening one result many times).
 * @throws {WorkerError} WORKER_ERROR_BAD_CHALLENGE for an index outside 0…steps/K − 1.
 */
export function buildOpenings(
  r: SpooledResult,
  segments: readonly number[],
  tree: MerkleTree = new MerkleTree(r.leaves),
): OpeningFields[] {
  const count = r.leaves.length - 1;
  for (const j of segments) {
    if (!Number.isSafeInteger(j) || j < 0 || j >= count)
      throw new WorkerError(
        { code: "WORKER_ERROR_BAD_CHALLENGE", segment: j, segments: count },
        `segment ${j} is outside 0…${count - 1}`,
      );
  }
  return segments.map((j) => ({
    segment: j,
    state: segmentStartState(r, r.checkpointInterval, j),
    startProof: tree.proof(j),
    endProof: tree.proof(j + 1),
    endLeaf: r.leaves[j + 1]!,
  }));
}
