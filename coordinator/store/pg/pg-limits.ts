/**
 * The PostgreSQL side of abuse limits, as sqlite-limits.ts: per-key lease quotas, which
 * account owns which job (a batch's running jobs count as one job), and revoking the lease of
 * a rejected result at once (its unit queued again).
 * @module
 */
import type { LimitStore, OwnerLoad } from "../store.js";
import type { PgDatabase, Sql } from "./pg-database.js";
import { num } from "./pg-rows.js";

/** Records the account a job was submitted by (in the caller's transaction or alone). */
export async function ownJobIn(sql: Sql, jobId: string, owner: string): Promise<void> {
  await sql.run("INSERT INTO job_owners (job_id, owner) VALUES ($1, $2) ON CONFLICT DO NOTHING", [
    jobId,
    owner,
  ]);
}

/** `LimitStore` on PostgreSQL. */
export class PgLimits implements LimitStore {
  constructor(private readonly db: PgDatabase) {}

  leaseQuota(workerKey: string): Promise<number | undefined> {
    return this.db.read(
      async (sql) =>
        (
          await sql.row<{ quota: number }>("SELECT quota FROM lease_quotas WHERE worker_key = $1", [
            workerKey,
          ])
        )?.quota,
    );
  }

  setLeaseQuota(workerKey: string, quota: number): Promise<void> {
    return this.db.read(async (sql) => {
      await sql.run(
        "INSERT INTO lease_quotas (worker_key, quota) VALUES ($1, $2) ON CONFLICT (worker_key) DO UPDATE SET quota = excluded.quota",
        [workerKey, quota],
      );
    });
  }

  ownJob(jobId: string, owner: string): Promise<void> {
    return this.db.read((sql) => ownJobIn(sql, jobId, owner));
  }

  ownerLoad(owner: string): Promise<OwnerLoad> {
    return this.db.read(async (sql) => {
      const r = await sql.row(
        `SELECT COUNT(DISTINCT COALESCE(b.batch_id, j.id)) AS jobs,
                COALESCE(SUM(j.trajectories), 0) AS trajectories,
                COALESCE(SUM(j.trajectories * j.unit_steps), 0) AS steps
           FROM job_owners o JOIN jobs j ON j.id = o.job_id
           LEFT JOIN batch_jobs b ON b.job_id = j.id
          WHERE o.owner = $1 AND j.status = 'running'`,
        [owner],
      );
      return { jobs: num(r?.jobs), trajectories: num(r?.trajectories), steps: num(r?.steps) };
    });
  }

  revokeLease(assignmentId: string, workerKey: string): Promise<boolean> {
    return this.endAndRequeue(assignmentId, workerKey, "revoked", null);
  }

  failLease(assignmentId: string, workerKey: string, retryAt: number): Promise<boolean> {
    return this.endAndRequeue(assignmentId, workerKey, "failed", retryAt);
  }

  /**
   * Ends one active lease of `workerKey` as `status` (a failed one's deadline becomes when the
   * key may take its unit again) and queues the unit again; true if it was requeued.
   */
  private endAndRequeue(
    assignmentId: string,
    workerKey: string,
    status: "revoked" | "failed",
    deadline: number | null,
  ): Promise<boolean> {
    return this.db.tx(async (sql) => {
      // the unit first, as acceptance and expiry lock it: no lock-order deadlock
      const unit = await sql.row<{ id: string; status: string }>(
        `SELECT u.id, u.status FROM units u JOIN assignments a ON a.unit_id = u.id
          WHERE a.id = $1 FOR UPDATE OF u`,
        [assignmentId],
      );
      if (unit === undefined) return false;
      const revoked = await sql.run(
        `UPDATE assignments SET status = $3, deadline = COALESCE($4, deadline)
          WHERE id = $1 AND worker_key = $2 AND status = 'active'`,
        [assignmentId, workerKey, status, deadline],
      );
      if (revoked === 0 || unit.status !== "leased") return false;
      await sql.run("UPDATE units SET status = 'queued' WHERE id = $1", [unit.id]);
      return true;
    });
  }
}
