/**
 * The embedded store: SQLite through better-sqlite3 (sqlite-database.ts opens it durably).
 * This module owns the writes of jobs, units, leases and results (their reads are in
 * sqlite-job-reads.ts), and wires the concern-specific stores
 * (workers and counts in sqlite-worker-store.ts, ledger accounts and blocks in
 * sqlite-ledger-store.ts, escrows, stats, limits, access, batches, inputs, folds, webhooks,
 * fair share). Schema version 1; see docs/coordinator.md.
 * @module
 */

import { randomBytes } from "node:crypto";
import { improvementOf } from "../../ledger/rewards.js";
import { EscrowStore } from "./escrow-store.js";
import type { SynchronousStore } from "./settled-store.js";
import { SqliteAccess } from "./sqlite-access.js";
import { SqliteBatches } from "./sqlite-batches.js";
import { SqliteFairShare } from "./sqlite-fair-share.js";
import { SqliteFolds } from "./sqlite-folds.js";
import { SqliteInputs } from "./sqlite-inputs.js";
import { SqliteJobReads } from "./sqlite-job-reads.js";
import { SqliteLimits } from "./sqlite-limits.js";
import { assignmentFromRow, type Row, unitFromRow } from "./sqlite-rows.js";
import { SqliteWebhooks } from "./sqlite-webhooks.js";
import { StatsStore } from "./stats-store.js";
import type {
  AcceptanceContext,
  AcceptancePlan,
  AcceptedResult,
  AcceptOutcome,
  AssignmentRecord,
  CommitBinding,
  ExpiredLease,
  JobRecord,
  Lease,
  NewJob,
  UnitRecord,
} from "./store.js";

/** SQLite implementation of `Store`, synchronous (`settledStore` gives the async `Store`). */
export class SqliteStore extends SqliteJobReads implements SynchronousStore {
  readonly escrows: EscrowStore;
  readonly stats: StatsStore;
  readonly limits: SqliteLimits;
  readonly access: SqliteAccess;
  readonly batches: SqliteBatches;
  readonly inputs: SqliteInputs;
  readonly folds: SqliteFolds;
  readonly webhooks: SqliteWebhooks;
  readonly shares: SqliteFairShare;

  /** Opens (creating if needed) the database at `file` (":memory:" for tests). */
  constructor(file: string) {
    super(file);
    this.stats = new StatsStore(this.db);
    this.escrows = new EscrowStore({
      db: this.db,
      account: (key) => this.account(key),
      setAccount: (key, balance, nonce) =>
        this.adjustAccount(key, balance - this.account(key).balance, nonce),
      appendPending: (entry) =>
        this.prepare("INSERT INTO ledger_pending (entry) VALUES (?)").run(Buffer.from(entry)),
    });
    // before limits, which count a batch as one job
    this.batches = new SqliteBatches(this.db, (job) => this.insertJob(job));
    this.limits = new SqliteLimits(this.db);
    this.inputs = new SqliteInputs(this.db);
    this.folds = new SqliteFolds(this.db);
    this.webhooks = new SqliteWebhooks(this.db);
    this.access = new SqliteAccess(this.db);
    this.shares = new SqliteFairShare(this.db);
  }

  createJob(job: NewJob): void {
    this.db.transaction(() => this.insertJob(job))();
  }

  /** Inserts a job, its units and what was asked with it (inside the caller's transaction). */
  private insertJob({ job, units, owner, ...asked }: NewJob): void {
    this.prepare(
      `INSERT INTO jobs (id, name, sequence, lattice, model, cooperate, steps, trajectories,
        generations, unit_steps, checkpoint_interval, replicas, target_energy, status, created_at)
       VALUES (@id, @name, @sequence, @lattice, @model, @cooperate, @steps, @trajectories,
        @generations, @unitSteps, @checkpointInterval, @replicas, @targetEnergy, @status, @createdAt)`,
    ).run({ ...job, cooperate: +job.cooperate });
    for (const unit of units) this.insertUnit(unit);
    if (owner !== undefined) this.limits.ownJob(job.id, owner);
    if (asked.private === true) this.access.setPrivate(job.id);
    if (asked.priority !== undefined) this.shares.setPriority(job.id, asked.priority);
    if (asked.input !== undefined) this.inputs.setInput(job.id, asked.input);
    if (asked.notify !== undefined) this.webhooks.setWebhook(job.id, asked.notify);
  }

  private insertUnit(unit: UnitRecord): void {
    this.prepare(
      `INSERT INTO units (id, job_id, trajectory, generation, start_state, steps, status, source_unit)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      unit.id,
      unit.jobId,
      unit.trajectory,
      unit.generation,
      Buffer.from(unit.startState),
      unit.steps,
      unit.status,
      unit.source,
    );
  }

  cancelJob(id: string, at: number): boolean {
    return this.db.transaction(() => {
      const changed = this.prepare(
        "UPDATE jobs SET status = 'cancelled', finished_at = ? WHERE id = ? AND status = 'running'",
      ).run(at, id).changes;
      if (changed === 0) return false;
      this.endOpenUnits(id);
      this.escrows.close(id);
      return true;
    })();
  }

  /** Cancels a job's queued and leased units and revokes their leases. */
  private endOpenUnits(jobId: string): void {
    this.prepare(
      `UPDATE assignments SET status = 'revoked' WHERE status = 'active'
         AND unit_id IN (SELECT id FROM units WHERE job_id = ? AND status = 'leased')`,
    ).run(jobId);
    this.prepare(
      "UPDATE units SET status = 'cancelled' WHERE job_id = ? AND status IN ('queued', 'leased')",
    ).run(jobId);
  }

  leaseUnits(
    workerKey: string,
    slots: number,
    at: number,
    leaseMs: (steps: number) => number,
  ): Lease[] {
    return this.db.transaction(() => {
      // Fair share picks the job of each unit; within a job the units_queue index gives the
      // order, so the cost does not grow with the queue.
      // A unit this key failed (unitFailed) waits for the failed lease's deadline before it
      // may be leased to the key again; other keys may take it at once.
      const queued = this.prepare(
        `SELECT * FROM units u WHERE u.status = 'queued' AND u.job_id = ? AND NOT EXISTS (
           SELECT 1 FROM assignments a WHERE a.worker_key = ? AND a.status = 'failed'
              AND a.unit_id = u.id AND a.deadline > ?)
         ORDER BY u.generation, u.trajectory LIMIT 1 OFFSET ?`,
      );
      const units = this.shares.plan(slots, (jobId, skip) => {
        const row = queued.get(jobId, workerKey, at, skip) as Row | undefined;
        return row === undefined ? undefined : unitFromRow(row);
      });
      const jobCache = new Map<string, JobRecord>();
      const leases: Lease[] = [];
      const markLeased = this.prepare("UPDATE units SET status = 'leased' WHERE id = ?");
      const insert = this.prepare(
        "INSERT INTO assignments (id, unit_id, worker_key, issued_at, deadline, status) VALUES (?, ?, ?, ?, ?, 'active')",
      );
      for (const unit of units) {
        const assignment: AssignmentRecord = {
          id: randomBytes(16).toString("hex"),
          unitId: unit.id,
          workerKey,
          issuedAt: at,
          deadline: at + leaseMs(unit.steps),
          status: "active",
        };
        markLeased.run(unit.id);
        insert.run(assignment.id, unit.id, workerKey, assignment.issuedAt, assignment.deadline);
        leases.push({
          assignment,
          unit: { ...unit, status: "leased" },
          job: jobCache.get(unit.jobId) ?? this.cacheJob(jobCache, unit.jobId),
        });
      }
      return leases;
    })();
  }

  private cacheJob(cache: Map<string, JobRecord>, id: string): JobRecord {
    const job = this.getJob(id)!;
    cache.set(id, job);
    return job;
  }

  getLease(assignmentId: string): Lease | undefined {
    const row = this.prepare("SELECT * FROM assignments WHERE id = ?").get(assignmentId) as
      | Row
      | undefined;
    if (row === undefined) return undefined;
    const assignment = assignmentFromRow(row);
    const unit = unitFromRow(
      this.prepare("SELECT * FROM units WHERE id = ?").get(assignment.unitId) as Row,
    );
    return { assignment, unit, job: this.getJob(unit.jobId)! };
  }

  expireLeases(at: number): ExpiredLease[] {
    return this.db.transaction(() => {
      const expired = this.prepare(
        "SELECT id, unit_id, worker_key FROM assignments WHERE status = 'active' AND deadline <= ?",
      ).all(at) as { id: string; unit_id: string; worker_key: string }[];
      const revoke = this.prepare("UPDATE assignments SET status = 'revoked' WHERE id = ?");
      const requeue = this.prepare(
        "UPDATE units SET status = 'queued' WHERE id = ? AND status = 'leased'",
      );
      const requeued: ExpiredLease[] = [];
      for (const a of expired) {
        revoke.run(a.id);
        if (requeue.run(a.unit_id).changes > 0)
          requeued.push({ unitId: a.unit_id, workerKey: a.worker_key });
      }
      return requeued;
    })();
  }

  activeLeaseCount(workerKey: string): number {
    return (
      this.prepare(
        "SELECT COUNT(*) AS n FROM assignments WHERE worker_key = ? AND status = 'active'",
      ).get(workerKey) as {
        n: number;
      }
    ).n;
  }

  shortenLeases(assignmentIds: readonly string[], deadline: number): void {
    const shorten = this.prepare(
      "UPDATE assignments SET deadline = MIN(deadline, ?) WHERE id = ? AND status = 'active'",
    );
    this.db.transaction(() => {
      for (const id of assignmentIds) shorten.run(deadline, id);
    })();
  }

  bindCommit(assignmentId: string, merkleRoot: Uint8Array, segments: number): CommitBinding {
    this.prepare(
      "INSERT OR IGNORE INTO commits (assignment_id, merkle_root, segments) VALUES (?, ?, ?)",
    ).run(assignmentId, Buffer.from(merkleRoot), segments);
    const row = this.prepare(
      "SELECT merkle_root, segments FROM commits WHERE assignment_id = ?",
    ).get(assignmentId) as { merkle_root: Buffer; segments: number };
    return { merkleRoot: new Uint8Array(row.merkle_root), segments: row.segments };
  }

  extendLease(assignmentId: string, workerKey: string, deadline: number): boolean {
    return (
      this.prepare(
        "UPDATE assignments SET deadline = ? WHERE id = ? AND worker_key = ? AND status = 'active' AND deadline < ?",
      ).run(deadline, assignmentId, workerKey, deadline).changes > 0
    );
  }

  acceptResult(
    result: AcceptedResult,
    plan: (ctx: AcceptanceContext) => AcceptancePlan,
  ): AcceptOutcome {
    return this.db.transaction((): AcceptOutcome => {
      const previous = this.prepare("SELECT reward FROM results WHERE assignment_id = ?").get(
        result.assignmentId,
      ) as { reward: string } | undefined;
      if (previous !== undefined) return { kind: "duplicate", reward: BigInt(previous.reward) };
      const lease = this.getLease(result.assignmentId);
      if (
        lease === undefined ||
        lease.assignment.status === "failed" ||
        lease.unit.status === "done" ||
        lease.unit.status === "cancelled" ||
        lease.job.status !== "running"
      ) {
        return { kind: "stale" };
      }
      const { unit, job, assignment } = lease;
      const workBefore = BigInt(
        (this.prepare("SELECT work FROM ledger_work WHERE id = 1").get() as { work: string }).work,
      );
      const peers = job.cooperate
        ? this.acceptedStates(job.id, unit.generation - 1, unit.generation)
        : [];
      const decision = plan({ job, unit, assignment, workBefore, peers });
      const { credit } = decision;
      this.prepare("INSERT INTO ledger_pending (entry) VALUES (?)").run(Buffer.from(credit.entry));
      this.prepare("UPDATE ledger_work SET work = ? WHERE id = 1").run(
        (workBefore + credit.work).toString(),
      );
      this.adjustAccount(result.workerKey, credit.reward, undefined);
      this.prepare(
        `INSERT INTO results (unit_id, assignment_id, worker_key, best_energy, best_fold, steps, final_state,
            final_state_hash, merkle_root, segments_checked, reward, accepted_at, job_seq)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(
        unit.id,
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
        job.unitsDone,
      );
      this.prepare("UPDATE units SET status = 'done' WHERE id = ?").run(unit.id);
      this.prepare(
        "UPDATE assignments SET status = 'revoked' WHERE unit_id = ? AND status = 'active' AND id <> ?",
      ).run(unit.id, result.assignmentId);
      // completes this lease even if it had been revoked: the first valid result wins
      this.prepare("UPDATE assignments SET status = 'completed' WHERE id = ?").run(
        result.assignmentId,
      );
      const improves = job.bestEnergy === null || result.bestEnergy < job.bestEnergy;
      this.prepare(
        `UPDATE jobs SET steps_done = steps_done + ?, units_done = units_done + 1,
            best_energy = CASE WHEN ? THEN ? ELSE best_energy END,
            best_fold = CASE WHEN ? THEN ? ELSE best_fold END,
            best_unit = CASE WHEN ? THEN ? ELSE best_unit END WHERE id = ?`,
      ).run(
        result.steps,
        +improves,
        result.bestEnergy,
        +improves,
        result.bestFold,
        +improves,
        unit.id,
        job.id,
      );
      this.prepare(
        "UPDATE workers SET accepted = accepted + 1, steps_verified = steps_verified + ?, last_seen = MAX(last_seen, ?) WHERE key = ?",
      ).run(result.steps, result.at, result.workerKey);
      this.escrows.payUnit(job.id, unit.id, improvementOf(job.bestEnergy, result.bestEnergy));
      if (decision.nextUnit !== null) this.insertUnit(decision.nextUnit);
      let jobFinished = decision.finishJob;
      if (!jobFinished && decision.nextUnit === null) {
        const open = this.db
          .prepare(
            "SELECT COUNT(*) AS n FROM units WHERE job_id = ? AND status IN ('queued', 'leased')",
          )
          .get(job.id) as { n: number };
        jobFinished = open.n === 0;
      }
      if (jobFinished) {
        this.endOpenUnits(job.id);
        this.escrows.close(job.id);
        this.db
          .prepare("UPDATE jobs SET status = 'done', finished_at = ? WHERE id = ?")
          .run(result.at, job.id);
      }
      return { kind: "accepted", jobFinished, reward: credit.reward };
    })();
  }
}
