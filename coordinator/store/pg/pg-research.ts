/**
 * The PostgreSQL side of the research stores apart from access and fair share: batches
 * (sqlite-batches.ts: a batch and its jobs' ids in one transaction), amino-acid inputs
 * (sqlite-inputs.ts), a job's best distinct folds (sqlite-folds.ts) and job webhooks with
 * their delivery state (sqlite-webhooks.ts).
 * @module
 */
import type { JobInput } from "../../job-spec.js";
import type {
  BatchRecord,
  BatchStore,
  DueWebhook,
  FoldStore,
  JobInputStore,
  NewJob,
  RankedFold,
  WebhookStore,
} from "../store.js";
import type { PgDatabase } from "./pg-database.js";
import { insertJobIn, setInputIn, setWebhookIn } from "./pg-new-job.js";
import { num } from "./pg-rows.js";

/** `BatchStore` on PostgreSQL. */
export class PgBatches implements BatchStore {
  constructor(private readonly db: PgDatabase) {}

  create(batch: BatchRecord, jobs: readonly NewJob[]): Promise<void> {
    return this.db.tx(async (sql) => {
      await sql.run("INSERT INTO batches (id, owner, size, created_at) VALUES ($1, $2, $3, $4)", [
        batch.id,
        batch.owner,
        batch.size,
        batch.createdAt,
      ]);
      for (const job of jobs) await insertJobIn(sql, job);
      await sql.run(
        `INSERT INTO batch_jobs (batch_id, line, job_id)
           SELECT $1, line, job_id FROM unnest($2::text[]) WITH ORDINALITY AS t(job_id, line)`,
        [batch.id, jobs.map((j) => j.job.id)],
      );
    });
  }

  batch(id: string): Promise<BatchRecord | undefined> {
    return this.db.read(async (sql) => {
      const r = await sql.row("SELECT id, owner, size, created_at FROM batches WHERE id = $1", [
        id,
      ]);
      return r === undefined
        ? undefined
        : {
            id: r.id as string,
            owner: r.owner as string,
            size: num(r.size),
            createdAt: num(r.created_at),
          };
    });
  }

  jobIds(id: string): Promise<string[]> {
    return this.db.read(async (sql) =>
      (
        await sql.rows<{ job_id: string }>(
          "SELECT job_id FROM batch_jobs WHERE batch_id = $1 ORDER BY line",
          [id],
        )
      ).map((r) => r.job_id),
    );
  }
}

/** `JobInputStore` on PostgreSQL. */
export class PgInputs implements JobInputStore {
  constructor(private readonly db: PgDatabase) {}

  setInput(jobId: string, input: JobInput): Promise<void> {
    return this.db.read((sql) => setInputIn(sql, jobId, input));
  }

  input(jobId: string): Promise<JobInput | undefined> {
    return this.db.read((sql) =>
      sql.row<JobInput>(
        `SELECT amino_acids AS "aminoAcids", scale FROM job_inputs WHERE job_id = $1`,
        [jobId],
      ),
    );
  }
}

/** `FoldStore` on PostgreSQL. */
export class PgFolds implements FoldStore {
  constructor(private readonly db: PgDatabase) {}

  topFolds(jobId: string, k: number): Promise<RankedFold[]> {
    return this.db.read(async (sql) =>
      (
        await sql.rows(
          `SELECT r.best_fold AS fold, MIN(r.best_energy) AS energy, MIN(r.accepted_at) AS found_at,
                  COUNT(*) AS units
             FROM results r JOIN units u ON u.id = r.unit_id
            WHERE u.job_id = $1
            GROUP BY r.best_fold
            ORDER BY energy, found_at, fold
            LIMIT $2`,
          [jobId, k],
        )
      ).map((r) => ({
        fold: r.fold as string,
        energy: num(r.energy),
        foundAt: num(r.found_at),
        units: num(r.units),
      })),
    );
  }
}

/** `WebhookStore` on PostgreSQL. */
export class PgWebhooks implements WebhookStore {
  constructor(private readonly db: PgDatabase) {}

  setWebhook(jobId: string, url: string): Promise<void> {
    return this.db.read((sql) => setWebhookIn(sql, jobId, url));
  }

  dueWebhooks(now: number, limit: number): Promise<DueWebhook[]> {
    return this.db.read(async (sql) =>
      (
        await sql.rows(
          `SELECT w.job_id, w.url, w.attempts FROM job_webhooks w JOIN jobs j ON j.id = w.job_id
            WHERE w.state = 'pending' AND j.status <> 'running' AND w.next_at <= $1
            ORDER BY w.next_at, w.job_id LIMIT $2`,
          [now, limit],
        )
      ).map((r) => ({
        jobId: r.job_id as string,
        url: r.url as string,
        attempts: num(r.attempts),
      })),
    );
  }

  webhookSent(jobId: string, delivered: boolean, nextAt: number | null): Promise<void> {
    return this.db.read(async (sql) => {
      await sql.run(
        "UPDATE job_webhooks SET attempts = attempts + 1, state = $1, next_at = COALESCE($2, next_at) WHERE job_id = $3",
        [delivered ? "delivered" : nextAt === null ? "failed" : "pending", nextAt, jobId],
      );
    });
  }

  webhookState(jobId: string): Promise<{ state: string; attempts: number } | undefined> {
    return this.db.read(async (sql) => {
      const r = await sql.row("SELECT state, attempts FROM job_webhooks WHERE job_id = $1", [
        jobId,
      ]);
      return r === undefined ? undefined : { state: r.state as string, attempts: num(r.attempts) };
    });
  }
}
