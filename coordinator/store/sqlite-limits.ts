/**
 * The SQLite side of abuse limits, on the store's connection: per-key lease quotas
 * (lease-quota.ts), which account owns which job (per-account job quotas, where a batch's
 * running jobs count as one job), revoking the lease of a rejected result at once, and ending
 * the lease of a unit its worker could not run (`failLease`: the unit is queued again, but not
 * for that key before its retry time; `leaseUnits` reads the failed lease's deadline as that). Kept apart from sqlite-store.ts, which owns the
 * scheduling tables; these tables only bound what a key or an account may take.
 * @module
 */
import type Database from "better-sqlite3";
import type { Synchronous } from "./settled-store.js";
import type { LimitStore, OwnerLoad } from "./store.js";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS lease_quotas (worker_key TEXT PRIMARY KEY, quota INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS job_owners (job_id TEXT PRIMARY KEY, owner TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS job_owners_owner ON job_owners (owner);
`;

/** `LimitStore` on an open better-sqlite3 connection. */
export class SqliteLimits implements Synchronous<LimitStore> {
  private readonly getQuota: Database.Statement;
  private readonly putQuota: Database.Statement;
  private readonly putOwner: Database.Statement;
  private readonly load: Database.Statement;
  private readonly revokeAssignment: Database.Statement;
  private readonly requeueUnit: Database.Statement;
  private readonly failAssignment: Database.Statement;

  constructor(private readonly db: Database.Database) {
    db.exec(SCHEMA);
    this.getQuota = db.prepare("SELECT quota FROM lease_quotas WHERE worker_key = ?");
    this.putQuota = db.prepare(
      "INSERT INTO lease_quotas (worker_key, quota) VALUES (?, ?) ON CONFLICT (worker_key) DO UPDATE SET quota = excluded.quota",
    );
    this.putOwner = db.prepare("INSERT OR IGNORE INTO job_owners (job_id, owner) VALUES (?, ?)");
    this.load = db.prepare(
      `SELECT COUNT(DISTINCT COALESCE(b.batch_id, j.id)) AS jobs,
              COALESCE(SUM(j.trajectories), 0) AS trajectories,
              COALESCE(SUM(j.trajectories * j.unit_steps), 0) AS steps
         FROM job_owners o JOIN jobs j ON j.id = o.job_id
         LEFT JOIN batch_jobs b ON b.job_id = j.id
        WHERE o.owner = ? AND j.status = 'running'`,
    );
    this.revokeAssignment = db.prepare(
      "UPDATE assignments SET status = 'revoked' WHERE id = ? AND worker_key = ? AND status = 'active' RETURNING unit_id",
    );
    this.requeueUnit = db.prepare(
      "UPDATE units SET status = 'queued' WHERE id = ? AND status = 'leased'",
    );
    this.failAssignment = db.prepare(
      "UPDATE assignments SET status = 'failed', deadline = ? WHERE id = ? AND worker_key = ? AND status = 'active' RETURNING unit_id",
    );
  }

  leaseQuota(workerKey: string): number | undefined {
    return (this.getQuota.get(workerKey) as { quota: number } | undefined)?.quota;
  }

  setLeaseQuota(workerKey: string, quota: number): void {
    this.putQuota.run(workerKey, quota);
  }

  ownJob(jobId: string, owner: string): void {
    this.putOwner.run(jobId, owner);
  }

  ownerLoad(owner: string): OwnerLoad {
    return this.load.get(owner) as OwnerLoad;
  }

  revokeLease(assignmentId: string, workerKey: string): boolean {
    return this.endAndRequeue(this.revokeAssignment, [assignmentId, workerKey]);
  }

  failLease(assignmentId: string, workerKey: string, retryAt: number): boolean {
    return this.endAndRequeue(this.failAssignment, [retryAt, assignmentId, workerKey]);
  }

  /** Ends one active lease with `end` (RETURNING its unit id) and queues the unit again. */
  private endAndRequeue(end: Database.Statement, params: unknown[]): boolean {
    return this.db.transaction(() => {
      const row = end.get(...params) as { unit_id: string } | undefined;
      return row !== undefined && this.requeueUnit.run(row.unit_id).changes > 0;
    })();
  }
}
