/**
 * Jobs and their units in the PostgreSQL store: creating a job with its generation-0 units,
 * reading jobs, units, results and a
 * job's energy history, and cancelling. Lock order, kept by every transaction of the store so
 * that coordinators do not deadlock: a job's row, then its units' rows (by id), then
 * assignments, then the ledger (pg-ledger.ts).
 * @module
 */
import type { AcceptedState, JobRecord, Lease, Page, ResultRecord, UnitRecord } from "../store.js";
import type { PgDatabase, Sql } from "./pg-database.js";
import type { PgEscrows } from "./pg-escrows.js";
import {
  acceptedStateFromRow,
  assignmentFromRow,
  insertUnits,
  jobFromRow,
  num,
  resultFromRow,
  unitFromRow,
  unitValues,
} from "./pg-rows.js";

/** Units per INSERT (PostgreSQL takes at most 65,535 parameters a statement). */
const UNITS_PER_INSERT = 1_000;

/** Inserts units (the schema's trigger announces the queued ones). */
export async function insertUnitsIn(sql: Sql, units: readonly UnitRecord[]): Promise<void> {
  for (let i = 0; i < units.length; i += UNITS_PER_INSERT) {
    const chunk = units.slice(i, i + UNITS_PER_INSERT);
    await sql.run(insertUnits(chunk.length), chunk.flatMap(unitValues));
  }
}

/** A job's accepted units' final states of generations `from`…`to`, with their acceptance order. */
export async function acceptedStatesIn(
  sql: Sql,
  jobId: string,
  from: number,
  to: number,
): Promise<AcceptedState[]> {
  const rows = await sql.rows(
    `SELECT u.id, u.trajectory, u.generation, r.final_state, r.job_seq FROM results r
       JOIN units u ON u.id = r.unit_id WHERE u.job_id = $1 AND u.generation BETWEEN $2 AND $3`,
    [jobId, from, to],
  );
  return rows.map(acceptedStateFromRow);
}

export async function jobIn(sql: Sql, id: string, lock = false): Promise<JobRecord | undefined> {
  const row = await sql.row(`SELECT * FROM jobs WHERE id = $1${lock ? " FOR UPDATE" : ""}`, [id]);
  return row === undefined ? undefined : jobFromRow(row);
}

/** The assignment with its unit and job. */
export async function leaseIn(sql: Sql, assignmentId: string): Promise<Lease | undefined> {
  const a = await sql.row("SELECT * FROM assignments WHERE id = $1", [assignmentId]);
  if (a === undefined) return undefined;
  const assignment = assignmentFromRow(a);
  const unit = unitFromRow(
    (await sql.row("SELECT * FROM units WHERE id = $1", [assignment.unitId]))!,
  );
  return { assignment, unit, job: (await jobIn(sql, unit.jobId))! };
}

/** Cancels a job's queued and leased units and revokes their leases (the job's row locked). */
export async function endOpenUnits(sql: Sql, jobId: string): Promise<void> {
  const open = await sql.rows<{ id: string }>(
    "SELECT id FROM units WHERE job_id = $1 AND status IN ('queued', 'leased') ORDER BY id FOR UPDATE",
    [jobId],
  );
  if (open.length === 0) return;
  const ids = open.map((u) => u.id);
  await sql.run(
    `UPDATE assignments SET status = 'revoked' WHERE status = 'active' AND unit_id = ANY($1::text[])`,
    [ids],
  );
  await sql.run("UPDATE units SET status = 'cancelled' WHERE id = ANY($1::text[])", [ids]);
}

/** Jobs, units and results. */
export class PgJobs {
  constructor(
    private readonly db: PgDatabase,
    private readonly escrows: PgEscrows,
  ) {}

  getJob(id: string): Promise<JobRecord | undefined> {
    return this.db.read((sql) => jobIn(sql, id));
  }

  listJobs(limit: number): Promise<JobRecord[]> {
    return this.db.read(async (sql) =>
      (await sql.rows("SELECT * FROM jobs ORDER BY created_at DESC, id LIMIT $1", [limit])).map(
        jobFromRow,
      ),
    );
  }

  cancelJob(id: string, at: number): Promise<boolean> {
    return this.db.tx(async (sql) => {
      const changed = await sql.run(
        "UPDATE jobs SET status = 'cancelled', finished_at = $1 WHERE id = $2 AND status = 'running'",
        [at, id],
      );
      if (changed === 0) return false;
      await endOpenUnits(sql, id);
      await this.escrows.close(sql, id);
      return true;
    });
  }

  listUnits(jobId: string, page?: Page): Promise<(UnitRecord & { result: ResultRecord | null })[]> {
    return this.db.read(async (sql) => {
      const units = await sql.rows(
        "SELECT * FROM units WHERE job_id = $1 ORDER BY trajectory, generation LIMIT $2 OFFSET $3",
        [jobId, page?.limit ?? null, page?.offset ?? 0],
      );
      if (units.length === 0) return [];
      const results = new Map(
        (
          await sql.rows("SELECT * FROM results WHERE unit_id = ANY($1::text[])", [
            units.map((u) => u.id),
          ])
        ).map((r) => [r.unit_id as string, resultFromRow(r)]),
      );
      return units.map((u) => ({ ...unitFromRow(u), result: results.get(u.id as string) ?? null }));
    });
  }

  energyHistory(
    jobId: string,
    limit: number,
  ): Promise<{ acceptedAt: number; bestEnergy: number }[]> {
    return this.db.read(async (sql) => {
      const rows = await sql.rows(
        `SELECT accepted_at, best_energy FROM (
           SELECT r.accepted_at, r.best_energy, MIN(r.best_energy) OVER (
             ORDER BY r.accepted_at ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS before
           FROM results r JOIN units u ON u.id = r.unit_id WHERE u.job_id = $1) h
         WHERE before IS NULL OR best_energy < before ORDER BY accepted_at DESC LIMIT $2`,
        [jobId, limit],
      );
      return rows
        .map((r) => ({ acceptedAt: num(r.accepted_at), bestEnergy: num(r.best_energy) }))
        .reverse();
    });
  }

  getResultByAssignment(assignmentId: string): Promise<ResultRecord | undefined> {
    return this.db.read(async (sql) => {
      const row = await sql.row("SELECT * FROM results WHERE assignment_id = $1", [assignmentId]);
      return row === undefined ? undefined : resultFromRow(row);
    });
  }
}
