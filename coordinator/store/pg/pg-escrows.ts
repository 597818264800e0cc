/**
 * The contract layer on PostgreSQL, by the same rules as escrow-store.ts: job escrows, the
 * bounty of each accepted unit of an escrowed job and the refund when it ends, each entry
 * checked by ledger/escrow-rules.ts against the store's accounts, escrow and verified unit
 * before it joins `ledger_pending`. Every change of a job's escrow holds the job's row lock
 * (so a transaction that locked the job may read its escrow once), and every check runs under
 * the ledger lock (pg-ledger.ts), so a funder's nonce and balance cannot be spent twice by two
 * coordinators.
 * @module
 */
import { bytesToHex, hexToBytes } from "@noble/hashes/utils.js";
import { encodeEntry } from "../../../ledger/entries.js";
import type { EscrowKindEntry } from "../../../ledger/escrow-entries.js";
import {
  applyEscrowKind,
  bountyFor,
  type EscrowAccount,
  type Problem,
  type UnitFacts,
} from "../../../ledger/escrow-rules.js";
import { LedgerState } from "../../../ledger/verify-chain.js";
import { type FundRefusal, fundRefusal } from "../escrow-store.js";
import type { EscrowLedger } from "../store.js";
import type { PgDatabase, Sql } from "./pg-database.js";
import { accountIn, adjustAccount, appendPending, lockLedger } from "./pg-ledger.js";
import { num } from "./pg-rows.js";

const NO_NETWORK = new Uint8Array(32);

async function escrowIn(sql: Sql, jobId: string): Promise<EscrowAccount | undefined> {
  const r = await sql.row("SELECT * FROM escrows WHERE job_id = $1", [jobId]);
  if (r === undefined) return undefined;
  return {
    funder: r.funder as string,
    amount: BigInt(r.amount as string),
    budgetSteps: BigInt(r.budget_steps as string),
    paid: BigInt(r.paid as string),
    refunded: r.refunded === null ? null : BigInt(r.refunded as string),
  };
}

/** A verified unit's job, worker and steps from its result. */
async function unitFacts(
  sql: Sql,
  unitId: string,
  improvement: number,
): Promise<UnitFacts | undefined> {
  const r = await sql.row(
    "SELECT u.job_id, r.worker_key, r.steps FROM results r JOIN units u ON u.id = r.unit_id WHERE r.unit_id = $1",
    [unitId],
  );
  if (r === undefined) return undefined;
  return {
    jobId: r.job_id as string,
    worker: r.worker_key as string,
    steps: num(r.steps),
    improvement,
  };
}

/** Escrows, bounties and refunds in PostgreSQL. */
export class PgEscrows implements EscrowLedger {
  constructor(private readonly db: PgDatabase) {}

  escrow(jobId: string): Promise<EscrowAccount | undefined> {
    return this.db.read((sql) => escrowIn(sql, jobId));
  }

  append(
    entry: EscrowKindEntry,
    network: Uint8Array,
    improvement = 0,
  ): Promise<Problem | undefined> {
    return this.db.tx(async (sql) => {
      await sql.run("SELECT 1 FROM jobs WHERE id = $1 FOR UPDATE", [entry.jobId]);
      await lockLedger(sql);
      return this.appendIn(sql, entry, network, improvement);
    });
  }

  fund(
    entry: EscrowKindEntry & { kind: "escrow" },
    network: Uint8Array,
  ): Promise<Problem<FundRefusal> | Problem | undefined> {
    return this.db.tx(async (sql) => {
      const job = await sql.row<{ status: string; steps: string }>(
        "SELECT status, steps FROM jobs WHERE id = $1 FOR UPDATE",
        [entry.jobId],
      );
      const refusal = fundRefusal(entry, job);
      if (refusal !== undefined) return refusal;
      await lockLedger(sql);
      return this.appendIn(sql, entry, network, 0);
    });
  }

  /** Checks and appends `entry` in the caller's transaction, which holds the ledger lock. */
  private async appendIn(
    sql: Sql,
    entry: EscrowKindEntry,
    network: Uint8Array,
    improvement: number,
  ): Promise<Problem | undefined> {
    const state = new LedgerState();
    const key = bytesToHex(entry.kind === "bounty" ? entry.worker : entry.funder);
    const account = await accountIn(sql, key);
    state.balances.set(key, account.balance);
    state.nonces.set(key, account.nonce);
    const escrow = await escrowIn(sql, entry.jobId);
    if (escrow !== undefined) state.book.escrows.set(entry.jobId, escrow);
    if (entry.kind === "bounty") {
      const facts = await unitFacts(sql, entry.unitId, improvement);
      if (facts !== undefined) {
        state.book.units.set(entry.unitId, facts);
        const paid = await sql.row("SELECT 1 FROM bounties WHERE unit_id = $1", [entry.unitId]);
        if (paid === undefined) state.book.owed = entry.unitId;
      }
    }
    const problem = applyEscrowKind(state, state.book, entry, network);
    if (problem !== undefined) return problem;
    await adjustAccount(
      sql,
      key,
      state.balance(key) - account.balance,
      state.nonces.get(key) ?? 0n,
    );
    const e = state.book.escrows.get(entry.jobId) as EscrowAccount;
    await sql.run(
      `INSERT INTO escrows (job_id, funder, amount, budget_steps, paid, refunded) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (job_id) DO UPDATE SET paid = excluded.paid, refunded = excluded.refunded`,
      [
        entry.jobId,
        e.funder,
        e.amount.toString(),
        e.budgetSteps.toString(),
        e.paid.toString(),
        e.refunded?.toString() ?? null,
      ],
    );
    if (entry.kind === "bounty")
      await sql.run(
        "INSERT INTO bounties (unit_id, job_id, worker_key, amount) VALUES ($1, $2, $3, $4)",
        [entry.unitId, entry.jobId, key, entry.amount.toString()],
      );
    await appendPending(sql, encodeEntry(entry));
    return undefined;
  }

  /** The escrow of a job whose row the caller's transaction has locked. */
  escrowOf(sql: Sql, jobId: string): Promise<EscrowAccount | undefined> {
    return escrowIn(sql, jobId);
  }

  /**
   * Pays the bounty of a unit just accepted from its job's `escrow` (as `escrowOf` read it)
   * in the caller's transaction (job and ledger locked).
   */
  async payUnit(
    sql: Sql,
    escrow: EscrowAccount,
    jobId: string,
    unitId: string,
    improvement: number,
  ): Promise<void> {
    if (escrow.refunded !== null) return;
    const unit = await unitFacts(sql, unitId, improvement);
    if (unit === undefined) throw new Error(`escrow store: unit ${unitId} has no result`);
    const worker = hexToBytes(unit.worker);
    await this.mustAppend(
      sql,
      { kind: "bounty", jobId, unitId, worker, amount: bountyFor(escrow, unit) },
      improvement,
    );
  }

  /** Refunds an ended job's open escrow in the caller's transaction (which holds the job's lock). */
  async close(sql: Sql, jobId: string): Promise<void> {
    const escrow = await escrowIn(sql, jobId);
    if (escrow === undefined || escrow.refunded !== null) return;
    await lockLedger(sql);
    await this.mustAppend(sql, {
      kind: "refund",
      jobId,
      funder: hexToBytes(escrow.funder),
      amount: escrow.amount - escrow.paid,
    });
  }

  /** Appends an entry this store built by the rules itself (a refusal is a bug). */
  private async mustAppend(sql: Sql, entry: EscrowKindEntry, improvement = 0): Promise<void> {
    // bounties and refunds carry no signature, so the network does not enter their check
    const problem = await this.appendIn(sql, entry, NO_NETWORK, improvement);
    if (problem !== undefined) throw new Error(`escrow store: ${problem.message}`);
  }
}
