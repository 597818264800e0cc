/**
 * The SQLite side of batches: which jobs one batch request created, in its line order, and
 * who submitted it. A batch is created in one transaction with its jobs, so it is all there
 * or not at all. Kept apart from sqlite-store.ts on the same connection.
 * @module
 */
import type Database from "better-sqlite3";
import type { Synchronous } from "./settled-store.js";
import type { BatchRecord, BatchStore, NewJob } from "./store.js";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS batches (
  id TEXT PRIMARY KEY, owner TEXT NOT NULL, size INTEGER NOT NULL, created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS batch_jobs (
  batch_id TEXT NOT NULL, line INTEGER NOT NULL, job_id TEXT NOT NULL UNIQUE,
  PRIMARY KEY (batch_id, line)
);
`;

/** `BatchStore` on an open better-sqlite3 connection. */
export class SqliteBatches implements Synchronous<BatchStore> {
  constructor(
    private readonly db: Database.Database,
    private readonly insertJob: (job: NewJob) => void,
  ) {
    db.exec(SCHEMA);
  }

  create(batch: BatchRecord, jobs: readonly NewJob[]): void {
    this.db.transaction(() => {
      this.db
        .prepare("INSERT INTO batches (id, owner, size, created_at) VALUES (?, ?, ?, ?)")
        .run(batch.id, batch.owner, batch.size, batch.createdAt);
      const put = this.db.prepare(
        "INSERT INTO batch_jobs (batch_id, line, job_id) VALUES (?, ?, ?)",
      );
      jobs.forEach((job, i) => {
        this.insertJob(job);
        put.run(batch.id, i + 1, job.job.id);
      });
    })();
  }

  batch(id: string): BatchRecord | undefined {
    const row = this.db
      .prepare("SELECT id, owner, size, created_at AS createdAt FROM batches WHERE id = ?")
      .get(id) as BatchRecord | undefined;
    return row;
  }

  jobIds(id: string): string[] {
    return (
      this.db.prepare("SELECT job_id FROM batch_jobs WHERE batch_id = ? ORDER BY line").all(id) as {
        job_id: string;
      }[]
    ).map((r) => r.job_id);
  }
}
