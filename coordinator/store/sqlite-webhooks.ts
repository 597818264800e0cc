/**
 * The SQLite side of job webhooks: the `notify` URL of a job and the state of its one
 * notification (pending, delivered, or failed after the last retry), with the attempt count
 * and when the next attempt is due. Kept in the database, so a notification survives a
 * coordinator restart and is sent once the job has ended.
 * @module
 */
import type Database from "better-sqlite3";
import type { Synchronous } from "./settled-store.js";
import type { DueWebhook, WebhookStore } from "./store.js";

/** `WebhookStore` on an open better-sqlite3 connection. */
export class SqliteWebhooks implements Synchronous<WebhookStore> {
  private readonly due: Database.Statement;

  constructor(private readonly db: Database.Database) {
    db.exec(`CREATE TABLE IF NOT EXISTS job_webhooks (
      job_id TEXT PRIMARY KEY, url TEXT NOT NULL, state TEXT NOT NULL DEFAULT 'pending',
      attempts INTEGER NOT NULL DEFAULT 0, next_at INTEGER NOT NULL DEFAULT 0)`);
    this.due = db.prepare(
      `SELECT w.job_id AS jobId, w.url, w.attempts FROM job_webhooks w JOIN jobs j ON j.id = w.job_id
        WHERE w.state = 'pending' AND j.status <> 'running' AND w.next_at <= ?
        ORDER BY w.next_at, w.job_id LIMIT ?`,
    );
  }

  setWebhook(jobId: string, url: string): void {
    this.db
      .prepare("INSERT OR REPLACE INTO job_webhooks (job_id, url) VALUES (?, ?)")
      .run(jobId, url);
  }

  dueWebhooks(now: number, limit: number): DueWebhook[] {
    return this.due.all(now, limit) as DueWebhook[];
  }

  webhookSent(jobId: string, delivered: boolean, nextAt: number | null): void {
    this.db
      .prepare(
        "UPDATE job_webhooks SET attempts = attempts + 1, state = ?, next_at = COALESCE(?, next_at) WHERE job_id = ?",
      )
      .run(delivered ? "delivered" : nextAt === null ? "failed" : "pending", nextAt, jobId);
  }

  webhookState(jobId: string): { state: string; attempts: number } | undefined {
    return this.db
      .prepare("SELECT state, attempts FROM job_webhooks WHERE job_id = ?")
      .get(jobId) as { state: string; attempts: number } | undefined;
  }
}
