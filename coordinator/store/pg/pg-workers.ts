/**
 * The volunteers' part of the PostgreSQL store: what the network knows of each worker key
 * (first and last seen, accepted and rejected results, strikes, ban, verified steps), shared
 * by every coordinator on the database, and the counts for the status endpoint and metrics.
 * Each change is one statement, so concurrent coordinators never lose a strike.
 * @module
 */
import type { JobStatus, StoreCounts, UnitStatus, WorkerRecord } from "../store.js";
import type { PgDatabase } from "./pg-database.js";
import { num, workerFromRow } from "./pg-rows.js";

/** Workers and counts. */
export class PgWorkers {
  constructor(private readonly db: PgDatabase) {}

  touchWorker(key: string, keyId: string, at: number, name = ""): Promise<WorkerRecord> {
    return this.db.read(async (sql) => {
      const row = await sql.row(
        `INSERT INTO workers (key, key_id, first_seen, last_seen, name) VALUES ($1, $2, $3, $3, $4)
           ON CONFLICT (key) DO UPDATE SET last_seen = GREATEST(workers.last_seen, excluded.last_seen),
             name = excluded.name
           RETURNING *`,
        [key, keyId, at, name],
      );
      return workerFromRow(row!);
    });
  }

  getWorker(key: string): Promise<WorkerRecord | undefined> {
    return this.db.read(async (sql) => {
      const row = await sql.row("SELECT * FROM workers WHERE key = $1", [key]);
      return row === undefined ? undefined : workerFromRow(row);
    });
  }

  listWorkers(limit: number): Promise<WorkerRecord[]> {
    return this.db.read(async (sql) =>
      (await sql.rows("SELECT * FROM workers ORDER BY last_seen DESC LIMIT $1", [limit])).map(
        workerFromRow,
      ),
    );
  }

  /** As SQLite: the record after the change (undefined, despite the type, for an unknown key). */
  recordRejection(key: string, strike: boolean, banAfter: number): Promise<WorkerRecord> {
    return this.db.read(async (sql) => {
      const row = await sql.row(
        `UPDATE workers SET rejected = rejected + 1, strikes = strikes + $1,
            banned = CASE WHEN strikes + $1 >= $2 THEN true ELSE banned END
          WHERE key = $3 RETURNING *`,
        [+strike, banAfter, key],
      );
      return (row === undefined ? undefined : workerFromRow(row)) as WorkerRecord;
    });
  }

  counts(): Promise<StoreCounts> {
    return this.db.read(async (sql) => {
      const jobs: Record<JobStatus, number> = { running: 0, done: 0, cancelled: 0 };
      for (const r of await sql.rows("SELECT status, COUNT(*) AS n FROM jobs GROUP BY status"))
        jobs[r.status as JobStatus] = num(r.n);
      const units: Record<UnitStatus, number> = { queued: 0, leased: 0, done: 0, cancelled: 0 };
      for (const r of await sql.rows("SELECT status, COUNT(*) AS n FROM units GROUP BY status"))
        units[r.status as UnitStatus] = num(r.n);
      const totals = await sql.row(
        "SELECT (SELECT COUNT(*) FROM results) AS results, (SELECT COUNT(*) FROM workers) AS workers",
      );
      return { jobs, units, results: num(totals?.results), workers: num(totals?.workers) };
    });
  }
}
