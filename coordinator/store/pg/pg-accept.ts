/**
 * Acceptance of a verified result in the PostgreSQL store, in one transaction: the job's and
 * then the unit's rows are locked, and only then is the assignment looked up in the results,
 * so a result arriving at two coordinators at once is recorded and paid once (the second sees
 * the first's row: a duplicate). The ledger lock (pg-ledger.ts) is taken before the total
 * work is read, so the reward the plan computes is the one `ledger verify` recomputes from
 * the chain's order. The writes that do not depend on the plan (the unit's end, its leases,
 * the job's progress, the worker's count) are one statement before it, and the result, its
 * entry, the total work and the reward one statement after it, so the lock that orders every
 * acceptance of the network is held for few round trips. Then the escrow's bounty, the next
 * generation or the job's end.
 * @module
 */
import { improvementOf } from "../../../ledger/rewards.js";
import type {
  AcceptanceContext,
  AcceptancePlan,
  AcceptedResult,
  AcceptOutcome,
  JobRecord,
  LedgerCredit,
} from "../store.js";
import type { PgDatabase, Row, Sql } from "./pg-database.js";
import type { PgEscrows } from "./pg-escrows.js";
import { acceptedStatesIn, endOpenUnits, insertUnitsIn, jobIn } from "./pg-jobs.js";
import { lockLedger } from "./pg-ledger.js";
import { assignmentFromRow, num, unitFromRow } from "./pg-rows.js";

/**
 * What does not depend on the plan, in one statement before the ledger lock: the unit done,
 * its lease completed (even if it had been revoked: the first valid result wins) and any
 * other active lease of it revoked, the job's progress and best, the worker's count.
 */
async function recordProgress(
  sql: Sql,
  result: AcceptedResult,
  job: JobRecord,
  unitId: string,
): Promise<void> {
  const improves = job.bestEnergy === null || result.bestEnergy < job.bestEnergy;
  await sql.run(
    `WITH unit AS (UPDATE units SET status = 'done' WHERE id = $1),
          leases AS (UPDATE assignments SET status = CASE WHEN id = $2 THEN 'completed' ELSE 'revoked' END
                      WHERE id = $2 OR (unit_id = $1 AND status = 'active')),
          worker AS (UPDATE workers SET accepted = accepted + 1, steps_verified = steps_verified + $3,
                       last_seen = GREATEST(last_seen, $8) WHERE key = $9)
     UPDATE jobs SET steps_done = steps_done + $3, units_done = units_done + 1,
         best_energy = CASE WHEN $4 THEN $5 ELSE best_energy END,
         best_fold = CASE WHEN $4 THEN $6 ELSE best_fold END,
         best_unit = CASE WHEN $4 THEN $1 ELSE best_unit END WHERE id = $7`,
    [
      unitId,
      result.assignmentId,
      result.steps,
      improves,
      result.bestEnergy,
      result.bestFold,
      job.id,
      result.at,
      result.workerKey,
    ],
  );
}

/** An assignment with its unit's job and the reward of its result (null before one). */
function assignmentIn(sql: Sql, assignmentId: string): Promise<Row | undefined> {
  return sql.row(
    `SELECT a.*, u.job_id, r.reward AS previous FROM assignments a
       JOIN units u ON u.id = a.unit_id LEFT JOIN results r ON r.assignment_id = a.id
      WHERE a.id = $1`,
    [assignmentId],
  );
}

/** The result's row, its ledger entry, the total work and the worker's reward: one statement. */
async function recordCredit(
  sql: Sql,
  result: AcceptedResult,
  unitId: string,
  credit: LedgerCredit,
  workBefore: bigint,
  jobSeq: number,
): Promise<void> {
  await sql.run(
    `WITH entry AS (INSERT INTO ledger_pending (entry) VALUES ($13)),
          work AS (UPDATE ledger_work SET work = $14 WHERE id = 1),
          paid AS (INSERT INTO accounts (key, balance, nonce) VALUES ($3, $11, 0)
                     ON CONFLICT (key) DO UPDATE SET balance = accounts.balance + excluded.balance)
     INSERT INTO results (unit_id, assignment_id, worker_key, best_energy, best_fold, steps, final_state,
        final_state_hash, merkle_root, segments_checked, reward, accepted_at, job_seq)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $15)`,
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
      jobSeq,
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
    const head = await assignmentIn(sql, result.assignmentId);
    if (head === undefined) return { kind: "stale" };
    if (head.previous !== null)
      return { kind: "duplicate", reward: BigInt(head.previous as string) };
    // the job's row, then the unit's (the store's lock order)
    const job = (await jobIn(sql, head.job_id as string, true))!;
    const unit = unitFromRow(
      (await sql.row("SELECT * FROM units WHERE id = $1 FOR UPDATE", [head.unit_id]))!,
    );
    // read again under the locks: another coordinator may have recorded it while this one
    // waited, or ended or moved its lease
    const now = (await assignmentIn(sql, result.assignmentId))!;
    if (now.previous !== null) return { kind: "duplicate", reward: BigInt(now.previous as string) };
    const assignment = assignmentFromRow(now);
    if (
      assignment.status === "failed" ||
      unit.status === "done" ||
      unit.status === "cancelled" ||
      job.status !== "running"
    )
      return { kind: "stale" };
    // cooperation chooses among the job's states accepted before this one (read under its lock)
    const peers = job.cooperate
      ? await acceptedStatesIn(sql, job.id, unit.generation - 1, unit.generation)
      : [];
    await recordProgress(sql, result, job, unit.id);
    const escrow = await this.escrows.escrowOf(sql, job.id);
    const workBefore = await lockLedger(sql);
    // the plan sees the job and unit as they were before this result, as on SQLite
    const decision = plan({ job, unit, assignment, workBefore, peers });
    const { credit } = decision;
    await recordCredit(sql, result, unit.id, credit, workBefore, job.unitsDone);
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
