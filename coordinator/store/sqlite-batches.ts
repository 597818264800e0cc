/**
 * The SQLite side of batches: which jobs one batch request created, in its line order, and
 * who submitted it. A batch is created in one transaction with its jobs, so it is all there
 * or not at all. Kept apart from sqlite-store.ts on the same connection.
 * @module
 */
import type Database from "better-sqlite3";
import type { BatchRecord, BatchStore } from "./store.js";

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
export class SqliteBatches implements BatchStore {
  constructor(private readonly db: Database.Database) {
    db.exec(SCHEMA);
  }

  create(batch: BatchRecord, submit: (line: number) => string): string[] {
    return this.db.transaction(() => {
      this.db
        .prepare("INSERT INTO batches (id, owner, size, created_at) VALUES (?, ?, ?, ?)")
        .run(batch.id, batch.owner, batch.size, batch.createdAt);
      const put = this.db.prepare(
        "INSERT INTO batch_jobs (batch_id, line, job_id) VALUES (?, ?, ?)",
      );
      const ids: string[] = [];
      for (let line = 1; line <= batch.size; line++) {
        const id = submit(line);
        put.run(batch.id, line, id);
        ids.push(id);
      }
      return ids;
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
