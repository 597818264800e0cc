/**
 * The ledger entry of an accepted result: a work record with the fold, the commitment and
 * its challenge evidence, the lease times, and the reward the chain's rules give it
 * (ledger/rewards.ts) — computed inside the store's acceptance transaction, so the reward
 * sees exactly the work recorded before it.
 * @module
 */
import { hexToBytes } from "@noble/hashes/utils.js";
import { encodeEntry } from "../ledger/entries.js";
import { rewardFor } from "../ledger/rewards.js";
import type { AcceptanceContext, AcceptedResult, LedgerCredit } from "./store/store.js";

/** The credit of `result` in its acceptance context. */
export function creditFor(ctx: AcceptanceContext, result: AcceptedResult): LedgerCredit {
  const { job, unit, assignment, workBefore } = ctx;
  const { work, reward } = rewardFor({
    steps: result.steps,
    length: job.sequence.length,
    workBefore,
    previousBest: job.bestEnergy,
    bestEnergy: result.bestEnergy,
    issuedAt: assignment.issuedAt,
    deadline: assignment.deadline,
    acceptedAt: result.at,
  });
  const entry = encodeEntry({
    kind: "work",
    jobId: job.id,
    unitId: unit.id,
    worker: hexToBytes(result.workerKey),
    sequence: job.sequence,
    lattice: job.lattice,
    ...(job.model === "hp" ? {} : { model: job.model }),
    steps: result.steps,
    bestEnergy: result.bestEnergy,
    fold: result.bestFold,
    finalStateHash: result.finalStateHash,
    merkleRoot: result.merkleRoot,
    segments: result.segments,
    issuedAt: assignment.issuedAt,
    deadline: assignment.deadline,
    acceptedAt: result.at,
    reward,
  });
  return { entry, reward, work };
}
