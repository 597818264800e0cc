/**
 * The structural check of every result (docs/design.md "Proof of useful work", check 1), O(n):
 * the commit answers a lease of the sender, is signed by the sender's key over its canonical
 * payload, ran the assigned steps, and its final state decodes, hashes to the committed hash,
 * continues the assigned start state (same parameters, step counter advanced by exactly the
 * assigned steps) and holds as best-so-far the reported fold, whose recomputed energy equals
 * the claim. Each failure is a ResultError with its own code.
 * @module
 */
import { equalBytes } from "@noble/curves/utils.js";
import { bytesToHex } from "@noble/hashes/utils.js";
import { ErrorAction, FoldnetError } from "../common/errors.js";
import { resultCommitPayload } from "../protocol/canonical.js";
import type { ResultCommitFrame } from "../protocol/frames.js";
import { verifySignature } from "../protocol/identity.js";
import { foldEnergy, foldToString } from "../sim/fold.js";
import type { SearchSnapshot } from "../sim/search-snapshot.js";
import { decodeState, stateHash } from "../sim/state-codec.js";
import { ResultError } from "./errors.js";
import type { Lease } from "./store/store.js";

/** True when two snapshots run the same search (sequence, lattice, ladder, exchange interval). */
export function sameSearch(
  a: Pick<SearchSnapshot, "params">,
  b: Pick<SearchSnapshot, "params">,
): boolean {
  return (
    a.params.sequence === b.params.sequence &&
    a.params.lattice === b.params.lattice &&
    a.params.model === b.params.model &&
    a.params.exchangeInterval === b.params.exchangeInterval &&
    a.params.temperaturesMilli.length === b.params.temperaturesMilli.length &&
    a.params.temperaturesMilli.every((t, k) => t === b.params.temperaturesMilli[k])
  );
}

/**
 * Checks a result commit against its lease; returns the decoded final state.
 * @throws {ResultError} naming what is wrong (action REJECT, or IGNORE for a stale lease).
 */
export function checkResultCommit(
  lease: Lease,
  commit: ResultCommitFrame,
  senderKey: Uint8Array,
): SearchSnapshot {
  const { assignment, unit, job } = lease;
  if (assignment.workerKey !== bytesToHex(senderKey)) {
    throw new ResultError("RESULT_ERROR_NOT_ASSIGNED", "this unit was not leased to your key");
  }
  if (commit.unitId !== unit.id) {
    throw new ResultError(
      "RESULT_ERROR_WRONG_UNIT",
      `the lease is for unit ${unit.id}, not ${commit.unitId}`,
    );
  }
  let signed: Uint8Array;
  try {
    signed = resultCommitPayload(commit);
  } catch {
    throw new ResultError(
      "RESULT_ERROR_BAD_SIGNATURE",
      "the commit's fields cannot be encoded for signing",
    );
  }
  if (!verifySignature(senderKey, signed, commit.signature)) {
    throw new ResultError(
      "RESULT_ERROR_BAD_SIGNATURE",
      "the signature does not verify with your key",
    );
  }
  if (commit.steps !== unit.steps) {
    throw new ResultError(
      "RESULT_ERROR_WRONG_STEPS",
      `the unit has ${unit.steps} steps, the result claims ${commit.steps}`,
    );
  }
  let final: SearchSnapshot;
  try {
    final = decodeState(commit.finalState);
  } catch (err) {
    const detail = err instanceof FoldnetError ? err.message : "cannot be decoded";
    throw new ResultError("RESULT_ERROR_BAD_STATE", `final state: ${detail}`);
  }
  if (!equalBytes(stateHash(commit.finalState), commit.finalStateHash)) {
    throw new ResultError(
      "RESULT_ERROR_STATE_MISMATCH",
      "the final state does not hash to finalStateHash",
    );
  }
  const start = decodeState(unit.startState);
  if (
    !sameSearch(start, final) ||
    final.step !== start.step + unit.steps ||
    final.bestEnergy > start.bestEnergy
  ) {
    throw new ResultError(
      "RESULT_ERROR_STATE_MISMATCH",
      "the final state does not continue the assigned start state",
    );
  }
  let energy: number;
  try {
    energy = foldEnergy(job.sequence, commit.bestFold, job.lattice, "bestFold", final.params.model);
  } catch (err) {
    throw new ResultError(
      "RESULT_ERROR_BAD_FOLD",
      err instanceof FoldnetError ? err.message : "invalid fold",
    );
  }
  if (energy !== commit.bestEnergy) {
    throw new ResultError(
      "RESULT_ERROR_ENERGY_MISMATCH",
      `the fold's energy is ${energy}, the result claims ${commit.bestEnergy}`,
    );
  }
  if (
    commit.bestFold !== foldToString(final.bestDirections, job.lattice) ||
    commit.bestEnergy !== final.bestEnergy
  ) {
    throw new ResultError(
      "RESULT_ERROR_BEST_MISMATCH",
      "the reported fold is not the final state's best-so-far",
    );
  }
  return final;
}

/** A lease that can no longer take a result: the unit is done or the job ended. */
export function staleLease(): ResultError {
  return new ResultError(
    "RESULT_ERROR_STALE",
    "the unit is already done or its job has ended",
    ErrorAction.IGNORE,
  );
}
