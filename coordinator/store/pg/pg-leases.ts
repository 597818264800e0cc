/**
 * Leases in the PostgreSQL store. A lease picks units by fair share (pg-fair-share.ts) and
 * takes each with `FOR UPDATE SKIP LOCKED`, marking it leased in the same statement: a unit
 * another coordinator is taking is skipped, never waited for and never leased twice. The
 * sweep re-reads each expired lease under its unit's lock, so two sweeping coordinators
 * requeue a unit once.
 * @module
 */
import { randomBytes } from "node:crypto";
import type { AssignmentRecord, CommitBinding, ExpiredLease, Lease, UnitRecord } from "../store.js";
import type { PgDatabase, Sql } from "./pg-database.js";
import type { PgFairShare } from "./pg-fair-share.js";
import { leaseIn } from "./pg-jobs.js";
import { bytes, jobFromRow, num, unitFromRow } from "./pg-rows.js";

/**
 * Takes a job's next queued unit that no other transaction holds, marking it leased. A unit
 * `workerKey` failed (unitFailed) waits for that failed lease's deadline before this key may
 * take it again; other keys may take it at once.
 */
async function takeNext(
  sql: Sql,
  jobId: string,
  workerKey: string,
  at: number,
): Promise<UnitRecord | undefined> {
  const row = await sql.row(
    `UPDATE units SET status = 'leased' WHERE status = 'queued' AND id = (
       SELECT u.id FROM units u WHERE u.status = 'queued' AND u.job_id = $1 AND NOT EXISTS (
           SELECT 1 FROM assignments a WHERE a.unit_id = u.id AND a.worker_key = $2
              AND a.status = 'failed' AND a.deadline > $3)
        ORDER BY u.generation, u.trajectory LIMIT 1 FOR UPDATE SKIP LOCKED)
     RETURNING *`,
    [jobId, workerKey, at],
  );
  return row === undefined ? undefined : unitFromRow(row);
}

/** Leasing, the lease sweep, deadlines and commit bindings. */
export class PgLeases {
  constructor(
    private readonly db: PgDatabase,
    private readonly shares: PgFairShare,
  ) {}

  leaseUnits(
    workerKey: string,
    slots: number,
    at: number,
    leaseMs: (steps: number) => number,
  ): Promise<Lease[]> {
    return this.db.tx(async (sql) => {
      const { picked, jobs } = await this.shares.planIn(sql, slots, (jobId) =>
        takeNext(sql, jobId, workerKey, at),
      );
      if (picked.length === 0) return [];
      const assignments: AssignmentRecord[] = picked.map((unit) => ({
        id: randomBytes(16).toString("hex"),
        unitId: unit.id,
        workerKey,
        issuedAt: at,
        deadline: at + leaseMs(unit.steps),
        status: "active",
      }));
      await sql.run(
        `INSERT INTO assignments (id, unit_id, worker_key, issued_at, deadline, status)
           SELECT id, unit_id, $3, $4, deadline, 'active'
             FROM unnest($1::text[], $2::text[], $5::bigint[]) AS t(id, unit_id, deadline)`,
        [
          assignments.map((a) => a.id),
          assignments.map((a) => a.unitId),
          workerKey,
          at,
          assignments.map((a) => a.deadline),
        ],
      );
      return picked.map((unit, i) => ({
        assignment: assignments[i]!,
        unit,
        job: jobFromRow(jobs.get(unit.jobId)!),
      }));
    });
  }

  getLease(assignmentId: string): Promise<Lease | undefined> {
    return this.db.read((sql) => leaseIn(sql, assignmentId));
  }

  expireLeases(at: number): Promise<ExpiredLease[]> {
    return this.db.tx(async (sql) => {
      const due = await sql.rows<{ unit_id: string }>(
        "SELECT unit_id FROM assignments WHERE status = 'active' AND deadline <= $1",
        [at],
      );
      if (due.length === 0) return [];
      const unitIds = [...new Set(due.map((a) => a.unit_id))].sort();
      await sql.run("SELECT 1 FROM units WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE", [
        unitIds,
      ]);
      // re-read under the units' locks: another coordinator may have swept or accepted them
      const revoked = await sql.rows<{ unit_id: string; worker_key: string }>(
        `UPDATE assignments SET status = 'revoked'
          WHERE status = 'active' AND deadline <= $1 AND unit_id = ANY($2::text[])
          RETURNING unit_id, worker_key`,
        [at, unitIds],
      );
      const requeued = new Set(
        (
          await sql.rows<{ id: string }>(
            "UPDATE units SET status = 'queued' WHERE id = ANY($1::text[]) AND status = 'leased' RETURNING id",
            [revoked.map((a) => a.unit_id)],
          )
        ).map((u) => u.id),
      );
      const expired: ExpiredLease[] = [];
      for (const a of revoked) {
        if (!requeued.delete(a.unit_id)) continue;
        expired.push({ unitId: a.unit_id, workerKey: a.worker_key });
      }
      return expired;
    });
  }

  shortenLeases(assignmentIds: readonly string[], deadline: number): Promise<void> {
    return this.db.read(async (sql) => {
      await sql.run(
        "UPDATE assignments SET deadline = LEAST(deadline, $1) WHERE id = ANY($2::text[]) AND status = 'active'",
        [deadline, assignmentIds],
      );
    });
  }

  extendLease(assignmentId: string, workerKey: string, deadline: number): Promise<boolean> {
    return this.db.read(
      async (sql) =>
        (await sql.run(
          "UPDATE assignments SET deadline = $1 WHERE id = $2 AND worker_key = $3 AND status = 'active' AND deadline < $1",
          [deadline, assignmentId, workerKey],
        )) > 0,
    );
  }

  activeLeaseCount(workerKey: string): Promise<number> {
    return this.db.read(async (sql) =>
      num(
        (
          await sql.row(
            "SELECT COUNT(*) AS n FROM assignments WHERE worker_key = $1 AND status = 'active'",
            [workerKey],
          )
        )?.n,
      ),
    );
  }

  bindCommit(
    assignmentId: string,
    merkleRoot: Uint8Array,
    segments: number,
  ): Promise<CommitBinding> {
    return this.db.read(async (sql) => {
      await sql.run(
        "INSERT INTO commits (assignment_id, merkle_root, segments) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
        [assignmentId, Buffer.from(merkleRoot), segments],
      );
      const row = await sql.row(
        "SELECT merkle_root, segments FROM commits WHERE assignment_id = $1",
        [assignmentId],
      );
      return { merkleRoot: bytes(row!.merkle_root), segments: num(row!.segments) };
    });
  }
}
