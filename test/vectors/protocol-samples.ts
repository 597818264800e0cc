/**
 * One fixed sample frame of every kind, built from deterministic bytes, for the golden frame
 * vectors (frames.json), the round-trip tests and the seeds of the malformed-frame fuzzing.
 * @module
 */
import type { Frame, FrameKind, FrameOf } from "../../protocol/frames.js";

/** `length` bytes counting up from `start` (mod 256): distinct, readable in hex dumps. */
export function ramp(length: number, start: number): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => (start + i) & 0xff);
}

const assignmentId = ramp(16, 0xa0);

/** One sample of each kind, covering every field with a non-default value. */
export const SAMPLE_FRAMES: { readonly [K in FrameKind]: FrameOf<K> } = {
  hello: { kind: "hello", publicKey: ramp(32, 1), client: "foldnet/0.1.0 node/20", threads: 4 },
  authChallenge: { kind: "authChallenge", nonce: ramp(32, 0x40), coordinatorKey: ramp(32, 0x80) },
  authResponse: { kind: "authResponse", signature: ramp(64, 0xc0) },
  welcome: { kind: "welcome", workerId: "3f2a9c0d1e5b7a64" },
  workRequest: { kind: "workRequest", slots: 2 },
  assignment: {
    kind: "assignment",
    assignmentId,
    unitId: "unit-7",
    jobId: "job-1",
    startState: ramp(40, 0x10),
    steps: 1_024_000,
    checkpointInterval: 1000,
    deadlineMs: 1_767_225_600_000,
  },
  noWork: { kind: "noWork", retryAfterMs: 5000 },
  progress: { kind: "progress", assignmentId, stepsDone: 512_000, bestEnergy: -9 },
  resultCommit: {
    kind: "resultCommit",
    assignmentId,
    unitId: "unit-7",
    bestFold: "RRUULLDR",
    bestEnergy: -2,
    steps: 1_024_000,
    finalStateHash: ramp(32, 0x20),
    merkleRoot: ramp(32, 0x60),
    finalState: ramp(40, 0x30),
    signature: ramp(64, 0xe0),
  },
  challenge: { kind: "challenge", assignmentId, segments: [3, 511, 1023] },
  openings: {
    kind: "openings",
    assignmentId,
    openings: [
      {
        segment: 3,
        state: ramp(24, 0x50),
        startProof: [ramp(32, 0x70), ramp(32, 0x90)],
        endProof: [ramp(32, 0xb0)],
        endLeaf: ramp(32, 0xd0),
      },
      { segment: 4, state: ramp(8, 0x55), startProof: [], endProof: [], endLeaf: ramp(32, 0xd5) },
    ],
  },
  verdict: {
    kind: "verdict",
    assignmentId,
    accepted: false,
    code: "RESULT_ERROR_ENERGY_MISMATCH",
    reward: 18_446_744_073_709_551_615n,
    message: "claimed −12, recomputed −11",
  },
  error: { kind: "error", code: "FRAME_ERROR_MALFORMED", message: "malformed frame: truncated" },
  revoke: { kind: "revoke", assignmentId, reason: "REVOKE_JOB_DONE" },
  unitFailed: {
    kind: "unitFailed",
    assignmentId,
    reason: "UNIT_FAILED_UNSUPPORTED",
    message: "state field lattice is not a known lattice code",
  },
};

/**
 * Frames beside the one sample per kind, each under its own name in frames.json: fields
 * that are left off the wire when empty, so the kind's first sample keeps its bytes.
 */
export const VARIANT_FRAMES: Readonly<Record<string, Frame>> = {
  "hello+team+name": {
    kind: "hello",
    publicKey: ramp(32, 1),
    client: "foldnet-worker/0.1.0",
    threads: 2,
    team: "Lattice Lab",
    name: "kitchen pc",
  },
};

/** The samples as a list, in schema order. */
export const SAMPLE_LIST: readonly Frame[] = Object.values(SAMPLE_FRAMES);
