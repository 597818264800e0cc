/**
 * A work unit as a pure function (docs/design.md "Determinism contract"): from a start state and a
 * step count, run the search and commit to its trajectory by hashing the state every K steps.
 * Leaf 0 is the hash of the start state, leaf j the hash after j·K steps, the last leaf the
 * hash of the final state. The same input gives the same bytes on any machine or thread.
 * @module
 */
import { SimError } from "./errors.js";
import { foldToString } from "./fold.js";
import { resumeSearch, searchState } from "./search.js";
import { stateHash } from "./state-codec.js";

/** The input of a work unit. */
export interface WorkUnitInput {
  /** Canonical state to start from (generation 0: `initialSnapshot`, encoded). */
  readonly startState: Uint8Array;
  /** Move attempts to run; a multiple of `checkpointInterval`. */
  readonly steps: number;
  /** K: steps between two committed state hashes. */
  readonly checkpointInterval: number;
}

/** What running a work unit produces. */
export interface WorkUnitOutput {
  readonly finalState: Uint8Array;
  /** steps/K + 1 state hashes: the Merkle leaves of the trajectory commitment. */
  readonly leaves: Uint8Array[];
  readonly bestEnergy: number;
  readonly bestFold: string;
}

/**
 * Checks that `steps` is a positive multiple of a positive `checkpointInterval`.
 * @throws {SimError} SIM_ERROR_BAD_PARAMETER naming the field.
 */
export function checkSegmentation(steps: number, checkpointInterval: number): void {
  if (!Number.isSafeInteger(checkpointInterval) || checkpointInterval < 1) {
    throw new SimError(
      { code: "SIM_ERROR_BAD_PARAMETER", field: "checkpointInterval" },
      "checkpointInterval must be a positive integer",
    );
  }
  if (
    !Number.isSafeInteger(steps) ||
    steps < checkpointInterval ||
    steps % checkpointInterval !== 0
  ) {
    throw new SimError(
      { code: "SIM_ERROR_BAD_PARAMETER", field: "steps" },
      "steps must be a positive multiple of checkpointInterval",
    );
  }
}

/**
 * Called after each K-step segment with the steps done so far, the canonical state reached
 * (the preimage of leaf `stepsDone / K`, i.e. the start state of the next segment), the best
 * energy so far and that leaf. The bytes are fresh and may be kept.
 */
export type SegmentCallback = (
  stepsDone: number,
  state: Uint8Array,
  bestEnergy: number,
  leaf: Uint8Array,
) => void;

/**
 * Runs a work unit, calling `onSegment` after each K-step segment.
 * @throws {SimError} on a bad start state or segmentation.
 */
export function runWorkUnit(input: WorkUnitInput, onSegment?: SegmentCallback): WorkUnitOutput {
  checkSegmentation(input.steps, input.checkpointInterval);
  const search = resumeSearch(input.startState);
  const leaves = [stateHash(input.startState)];
  let finalState = input.startState;
  for (let done = 0; done < input.steps; done += input.checkpointInterval) {
    search.run(input.checkpointInterval);
    finalState = searchState(search);
    const leaf = stateHash(finalState);
    leaves.push(leaf);
    onSegment?.(done + input.checkpointInterval, finalState, search.bestEnergy, leaf);
  }
  return {
    finalState,
    leaves,
    bestEnergy: search.bestEnergy,
    bestFold: foldToString(search.bestDirections(), search.params.lattice),
  };
}

/**
 * Runs `steps` steps from a canonical state and returns the canonical state reached (a worker
 * rebuilding an opened segment's start state from its nearest kept state).
 * @throws {SimError} SIM_ERROR_BAD_STATE when `state` is not a valid state.
 */
export function advanceState(state: Uint8Array, steps: number): Uint8Array {
  if (steps === 0) return state;
  const search = resumeSearch(state);
  search.run(steps);
  return searchState(search);
}

/**
 * Replays one segment: K steps from an opened state; returns the hash of the state it ends in.
 * @throws {SimError} SIM_ERROR_BAD_STATE when the opened state is not a valid state.
 */
export function replaySegment(state: Uint8Array, checkpointInterval: number): Uint8Array {
  return stateHash(advanceState(state, checkpointInterval));
}
