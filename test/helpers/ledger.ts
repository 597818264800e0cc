/**
 * Ledger fixtures for tests: work entries with the reward the rules give them after a state
 * (applied to it), signed transfers and escrows, and chain files sealed from entry lists.
 * @module
 */
import { bytesToHex } from "@noble/hashes/utils.js";
import { sealBlock } from "../../ledger/blocks.js";
import { encodeChainFile } from "../../ledger/chain-file.js";
import type { TransferEntry, WorkEntry } from "../../ledger/entries.js";
import { type EscrowEntry, escrowPayload } from "../../ledger/escrow-entries.js";
import { rewardFor } from "../../ledger/rewards.js";
import type { LedgerState } from "../../ledger/verify-chain.js";
import { networkId, transferPayload } from "../../protocol/canonical.js";
import { type Identity, sign } from "../../protocol/identity.js";

/** The 20-mer every ledger fixture folds, and a fold of it with energy −9. */
export const SEQ = "HPHPPHHPHPPHPHHPPHPH";
export const FOLD = "LDDRURDRDRUULURULLD";
/** The straight chain: energy 0. */
export const STRAIGHT = "R".repeat(SEQ.length - 1);

/** A work entry of `unitId` in `jobId` with the rule's reward after `state`, credited to it. */
export function workEntry(
  state: LedgerState,
  o: { jobId: string; unitId: string; worker: Identity; bestEnergy?: number; fold?: string },
): WorkEntry {
  const bestEnergy = o.bestEnergy ?? -9;
  const base = { steps: 1_048_576, issuedAt: 1_000, deadline: 121_000, acceptedAt: 2_000 };
  const { reward, work } = rewardFor({
    ...base,
    length: SEQ.length,
    workBefore: state.work,
    previousBest: state.jobBest.get(o.jobId) ?? null,
    bestEnergy,
  });
  const seed = o.unitId.length;
  const entry: WorkEntry = {
    kind: "work",
    jobId: o.jobId,
    unitId: o.unitId,
    worker: o.worker.publicKey,
    sequence: SEQ,
    lattice: "square2d",
    bestEnergy,
    fold: o.fold ?? FOLD,
    finalStateHash: new Uint8Array(32).fill(seed),
    merkleRoot: new Uint8Array(32).fill(seed + 1),
    segments: [0, 7, 300, 1023],
    reward,
    ...base,
  };
  state.credit(entry, work);
  return entry;
}

/** A transfer signed by `from` for the network of `producer`, with its next nonce after `state` (unless given). */
export function signedTransfer(
  state: LedgerState,
  producer: Uint8Array,
  from: Identity,
  to: Identity,
  amount: bigint,
  nonce?: bigint,
): TransferEntry {
  const t = {
    from: from.publicKey,
    to: to.publicKey,
    amount,
    nonce: nonce ?? (state.nonces.get(bytesToHex(from.publicKey)) ?? 0n) + 1n,
  };
  return {
    kind: "transfer",
    ...t,
    signature: sign(from.secretKey, transferPayload(t, networkId(producer))),
  };
}

/** An escrow signed by `funder` for the network of `producer`, with its next nonce after `state`. */
export function signedEscrow(
  state: Pick<LedgerState, "nonces">,
  producer: Uint8Array,
  funder: Identity,
  jobId: string,
  amount: bigint,
  budgetSteps: bigint,
): EscrowEntry {
  const e = {
    funder: funder.publicKey,
    jobId,
    amount,
    budgetSteps,
    nonce: (state.nonces.get(bytesToHex(funder.publicKey)) ?? 0n) + 1n,
  };
  return {
    kind: "escrow",
    ...e,
    signature: sign(funder.secretKey, escrowPayload(networkId(producer), e)),
  };
}

/** A chain file of one block per entry list, sealed by `producer`. */
export function sealChain(producer: Identity, blocks: readonly Uint8Array[][]): Uint8Array {
  let prev: { height: number; hash: Uint8Array } | undefined;
  const sealed = blocks.map((entries, i) => {
    const s = sealBlock(entries, prev, 10_000 + i, producer);
    prev = { height: s.header.height, hash: s.hash };
    return { headerBytes: s.headerBytes, signature: s.signature, entries };
  });
  return encodeChainFile({ producer: producer.publicKey, blocks: sealed });
}
