/**
 * The contract layer's tables (job escrows and paid bounties) and the one gate every escrow,
 * bounty and refund entry passes before it joins `ledger_pending`: the entry is checked by
 * the same rules `ledger verify` applies (ledger/escrow-rules.ts) against the store's
 * accounts, escrows and verified units, and applied in the caller's transaction. The
 * SqliteStore delegates to it when a job is funded, a unit of an escrowed job is accepted,
 * and a job ends or is cancelled.
 * @module
 */

import { bytesToHex, hexToBytes } from "@noble/hashes/utils.js";
import type Database from "better-sqlite3";
import { encodeEntry } from "../../ledger/entries.js";
import type { EscrowKindEntry } from "../../ledger/escrow-entries.js";
import {
  applyEscrowKind,
  bountyFor,
  type EscrowAccount,
  type Problem,
  type UnitFacts,
} from "../../ledger/escrow-rules.js";
import { LedgerState } from "../../ledger/verify-chain.js";
import type { Synchronous } from "./settled-store.js";
import type { Account, EscrowLedger } from "./store.js";

export const ESCROW_SCHEMA = `
CREATE TABLE IF NOT EXISTS escrows (
  job_id TEXT PRIMARY KEY, funder TEXT NOT NULL, amount TEXT NOT NULL, budget_steps TEXT NOT NULL,
  paid TEXT NOT NULL, refunded TEXT);
CREATE TABLE IF NOT EXISTS bounties (
  unit_id TEXT PRIMARY KEY, job_id TEXT NOT NULL, worker_key TEXT NOT NULL, amount TEXT NOT NULL);
`;

/** Why the store refuses to fund a job (besides the escrow rules' own codes). */
export type FundRefusal = "LEDGER_ERROR_JOB_NOT_OPEN" | "LEDGER_ERROR_WRONG_BUDGET";

/**
 * Why `entry` may not fund `job` (its row as stored, undefined when there is none): it must be
 * running, and the escrow's budget must be the job's step budget. Both stores ask it.
 */
export function fundRefusal(
  entry: EscrowKindEntry & { kind: "escrow" },
  job: { readonly status: string; readonly steps: number | string } | undefined,
): Problem<FundRefusal> | undefined {
  if (job?.status !== "running")
    return { code: "LEDGER_ERROR_JOB_NOT_OPEN", message: `job ${entry.jobId} is not running` };
  if (BigInt(job.steps) !== entry.budgetSteps)
    return {
      code: "LEDGER_ERROR_WRONG_BUDGET",
      message: `job ${entry.jobId}'s budget is ${job.steps} steps, not ${entry.budgetSteps}`,
    };
  return undefined;
}

/** What the escrow store needs from the SqliteStore it works for. */
export interface EscrowStoreDeps {
  readonly db: Database.Database;
  account(key: string): Account;
  setAccount(key: string, balance: bigint, nonce: bigint): void;
  appendPending(entry: Uint8Array): void;
}

type Row = Record<string, unknown>;

const NO_NETWORK = new Uint8Array(32);

/** Escrows, bounties and refunds in SQLite. */
export class EscrowStore implements Synchronous<EscrowLedger> {
  constructor(private readonly deps: EscrowStoreDeps) {
    deps.db.exec(ESCROW_SCHEMA);
  }

  /** The escrow of a job, if it has one. */
  escrow(jobId: string): EscrowAccount | undefined {
    const r = this.deps.db.prepare("SELECT * FROM escrows WHERE job_id = ?").get(jobId) as
      | Row
      | undefined;
    if (r === undefined) return undefined;
    return {
      funder: r.funder as string,
      amount: BigInt(r.amount as string),
      budgetSteps: BigInt(r.budget_steps as string),
      paid: BigInt(r.paid as string),
      refunded: r.refunded === null ? null : BigInt(r.refunded as string),
    };
  }

  /**
   * Checks `entry` against the store and, if the rules allow it, appends it and moves the
   * tokens; the caller runs this inside its transaction. A bounty's unit is read from the
   * results (its job, worker and steps) with `improvement` as the acceptance computed it.
   * @returns the problem instead; nothing changes then.
   */
  append(entry: EscrowKindEntry, network: Uint8Array, improvement = 0): Problem | undefined {
    return this.deps.db.transaction(() => this.check(entry, network, improvement))();
  }

  private check(entry: EscrowKindEntry, network: Uint8Array, improvement: number) {
    const state = new LedgerState();
    const key = bytesToHex(entry.kind === "bounty" ? entry.worker : entry.funder);
    const account = this.deps.account(key);
    state.balances.set(key, account.balance);
    state.nonces.set(key, account.nonce);
    const escrow = this.escrow(entry.jobId);
    if (escrow !== undefined) state.book.escrows.set(entry.jobId, escrow);
    if (entry.kind === "bounty") this.loadUnit(state, entry.unitId, improvement);
    const problem = applyEscrowKind(state, state.book, entry, network);
    if (problem !== undefined) return problem;
    this.deps.setAccount(key, state.balance(key), state.nonces.get(key) ?? 0n);
    this.save(entry.jobId, state.book.escrows.get(entry.jobId) as EscrowAccount);
    if (entry.kind === "bounty")
      this.deps.db
        .prepare("INSERT INTO bounties (unit_id, job_id, worker_key, amount) VALUES (?, ?, ?, ?)")
        .run(entry.unitId, entry.jobId, key, entry.amount.toString());
    this.deps.appendPending(encodeEntry(entry));
    return undefined;
  }

  /**
   * Funds a running job whose step budget is the escrow's.
   * @returns the refusal or the rules' problem; nothing changes then.
   */
  fund(
    entry: EscrowKindEntry & { kind: "escrow" },
    network: Uint8Array,
  ): Problem<FundRefusal> | Problem | undefined {
    return this.deps.db.transaction(() => {
      const job = this.deps.db
        .prepare("SELECT status, steps FROM jobs WHERE id = ?")
        .get(entry.jobId) as { status: string; steps: number } | undefined;
      return fundRefusal(entry, job) ?? this.append(entry, network);
    })();
  }

  /**
   * Pays the bounty of a just-accepted unit of `jobId` (worker and steps as its result
   * records them) when the job has an open escrow; in the acceptance transaction.
   */
  payUnit(jobId: string, unitId: string, improvement: number): void {
    const escrow = this.escrow(jobId);
    if (escrow === undefined || escrow.refunded !== null) return;
    const unit = this.unitFacts(unitId, improvement);
    if (unit === undefined) throw new Error(`escrow store: unit ${unitId} has no result`);
    const worker = hexToBytes(unit.worker);
    this.mustAppend(
      { kind: "bounty", jobId, unitId, worker, amount: bountyFor(escrow, unit) },
      improvement,
    );
  }

  /** Refunds what the escrow of an ended job still holds to its funder, if it has one open. */
  close(jobId: string): void {
    const escrow = this.escrow(jobId);
    if (escrow === undefined || escrow.refunded !== null) return;
    this.mustAppend({
      kind: "refund",
      jobId,
      funder: hexToBytes(escrow.funder),
      amount: escrow.amount - escrow.paid,
    });
  }

  /** Appends an entry this store built by the rules itself (a refusal is a bug). */
  private mustAppend(entry: EscrowKindEntry, improvement = 0): void {
    // bounties and refunds carry no signature, so the network does not enter their check
    const problem = this.append(entry, NO_NETWORK, improvement);
    if (problem !== undefined) throw new Error(`escrow store: ${problem.message}`);
  }

  /** A verified unit's job, worker and steps from its result. */
  private unitFacts(unitId: string, improvement: number): UnitFacts | undefined {
    const r = this.deps.db
      .prepare(
        "SELECT u.job_id, r.worker_key, r.steps FROM results r JOIN units u ON u.id = r.unit_id WHERE r.unit_id = ?",
      )
      .get(unitId) as Row | undefined;
    if (r === undefined) return undefined;
    return {
      jobId: r.job_id as string,
      worker: r.worker_key as string,
      steps: r.steps as number,
      improvement,
    };
  }

  /** Loads a verified unit as owed its bounty now (the acceptance that appends it just ran). */
  private loadUnit(state: LedgerState, unitId: string, improvement: number): void {
    const facts = this.unitFacts(unitId, improvement);
    if (facts === undefined) return;
    state.book.units.set(unitId, facts);
    const paid = this.deps.db.prepare("SELECT 1 FROM bounties WHERE unit_id = ?").get(unitId);
    if (paid === undefined) state.book.owed = unitId;
  }

  private save(jobId: string, e: EscrowAccount): void {
    this.deps.db
      .prepare(
        `INSERT INTO escrows (job_id, funder, amount, budget_steps, paid, refunded) VALUES (?, ?, ?, ?, ?, ?)
           ON CONFLICT (job_id) DO UPDATE SET paid = excluded.paid, refunded = excluded.refunded`,
      )
      .run(
        jobId,
        e.funder,
        e.amount.toString(),
        e.budgetSteps.toString(),
        e.paid.toString(),
        e.refunded?.toString() ?? null,
      );
  }
}
