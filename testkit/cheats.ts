/**
 * Cheating workers for tests and the verification benchmark: a unit run with some segments
 * skipped (the state after a skipped segment is the state before it with its step counter
 * fast-forwarded — a valid state, just not the one the work would give), then sealed and
 * signed as if honest.
 * @module
 */
import type { FrameOf } from "../protocol/frames.js";
import { foldToString } from "../sim/fold.js";
import { decodeState, encodeState, stateHash } from "../sim/state-codec.js";
import { runWorkUnit } from "../sim/work-unit.js";
import { sealResult } from "../worker/result.js";
import type { SpooledResult } from "../worker/spool.js";

/** A valid state that claims K more steps than `state` without doing them. */
export function fastForward(state: Uint8Array, steps: number): Uint8Array {
  const s = decodeState(state);
  return encodeState({ ...s, step: s.step + steps });
}

/** Runs an assignment, skipping the segments in `skip`, and seals it with `secretKey`. */
export function runSkipping(
  assignment: FrameOf<"assignment">,
  skip: ReadonlySet<number>,
  secretKey: Uint8Array,
): SpooledResult {
  const K = assignment.checkpointInterval;
  const segments = assignment.steps / K;
  const segmentStates: Uint8Array[] = [];
  let state = assignment.startState;
  for (let j = 0; j < segments; j++) {
    segmentStates.push(state);
    state = skip.has(j)
      ? fastForward(state, K)
      : runWorkUnit({ startState: state, steps: K, checkpointInterval: K }).finalState;
  }
  const final = decodeState(state);
  const output = {
    finalState: state,
    leaves: [...segmentStates, state].map((s) => stateHash(s)),
    // every state kept: openings must show the skipped trajectory, not replay an honest one
    anchorStride: 1,
    anchorStates: segmentStates,
    bestEnergy: final.bestEnergy,
    bestFold: foldToString(final.bestDirections, final.params.lattice),
  };
  return sealResult(assignment, output, secretKey, Date.now());
}
