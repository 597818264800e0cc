/**
 * The work check by spot-check replay (docs/design.md "Proof of useful work", check 2). After a
 * worker commits to the Merkle root of its trajectory's state hashes, the coordinator picks
 * segments — always the first and the last, which bind the commitment to the
 * assigned start state and to the returned final state, plus m random ones, drawn from a seed
 * bound to the assignment and its committed root (challenge-draw.ts) — and the worker
 * opens them. Each opening must prove its start and end leaves against the root, its start
 * state must be a valid state of this search at step start + j·K, and replaying K steps from
 * it must end in the committed end leaf. A worker that skipped a fraction f of its segments
 * escapes m random checks with probability (1 − f)^m (docs/verification.md).
 * @module
 */
import { randomInt } from "node:crypto";
import { equalBytes } from "@noble/curves/utils.js";
import type { Opening, ResultCommitFrame } from "../protocol/frames.js";
import { MAX_CHALLENGE_SEGMENTS } from "../protocol/limits.js";
import { verifyMerkleProof } from "../protocol/merkle.js";
import { peekStateHeader, type StateHeader, stateHash } from "../sim/state-codec.js";
import { replaySegment } from "../sim/work-unit.js";
import { ResultError } from "./errors.js";
import { sameSearch } from "./result-check.js";
import type { Lease, WorkerRecord } from "./store/store.js";

/** Trust-dependent number of random segments (besides the first and last) to open. */
export interface SpotCheckPolicy {
  /** m for established keys. */
  readonly segments: number;
  /** m for new keys and keys with strikes. */
  readonly segmentsUntrusted: number;
  /** Accepted results after which a key without strikes is established. */
  readonly trustAfter: number;
}

/**
 * Defaults: m = 40 gives 1 − 0.9⁴⁰ = 98.5 % detection of a worker skipping 10 % of its
 * segments (95.8 % at m = 30 left too little room for an observed rate over a few hundred
 * challenges) at a replay cost of 42/131,072 = 0.032 % of a default unit; untrusted keys get
 * m = 60 (99.8 %, 0.047 %). The MAX_CHALLENGE_SEGMENTS = 64 frame limit bounds m + 2.
 */
export const DEFAULT_SPOT_CHECK_POLICY: SpotCheckPolicy = {
  segments: 40,
  segmentsUntrusted: 60,
  trustAfter: 10,
};

/** m for a worker under a policy. */
export function segmentsFor(policy: SpotCheckPolicy, worker: WorkerRecord | undefined): number {
  const trusted =
    worker !== undefined && worker.strikes === 0 && worker.accepted >= policy.trustAfter;
  return Math.min(trusted ? policy.segments : policy.segmentsUntrusted, MAX_CHALLENGE_SEGMENTS - 2);
}

/**
 * The segments to open: 0 and L−1 and m distinct others drawn uniformly, increasing.
 * `random(n)` draws an integer in [0, n) (a CSPRNG by default).
 */
export function chooseSegments(
  segmentCount: number,
  m: number,
  random: (n: number) => number = randomInt,
): number[] {
  const chosen = new Set<number>([0, segmentCount - 1]);
  const target = Math.min(segmentCount, m + 2);
  while (chosen.size < target) chosen.add(random(segmentCount));
  return [...chosen].sort((a, b) => a - b);
}

/** What checking a challenge's openings needs of the unit and the commit (plain data: it crosses to the verification threads). */
export interface ChallengeContext {
  readonly startState: Uint8Array;
  readonly steps: number;
  readonly checkpointInterval: number;
  readonly merkleRoot: Uint8Array;
  readonly finalStateHash: Uint8Array;
  readonly segments: readonly number[];
}

/** The challenge context of a lease and its commit. */
export function challengeContext(
  lease: Lease,
  commit: ResultCommitFrame,
  segments: readonly number[],
): ChallengeContext {
  return {
    startState: lease.unit.startState,
    steps: lease.unit.steps,
    checkpointInterval: lease.job.checkpointInterval,
    merkleRoot: commit.merkleRoot,
    finalStateHash: commit.finalStateHash,
    segments,
  };
}

/**
 * Checks the openings of a challenge, replaying each opened segment on this thread.
 * @throws {ResultError} RESULT_ERROR_BAD_OPENINGS (malformed or not proven against the root)
 * or RESULT_ERROR_WORK_MISMATCH (a replay does not end in the committed leaf).
 */
export function verifyOpenings(ctx: ChallengeContext, openings: readonly Opening[]): void {
  const { segments, merkleRoot } = ctx;
  const K = ctx.checkpointInterval;
  const leafCount = ctx.steps / K + 1;
  const start = peekStateHeader(ctx.startState);
  const bad = (message: string) => new ResultError("RESULT_ERROR_BAD_OPENINGS", message);
  if (openings.length !== segments.length)
    throw bad(`expected ${segments.length} openings, got ${openings.length}`);
  openings.forEach((o, i) => {
    const j = segments[i] as number;
    if (o.segment !== j) throw bad(`opening ${i} is for segment ${o.segment}, not ${j}`);
    if (!verifyMerkleProof(merkleRoot, stateHash(o.state), j, leafCount, o.startProof)) {
      throw bad(`segment ${j}: the start state is not leaf ${j} of the committed root`);
    }
    if (!verifyMerkleProof(merkleRoot, o.endLeaf, j + 1, leafCount, o.endProof)) {
      throw bad(`segment ${j}: the end leaf is not leaf ${j + 1} of the committed root`);
    }
    if (j === 0 && !equalBytes(o.state, ctx.startState))
      throw bad("leaf 0 is not the assigned start state");
    if (j + 2 === leafCount && !equalBytes(o.endLeaf, ctx.finalStateHash))
      throw bad("the last leaf is not the final state");
    let state: StateHeader;
    try {
      state = peekStateHeader(o.state);
    } catch {
      throw bad(`segment ${j}: the opened state is not a valid state`);
    }
    if (!sameSearch(state, start) || state.step !== start.step + j * K) {
      throw bad(`segment ${j}: the opened state is not this search at step ${start.step + j * K}`);
    }
    let end: Uint8Array;
    try {
      end = replaySegment(o.state, K); // decodes, so fully validates, the opened state
    } catch {
      throw bad(`segment ${j}: the opened state is not a valid state`);
    }
    if (!equalBytes(end, o.endLeaf)) {
      throw new ResultError(
        "RESULT_ERROR_WORK_MISMATCH",
        `segment ${j}: replaying it does not end in the committed leaf`,
      );
    }
  });
}
