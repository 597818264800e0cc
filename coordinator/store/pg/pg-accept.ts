/**
 * Acceptance of a verified result in the PostgreSQL store, in one transaction: the job's and
 * then the unit's rows are locked, and only then is the assignment looked up in the results,
 * so a result arriving at two coordinators at once is recorded and paid once (the second sees
 * the first's row: a duplicate). The ledger lock (pg-ledger.ts) is taken before the total
 * work is read, so the reward the plan computes is the one `ledger verify` recomputes from
 * the chain's order; the writes that do not depend on the plan (the unit's end, the job's
 * progress, the worker's count) come before it, and the result, its entry, the total work
 * and the reward are one statement, so the lock that orders every acceptance of the network
 * is held for few round trips. Then the escrow's bounty, the next generation (with a
 * notification) or the job's end.
 * @module
 */
import { improvementOf } from "../../../ledger/rewards.js";
import type {
  AcceptanceContext,
  AcceptancePlan,
  AcceptedResult,
  AcceptOutcome,
  LedgerCredit,
} from "../store.js";
import type { PgDatabase, Sql } from "./pg-database.js";
import type { PgEscrows } from "./pg-escrows.js";
import { endOpenUnits, insertUnitsIn, leaseIn } from "./pg-jobs.js";
import { lockLedger } from "./pg-ledger.js";
import { num } from "./pg-rows.js";

async function previousReward(sql: Sql, assignmentId: string): Promise<bigint | undefined> {
  const row = await sql.row<{ reward: string }>(
    "SELECT reward FROM results WHERE assignment_id = $1",
    [assignmentId],
  );
  return row === undefined ? undefined : BigInt(row.reward);
}

/** The result's row, its ledger entry, the total work and the worker's reward: one statement. */
async function recordCredit(
  sql: Sql,
  result: AcceptedResult,
  unitId: string,
  credit: LedgerCredit,
  workBefore: bigint,
): Promise<void> {
  await sql.run(
    `WITH entry AS (INSERT INTO ledger_pending (entry) VALUES ($13)),
          work AS (UPDATE ledger_work SET work = $14 WHERE id = 1),
          paid AS (INSERT INTO accounts (key, balance, nonce) VALUES ($3, $11, 0)
                     ON CONFLICT (key) DO UPDATE SET balance = accounts.balance + excluded.balance)
     INSERT INTO results (unit_id, assignment_id, worker_key, best_energy, best_fold, steps, final_state,
        final_state_hash, merkle_root, segments_checked, reward, accepted_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
    [
      unitId,
      result.assignmentId,
      result.workerKey,
      result.bestEnergy,
      result.bestFold,
      result.steps,
      Buffer.from(result.finalState),
      Buffer.from(result.finalStateHash),
      Buffer.from(result.merkleRoot),
      result.segments.length,
      credit.reward.toString(),
      result.at,
      Buffer.from(credit.entry),
      (workBefore + credit.work).toString(),
    ],
  );
}

/** `Store.acceptResult` on PostgreSQL. */
export class PgAcceptance {
  constructor(
    private readonly db: PgDatabase,
    private readonly escrows: PgEscrows,
  ) {}

  acceptResult(
    result: AcceptedResult,
    plan: (ctx: AcceptanceContext) => AcceptancePlan,
  ): Promise<AcceptOutcome> {
    return this.db.tx((sql) => this.accept(sql, result, plan));
  }

  private async accept(
    sql: Sql,
    result: AcceptedResult,
    plan: (ctx: AcceptanceContext) => AcceptancePlan,
  ): Promise<AcceptOutcome> {
    const early = await previousReward(sql, result.assignmentId);
    if (early !== undefined) return { kind: "duplicate", reward: early };
    const lease = await leaseIn(sql, result.assignmentId, true);
    // under the locks: another coordinator may have recorded it while this one waited
    const previous = await previousReward(sql, result.assignmentId);
    if (previous !== undefined) return { kind: "duplicate", reward: previous };
    if (
      lease === undefined ||
      lease.unit.status === "done" ||
      lease.unit.status === "cancelled" ||
      lease.job.status !== "running"
    ) {
      return { kind: "stale" };
    }
    const { unit, job, assignment } = lease;
    // what does not depend on the plan is written before the ledger lock, to hold it briefly
    await sql.run("UPDATE units SET status = 'done' WHERE id = $1", [unit.id]);
    // completes this lease even if it had been revoked: the first valid result wins
    await sql.run(
      `UPDATE assignments SET status = CASE WHEN id = $2 THEN 'completed' ELSE 'revoked' END
        WHERE id = $2 OR (unit_id = $1 AND status = 'active')`,
      [unit.id, result.assignmentId],
    );
    const improves = job.bestEnergy === null || result.bestEnergy < job.bestEnergy;
    await sql.run(
      `UPDATE jobs SET steps_done = steps_done + $1, units_done = units_done + 1,
          best_energy = CASE WHEN $2 THEN $3 ELSE best_energy END,
          best_fold = CASE WHEN $2 THEN $4 ELSE best_fold END,
          best_unit = CASE WHEN $2 THEN $5 ELSE best_unit END WHERE id = $6`,
      [result.steps, improves, result.bestEnergy, result.bestFold, unit.id, job.id],
    );
    await sql.run(
      "UPDATE workers SET accepted = accepted + 1, steps_verified = steps_verified + $1, last_seen = GREATEST(last_seen, $2) WHERE key = $3",
      [result.steps, result.at, result.workerKey],
    );
    const escrow = await this.escrows.escrowOf(sql, job.id);
    const workBefore = await lockLedger(sql);
    // the plan sees the job and unit as they were before this result, as on SQLite
    const decision = plan({ job, unit, assignment, workBefore });
    const { credit } = decision;
    await recordCredit(sql, result, unit.id, credit, workBefore);
    if (escrow !== undefined) {
      const improvement = improvementOf(job.bestEnergy, result.bestEnergy);
      await this.escrows.payUnit(sql, escrow, job.id, unit.id, improvement);
    }
    if (decision.nextUnit !== null) await insertUnitsIn(sql, [decision.nextUnit]);
    let jobFinished = decision.finishJob;
    if (!jobFinished && decision.nextUnit === null) {
      const open = await sql.row(
        "SELECT COUNT(*) AS n FROM units WHERE job_id = $1 AND status IN ('queued', 'leased')",
        [job.id],
      );
      jobFinished = num(open?.n) === 0;
    }
    if (jobFinished) {
      await endOpenUnits(sql, job.id);
      await this.escrows.close(sql, job.id);
      await sql.run("UPDATE jobs SET status = 'done', finished_at = $1 WHERE id = $2", [
        result.at,
        job.id,
      ]);
    }
    return { kind: "accepted", jobFinished, reward: credit.reward };
  }
}
