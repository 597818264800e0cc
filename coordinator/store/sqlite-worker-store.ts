/**
 * The volunteers' part of the SQLite store: what the coordinator knows of each worker key
 * (its name, first and last seen, accepted and rejected results, strikes, ban, verified steps) and the
 * counts of jobs, units, results and workers for the status endpoint and metrics.
 * @module
 */
import { SqliteLedgerStore } from "./sqlite-ledger-store.js";
import { type Row, workerFromRow } from "./sqlite-rows.js";
import type { JobStatus, StoreCounts, UnitStatus, WorkerRecord } from "./store.js";

/** Workers and counts, over the ledger's part. */
export class SqliteWorkerStore extends SqliteLedgerStore {
  touchWorker(key: string, keyId: string, at: number, name = ""): WorkerRecord {
    this.prepare(
      `INSERT INTO workers (key, key_id, first_seen, last_seen, name) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (key) DO UPDATE SET last_seen = MAX(last_seen, excluded.last_seen),
           name = excluded.name`,
    ).run(key, keyId, at, at, name);
    return this.getWorker(key)!;
  }

  getWorker(key: string): WorkerRecord | undefined {
    const row = this.prepare("SELECT * FROM workers WHERE key = ?").get(key) as Row | undefined;
    return row === undefined ? undefined : workerFromRow(row);
  }

  listWorkers(limit: number): WorkerRecord[] {
    return (
      this.prepare("SELECT * FROM workers ORDER BY last_seen DESC LIMIT ?").all(limit) as Row[]
    ).map(workerFromRow);
  }

  recordRejection(key: string, strike: boolean, banAfter: number): WorkerRecord {
    this.prepare(
      `UPDATE workers SET rejected = rejected + 1, strikes = strikes + ?,
          banned = CASE WHEN strikes + ? >= ? THEN 1 ELSE banned END WHERE key = ?`,
    ).run(+strike, +strike, banAfter, key);
    return this.getWorker(key)!;
  }

  counts(): StoreCounts {
    const jobs: Record<JobStatus, number> = { running: 0, done: 0, cancelled: 0 };
    for (const r of this.prepare(
      "SELECT status, COUNT(*) AS n FROM jobs GROUP BY status",
    ).all() as Row[]) {
      jobs[r.status as JobStatus] = r.n as number;
    }
    const units: Record<UnitStatus, number> = { queued: 0, leased: 0, done: 0, cancelled: 0 };
    for (const r of this.prepare(
      "SELECT status, COUNT(*) AS n FROM units GROUP BY status",
    ).all() as Row[]) {
      units[r.status as UnitStatus] = r.n as number;
    }
    const one = (sql: string) => (this.prepare(sql).get() as { n: number }).n;
    return {
      jobs,
      units,
      results: one("SELECT COUNT(*) AS n FROM results"),
      workers: one("SELECT COUNT(*) AS n FROM workers"),
    };
  }
}
