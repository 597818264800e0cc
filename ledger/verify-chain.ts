/**
 * Re-verifies an exported chain trusting nothing but the file (and, optionally, a pinned
 * producer key): every block's height, previous hash, signature (strict RFC 8032) and entries
 * root; every work entry's fold (valid, self-avoiding, energy as recorded), its reward
 * (recomputed from the chain, ledger/rewards.ts) and its unit's uniqueness; every transfer's
 * signature, nonce (the sender's next) and cover (no overdraft); every escrow, bounty and
 * refund by the contract layer's rules (ledger/escrow-rules.ts, bound to the network of the
 * file's producer). Returns the balances it computed, or the first failure naming its block
 * and entry.
 * @module
 */
import { equalBytes } from "@noble/curves/utils.js";
import { bytesToHex } from "@noble/hashes/utils.js";
import { FoldnetError } from "../common/errors.js";
import { networkId, transferPayload } from "../protocol/canonical.js";
import { verifySignature } from "../protocol/identity.js";
import { foldEnergy } from "../sim/fold.js";
import { blockHash, decodeHeader, entriesRoot, GENESIS_PREV_HASH } from "./blocks.js";
import { readChainFile } from "./chain-file.js";
import { decodeEntry, type TransferEntry, type WorkEntry } from "./entries.js";
import {
  applyEscrowKind,
  EscrowBook,
  type EscrowFailureCode,
  missingBounty,
} from "./escrow-rules.js";
import { nonceProblem } from "./nonce.js";
import { improvementOf, rewardFor } from "./rewards.js";

/** Codes of verification failures. */
export type ChainFailureCode =
  | "LEDGER_ERROR_BAD_FILE"
  | "LEDGER_ERROR_WRONG_PRODUCER"
  | "LEDGER_ERROR_BAD_HEADER"
  | "LEDGER_ERROR_BAD_HEIGHT"
  | "LEDGER_ERROR_BAD_PREV_HASH"
  | "LEDGER_ERROR_BAD_SIGNATURE"
  | "LEDGER_ERROR_BAD_ROOT"
  | "LEDGER_ERROR_BAD_TIMESTAMP"
  | "LEDGER_ERROR_BAD_ENTRY"
  | "LEDGER_ERROR_BAD_FOLD"
  | "LEDGER_ERROR_BAD_REWARD"
  | "LEDGER_ERROR_DUPLICATE_UNIT"
  | "LEDGER_ERROR_BAD_TRANSFER_SIGNATURE"
  | "LEDGER_ERROR_BAD_NONCE"
  /** The chain does not end at the head the verifier pinned (blocks cut off, or another chain). */
  | "LEDGER_ERROR_HEAD_MISMATCH"
  /** A transfer of nothing (0). */
  | "LEDGER_ERROR_BAD_AMOUNT"
  | "LEDGER_ERROR_OVERDRAFT"
  | EscrowFailureCode;

/** The first thing wrong with a chain. */
export class ChainError extends FoldnetError<{
  code: ChainFailureCode;
  block: number | null;
  entry: number | null;
}> {}

/** A chain's state after its entries: balances, nonces, work. */
export class LedgerState {
  readonly balances = new Map<string, bigint>();
  readonly nonces = new Map<string, bigint>();
  readonly jobBest = new Map<string, number>();
  readonly units = new Set<string>();
  /** Escrows, bounties and refunds. */
  readonly book = new EscrowBook();
  work = 0n;
  issued = 0n;

  balance(key: string): bigint {
    return this.balances.get(key) ?? 0n;
  }

  /** Applies a work entry whose reward is checked by the caller. */
  credit(entry: WorkEntry, work: bigint): void {
    const key = bytesToHex(entry.worker);
    this.balances.set(key, this.balance(key) + entry.reward);
    this.issued += entry.reward;
    this.work += work;
    this.units.add(entry.unitId);
    const best = this.jobBest.get(entry.jobId);
    if (best === undefined || entry.bestEnergy < best)
      this.jobBest.set(entry.jobId, entry.bestEnergy);
    this.book.recordUnit(entry.unitId, {
      jobId: entry.jobId,
      worker: key,
      steps: entry.steps,
      improvement: improvementOf(best ?? null, entry.bestEnergy),
    });
  }

  /** Applies a checked transfer. */
  transfer(entry: TransferEntry): void {
    const from = bytesToHex(entry.from);
    const to = bytesToHex(entry.to);
    this.balances.set(from, this.balance(from) - entry.amount);
    this.balances.set(to, this.balance(to) + entry.amount);
    this.nonces.set(from, entry.nonce);
  }
}

/**
 * Why a transfer cannot be applied to `state` of the network whose id (protocol/canonical.ts
 * `networkId`) is `network`, or undefined when it can. Shared by the coordinator (accepting a
 * transfer) and the verifier.
 */
export function transferProblem(
  state: LedgerState,
  t: TransferEntry,
  network: Uint8Array,
): { code: ChainFailureCode; message: string } | undefined {
  if (!verifySignature(t.from, transferPayload(t, network), t.signature)) {
    return {
      code: "LEDGER_ERROR_BAD_TRANSFER_SIGNATURE",
      message: "the transfer is not signed by its sender",
    };
  }
  const from = bytesToHex(t.from);
  const stale = nonceProblem(state.nonces, from, t.nonce, "sender");
  if (stale !== undefined) return stale;
  if (t.amount <= 0n) {
    return { code: "LEDGER_ERROR_BAD_AMOUNT", message: "a transfer moves a positive amount" };
  }
  if (t.amount > state.balance(from)) {
    return {
      code: "LEDGER_ERROR_OVERDRAFT",
      message: `the sender has ${state.balance(from)}, the transfer moves ${t.amount}`,
    };
  }
  return undefined;
}

/** A verified chain's summary. */
export interface ChainSummary {
  readonly producer: string;
  readonly blocks: number;
  readonly entries: number;
  readonly workEntries: number;
  readonly transfers: number;
  readonly issued: bigint;
  /** Tokens ever escrowed, paid out as bounties, refunded, and still held by open escrows. */
  readonly escrowed: bigint;
  readonly paidOut: bigint;
  readonly refunded: bigint;
  readonly held: bigint;
  readonly work: bigint;
  readonly balances: ReadonlyMap<string, bigint>;
  readonly headHash: string | null;
}

/**
 * Checks that a verified chain ends at the pinned head (block hash, hex): a valid chain with
 * its last blocks cut off verifies on its own, but not against the head its reader expects.
 * @throws {ChainError} LEDGER_ERROR_HEAD_MISMATCH.
 */
export function expectHead(summary: ChainSummary, head: string): void {
  if (summary.headHash !== head.toLowerCase()) {
    throw new ChainError(
      { code: "LEDGER_ERROR_HEAD_MISMATCH", block: summary.blocks - 1, entry: null },
      `the chain ends at ${summary.headHash ?? "no block"}, not at the pinned head ${head}`,
    );
  }
}

/**
 * Verifies an export.
 * @throws {ChainError} (or ChainFileError) naming the first bad block and entry.
 */
export function verifyChain(bytes: Uint8Array, pinnedProducer?: Uint8Array): ChainSummary {
  const file = readChainFile(bytes);
  if (pinnedProducer !== undefined && !equalBytes(pinnedProducer, file.producer)) {
    throw new ChainError(
      { code: "LEDGER_ERROR_WRONG_PRODUCER", block: null, entry: null },
      "the file's producer is not the pinned key",
    );
  }
  const state = new LedgerState();
  const network = networkId(file.producer);
  let prevHash: Uint8Array = GENESIS_PREV_HASH;
  let prevTime = 0;
  let entryCount = 0;
  let transfers = 0;
  let workEntries = 0;
  let height = 0;
  for (const raw of file.blocks) {
    const fail = (code: ChainFailureCode, message: string, entry: number | null = null) =>
      new ChainError(
        { code, block: height, entry },
        `block ${height}${entry === null ? "" : `, entry ${entry}`}: ${message}`,
      );
    let header: ReturnType<typeof decodeHeader>;
    try {
      header = decodeHeader(raw.headerBytes);
    } catch (err) {
      throw fail("LEDGER_ERROR_BAD_HEADER", (err as Error).message);
    }
    if (!equalBytes(header.producer, file.producer))
      throw fail("LEDGER_ERROR_WRONG_PRODUCER", "produced by another key");
    if (header.height !== height)
      throw fail("LEDGER_ERROR_BAD_HEIGHT", `header says height ${header.height}`);
    if (!equalBytes(header.prevHash, prevHash))
      throw fail("LEDGER_ERROR_BAD_PREV_HASH", "does not follow the previous block");
    if (header.timestamp < prevTime)
      throw fail("LEDGER_ERROR_BAD_TIMESTAMP", "is older than the previous block");
    if (!verifySignature(file.producer, raw.headerBytes, raw.signature))
      throw fail("LEDGER_ERROR_BAD_SIGNATURE", "the signature does not verify");
    if (
      header.entryCount !== raw.entries.length ||
      raw.entries.length === 0 ||
      !equalBytes(entriesRoot(raw.entries), header.entriesRoot)
    ) {
      throw fail("LEDGER_ERROR_BAD_ROOT", "the entries do not match the header's root");
    }
    raw.entries.forEach((bytes, i) => {
      let entry: ReturnType<typeof decodeEntry>;
      try {
        entry = decodeEntry(bytes);
      } catch (err) {
        throw fail("LEDGER_ERROR_BAD_ENTRY", (err as Error).message, i);
      }
      if (entry.kind !== "work" && entry.kind !== "transfer") {
        const problem = applyEscrowKind(state, state.book, entry, network);
        if (problem !== undefined) throw fail(problem.code, problem.message, i);
        return;
      }
      if (state.book.owed !== null) {
        const problem = missingBounty(state.book);
        throw fail(problem.code, problem.message, i);
      }
      if (entry.kind === "transfer") {
        const problem = transferProblem(state, entry, network);
        if (problem !== undefined) throw fail(problem.code, problem.message, i);
        state.transfer(entry);
        transfers++;
        return;
      }
      let energy: number;
      try {
        energy = foldEnergy(entry.sequence, entry.fold, entry.lattice, "fold", entry.model);
      } catch (err) {
        throw fail("LEDGER_ERROR_BAD_FOLD", (err as Error).message, i);
      }
      if (energy !== entry.bestEnergy)
        throw fail(
          "LEDGER_ERROR_BAD_FOLD",
          `the fold's energy is ${energy}, recorded ${entry.bestEnergy}`,
          i,
        );
      if (state.units.has(entry.unitId))
        throw fail("LEDGER_ERROR_DUPLICATE_UNIT", `unit ${entry.unitId} is rewarded twice`, i);
      const reward = rewardFor({
        steps: entry.steps,
        length: entry.sequence.length,
        workBefore: state.work,
        previousBest: state.jobBest.get(entry.jobId) ?? null,
        bestEnergy: entry.bestEnergy,
        issuedAt: entry.issuedAt,
        deadline: entry.deadline,
        acceptedAt: entry.acceptedAt,
      });
      if (reward.reward !== entry.reward)
        throw fail(
          "LEDGER_ERROR_BAD_REWARD",
          `the reward should be ${reward.reward}, recorded ${entry.reward}`,
          i,
        );
      state.credit(entry, reward.work);
      workEntries++;
    });
    entryCount += raw.entries.length;
    prevHash = blockHash(raw.headerBytes);
    prevTime = header.timestamp;
    height++;
  }
  return {
    producer: bytesToHex(file.producer),
    blocks: height,
    entries: entryCount,
    workEntries,
    transfers,
    issued: state.issued,
    escrowed: state.book.escrowed,
    paidOut: state.book.paidOut,
    refunded: state.book.refunded,
    held: state.book.held(),
    work: state.work,
    balances: state.balances,
    headHash: height === 0 ? null : bytesToHex(prevHash),
  };
}
