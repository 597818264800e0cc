/**
 * Writing a new job on PostgreSQL: its row, its generation-0 units and what its submitter asked
 * with it (owner, privacy, priority, amino-acid input, webhook), inside the caller's
 * transaction — one job, or every job of a batch, all or nothing.
 * @module
 */
import type { JobInput } from "../../job-spec.js";
import type { NewJob } from "../store.js";
import { setPrivateIn } from "./pg-access.js";
import type { Sql } from "./pg-database.js";
import { setPriorityIn } from "./pg-fair-share.js";
import { insertUnitsIn } from "./pg-jobs.js";
import { ownJobIn } from "./pg-limits.js";
import { INSERT_JOB, jobValues } from "./pg-rows.js";

/** Inserts a job, its units and what was asked with it (inside the caller's transaction). */
export async function insertJobIn(
  sql: Sql,
  { job, units, owner, ...asked }: NewJob,
): Promise<void> {
  await sql.run(INSERT_JOB, jobValues(job));
  await insertUnitsIn(sql, units);
  if (owner !== undefined) await ownJobIn(sql, job.id, owner);
  if (asked.private === true) await setPrivateIn(sql, job.id);
  if (asked.priority !== undefined) await setPriorityIn(sql, job.id, asked.priority);
  if (asked.input !== undefined) await setInputIn(sql, job.id, asked.input);
  if (asked.notify !== undefined) await setWebhookIn(sql, job.id, asked.notify);
}

/** Records the amino acids a job was mapped from. */
export async function setInputIn(sql: Sql, jobId: string, input: JobInput): Promise<void> {
  await sql.run(
    `INSERT INTO job_inputs (job_id, amino_acids, scale) VALUES ($1, $2, $3)
       ON CONFLICT (job_id) DO UPDATE SET amino_acids = excluded.amino_acids, scale = excluded.scale`,
    [jobId, input.aminoAcids, input.scale],
  );
}

/** Records where a job's end is notified. */
export async function setWebhookIn(sql: Sql, jobId: string, url: string): Promise<void> {
  await sql.run(
    `INSERT INTO job_webhooks (job_id, url) VALUES ($1, $2)
       ON CONFLICT (job_id) DO UPDATE SET url = excluded.url, state = 'pending', attempts = 0, next_at = 0`,
    [jobId, url],
  );
}
