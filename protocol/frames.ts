/**
 * The frames coordinator and worker exchange, as plain TypeScript values: one discriminated
 * union `Frame` keyed by `kind`, one interface per message of protocol/foldnet.proto. Bytes are
 * Uint8Array, uint64 counts and times are numbers that must be safe integers, the reward is a
 * bigint (token amounts use the full u64 range, as in the ledger). Encoding and decoding, with
 * every limit, live in protocol/wire.ts.
 * @module
 */
import type { ResultClaim } from "./canonical.js";

/** worker → coordinator, the first frame of a connection. */
export interface HelloFrame {
  readonly kind: "hello";
  /** The worker's ed25519 public key, 32 bytes. */
  readonly publicKey: Uint8Array;
  /** Software name and version, for logs (≤ MAX_CLIENT_BYTES). */
  readonly client: string;
  /** Simulation threads the worker runs, 1…MAX_WORKER_THREADS. */
  readonly threads: number;
  /** The team the worker counts for (≤ MAX_TEAM_BYTES; absent or "" for none), signed in auth. */
  readonly team?: string | undefined;
  /**
   * The volunteer's name for this machine (≤ MAX_WORKER_NAME_BYTES; absent or "" for none),
   * shown on the dashboard. Not signed: a label, credited nothing.
   */
  readonly name?: string | undefined;
}

/** coordinator → worker: sign authPayload(nonce, coordinatorKey, your key). */
export interface AuthChallengeFrame {
  readonly kind: "authChallenge";
  /** 32 fresh random bytes. */
  readonly nonce: Uint8Array;
  /** The coordinator's ed25519 public key, 32 bytes. */
  readonly coordinatorKey: Uint8Array;
}

/** worker → coordinator: the signature of the auth payload, 64 bytes. */
export interface AuthResponseFrame {
  readonly kind: "authResponse";
  readonly signature: Uint8Array;
}

/** coordinator → worker: authenticated. */
export interface WelcomeFrame {
  readonly kind: "welcome";
  /** The worker's id as the coordinator knows it (1…MAX_ID_BYTES). */
  readonly workerId: string;
}

/** worker → coordinator: send me work. */
export interface WorkRequestFrame {
  readonly kind: "workRequest";
  /** Units the worker can take now, 1…MAX_WORKER_THREADS. */
  readonly slots: number;
}

/** coordinator → worker: a work unit leased to this worker. */
export interface AssignmentFrame {
  readonly kind: "assignment";
  /** 16 random bytes naming this lease; the result signature is bound to it. */
  readonly assignmentId: Uint8Array;
  readonly unitId: string;
  readonly jobId: string;
  /** The sim's canonical state to start from (≤ MAX_STATE_BYTES). */
  readonly startState: Uint8Array;
  /** Move attempts to run: a positive multiple of checkpointInterval, ≤ K·MAX_SEGMENTS_PER_UNIT. */
  readonly steps: number;
  /** K, steps between committed state hashes (≥ 1). */
  readonly checkpointInterval: number;
  /** Lease deadline, Unix time in ms on the coordinator's clock. */
  readonly deadlineMs: number;
}

/** coordinator → worker: no work now, ask again later. */
export interface NoWorkFrame {
  readonly kind: "noWork";
  /** 0…MAX_RETRY_AFTER_MS. */
  readonly retryAfterMs: number;
}

/** worker → coordinator: heartbeat of a running unit. */
export interface ProgressFrame {
  readonly kind: "progress";
  readonly assignmentId: Uint8Array;
  readonly stepsDone: number;
  readonly bestEnergy: number;
}

/** worker → coordinator: a result, signed over resultCommitPayload(frame). */
export interface ResultCommitFrame extends ResultClaim {
  readonly kind: "resultCommit";
  /** The sim's canonical final state; its hash is finalStateHash, the last leaf. */
  readonly finalState: Uint8Array;
  /** ed25519 signature of resultCommitPayload(this frame), 64 bytes. */
  readonly signature: Uint8Array;
}

/** coordinator → worker: open these segments. */
export interface ChallengeFrame {
  readonly kind: "challenge";
  readonly assignmentId: Uint8Array;
  /** 1…MAX_CHALLENGE_SEGMENTS segment indices, strictly increasing, each < MAX_SEGMENTS_PER_UNIT. */
  readonly segments: readonly number[];
}

/** One opened segment j: its start state (leaf j) and the proofs of leaves j and j+1. */
export interface Opening {
  readonly segment: number;
  /** Canonical state at the segment start, hashing to leaf j (≤ MAX_STATE_BYTES). */
  readonly state: Uint8Array;
  /** Inclusion proof of leaf j (≤ MAX_PROOF_HASHES hashes of 32 bytes). */
  readonly startProof: readonly Uint8Array[];
  /** Inclusion proof of leaf j+1. */
  readonly endProof: readonly Uint8Array[];
  /** Leaf j+1, the hash the segment's replay must end in, 32 bytes. */
  readonly endLeaf: Uint8Array;
}

/** worker → coordinator: the openings answering a challenge, in its (increasing) order. */
export interface OpeningsFrame {
  readonly kind: "openings";
  readonly assignmentId: Uint8Array;
  readonly openings: readonly Opening[];
}

/** coordinator → worker: the outcome of a result. */
export interface VerdictFrame {
  readonly kind: "verdict";
  readonly assignmentId: Uint8Array;
  readonly accepted: boolean;
  /** Empty when accepted, else the rejection code (≤ MAX_CODE_BYTES). */
  readonly code: string;
  /** Tokens credited, in base units, 0…2⁶⁴−1. */
  readonly reward: bigint;
  readonly message: string;
}

/** Either way: a typed error answering a frame (build one with `errorFrame`). */
export interface ErrorFrame {
  readonly kind: "error";
  /** A FoldnetError code, 1…MAX_CODE_BYTES. */
  readonly code: string;
  readonly message: string;
}

/** Why the coordinator revokes a lease (a newer coordinator may send others). */
export const REVOKE_REASONS = [
  /** The job was cancelled by its owner or an admin. */
  "REVOKE_JOB_CANCELLED",
  /** The job ended: its target energy was reached or its step budget spent. */
  "REVOKE_JOB_DONE",
  /** Another lease's result for the unit was accepted first. */
  "REVOKE_UNIT_DONE",
] as const;
/** A reason of `REVOKE_REASONS`. */
export type RevokeReason = (typeof REVOKE_REASONS)[number];

/** coordinator → worker: stop this unit now and forget it; nothing for it will be accepted. */
export interface RevokeFrame {
  readonly kind: "revoke";
  readonly assignmentId: Uint8Array;
  /** A `RevokeReason` (1…MAX_CODE_BYTES; a reason this peer does not know is only logged). */
  readonly reason: string;
}

/** Why a worker cannot run a unit (a newer worker may send others; they count as OTHER). */
export const UNIT_FAILURE_REASONS = [
  /** The sim refused the start state or the segmentation. */
  "UNIT_FAILED_BAD_STATE",
  /** The state names a lattice or energy model this worker's sim does not know. */
  "UNIT_FAILED_UNSUPPORTED",
  /** The unit's result would need more spool than the worker allows. */
  "UNIT_FAILED_TOO_LARGE",
  /** The unit's thread died. */
  "UNIT_FAILED_CRASHED",
  /** Anything else. */
  "UNIT_FAILED_OTHER",
] as const;
/** A reason of `UNIT_FAILURE_REASONS`. */
export type UnitFailureReason = (typeof UNIT_FAILURE_REASONS)[number];

/** worker → coordinator: this unit cannot run here; queue it again for another worker. */
export interface UnitFailedFrame {
  readonly kind: "unitFailed";
  readonly assignmentId: Uint8Array;
  /** A `UnitFailureReason` (1…MAX_CODE_BYTES). */
  readonly reason: string;
  /** For logs (≤ MAX_MESSAGE_BYTES). */
  readonly message: string;
}

/** Any frame. */
export type Frame =
  | HelloFrame
  | AuthChallengeFrame
  | AuthResponseFrame
  | WelcomeFrame
  | WorkRequestFrame
  | AssignmentFrame
  | NoWorkFrame
  | ProgressFrame
  | ResultCommitFrame
  | ChallengeFrame
  | OpeningsFrame
  | VerdictFrame
  | ErrorFrame
  | RevokeFrame
  | UnitFailedFrame;

/** The kinds of frame: the members of the `kind` oneof of protocol/foldnet.proto. */
export type FrameKind = Frame["kind"];

/** The frame of one kind, e.g. `FrameOf<"assignment">`. */
export type FrameOf<K extends FrameKind> = Extract<Frame, { kind: K }>;
