/**
 * The PostgreSQL side of fair share (coordinator/fair-share.ts), the same stride scheduling
 * as sqlite-fair-share.ts: weights, priorities, and the passes of accounts and jobs clamped
 * up to the virtual time. Passes only grow, so they are saved with GREATEST: one coordinator
 * leasing one call at a time gets exactly SQLite's picks, and coordinators leasing at once
 * never move a pass back (a lease racing another may be charged from the same pass, so
 * fairness between them is approximate by at most the units in flight).
 * @module
 */
import { type ShareCandidate, sharePass } from "../../fair-share.js";
import type { FairShareStore } from "../store.js";
import type { PgDatabase, Row, Sql } from "./pg-database.js";
import { num } from "./pg-rows.js";

/** Running jobs with queued units: the job row, its share columns and the virtual time. */
const CANDIDATES = `
SELECT j.*, COALESCE(o.owner, '') AS account,
       COALESCE(w.weight, 1) AS weight, COALESCE(p.priority, 1) AS priority,
       COALESCE(a.pass, 0) AS account_pass, COALESCE(a.job_time, 0) AS job_time,
       COALESCE(s.pass, 0) AS job_pass,
       COALESCE((SELECT time FROM share_time WHERE id = 0), 0) AS share_time
  FROM jobs j
  LEFT JOIN job_owners o ON o.job_id = j.id
  LEFT JOIN account_weights w ON w.account = o.owner
  LEFT JOIN job_priorities p ON p.job_id = j.id
  LEFT JOIN share_accounts a ON a.account = COALESCE(o.owner, '')
  LEFT JOIN share_jobs s ON s.job_id = j.id
 WHERE j.status = 'running'
   AND EXISTS (SELECT 1 FROM units u WHERE u.status = 'queued' AND u.job_id = j.id)`;

/** What a plan picked, with the rows of the candidate jobs (a lease returns them). */
export interface Planned<R> {
  readonly picked: R[];
  readonly jobs: ReadonlyMap<string, Row>;
}

/** Sets a job's fair-share priority. */
export async function setPriorityIn(sql: Sql, jobId: string, priority: number): Promise<void> {
  await sql.run(
    "INSERT INTO job_priorities (job_id, priority) VALUES ($1, $2) ON CONFLICT (job_id) DO UPDATE SET priority = excluded.priority",
    [jobId, priority],
  );
}

/** `FairShareStore` on PostgreSQL (asynchronous). */
export class PgFairShare implements FairShareStore {
  constructor(private readonly db: PgDatabase) {}

  setWeight(account: string, weight: number): Promise<void> {
    return this.db.read(async (sql) => {
      await sql.run(
        "INSERT INTO account_weights (account, weight) VALUES ($1, $2) ON CONFLICT (account) DO UPDATE SET weight = excluded.weight",
        [account, weight],
      );
    });
  }

  weights(): Promise<{ account: string; weight: number }[]> {
    return this.db.read((sql) =>
      sql.rows<{ account: string; weight: number }>(
        "SELECT account, weight FROM account_weights ORDER BY account",
      ),
    );
  }

  setPriority(jobId: string, priority: number): Promise<void> {
    return this.db.read((sql) => setPriorityIn(sql, jobId, priority));
  }

  plan<R extends { readonly steps: number }>(
    slots: number,
    next: (jobId: string, skip: number) => R | undefined,
  ): Promise<R[]> {
    return this.db.tx(async (sql) => (await this.planIn(sql, slots, next)).picked);
  }

  /**
   * Picks up to `slots` units by fair share inside the caller's transaction; `next(jobId,
   * skip)` gives a job's next queued unit (`skip` of its units already picked).
   */
  async planIn<R extends { readonly steps: number }>(
    sql: Sql,
    slots: number,
    next: (jobId: string, skip: number) => R | undefined | Promise<R | undefined>,
  ): Promise<Planned<R>> {
    const rows = await sql.rows(CANDIDATES);
    const time = (rows[0]?.share_time as number | undefined) ?? 0;
    const jobTimes = new Map<string, number>();
    const jobs = new Map<string, Row>();
    const all: ShareCandidate[] = rows.map((r) => {
      const account = r.account as string;
      jobs.set(r.id as string, r);
      jobTimes.set(account, r.job_time as number);
      return {
        jobId: r.id as string,
        createdAt: num(r.created_at),
        account,
        weight: r.weight as number,
        priority: r.priority as number,
        accountPass: Math.max(r.account_pass as number, time),
        jobPass: Math.max(r.job_pass as number, r.job_time as number),
      };
    });
    const pass = sharePass<R>(all, slots, time, jobTimes);
    let step = pass.next();
    while (!step.done) step = pass.next(await next(step.value.jobId, step.value.skip));
    const { picked, taken, virtualTime } = step.value;
    if (picked.length > 0) await save(sql, all, taken, jobTimes, virtualTime);
    return { picked, jobs };
  }
}

/** Saves the passes of the picked jobs and their accounts, in key order (no deadlocks). */
async function save(
  sql: Sql,
  candidates: readonly ShareCandidate[],
  taken: ReadonlyMap<string, number>,
  jobTimes: ReadonlyMap<string, number>,
  virtualTime: number,
): Promise<void> {
  const accounts = new Map<string, number>();
  const jobs = new Map<string, number>();
  for (const c of candidates) {
    if (!taken.has(c.jobId)) continue;
    accounts.set(c.account, c.accountPass);
    jobs.set(c.jobId, c.jobPass);
  }
  const accountKeys = [...accounts.keys()].sort();
  await sql.run(
    `INSERT INTO share_accounts (account, pass, job_time)
       SELECT * FROM unnest($1::text[], $2::float8[], $3::float8[])
     ON CONFLICT (account) DO UPDATE SET pass = GREATEST(share_accounts.pass, excluded.pass),
       job_time = GREATEST(share_accounts.job_time, excluded.job_time)`,
    [
      accountKeys,
      accountKeys.map((a) => accounts.get(a)),
      accountKeys.map((a) => jobTimes.get(a) ?? 0),
    ],
  );
  const jobKeys = [...jobs.keys()].sort();
  await sql.run(
    `INSERT INTO share_jobs (job_id, pass) SELECT * FROM unnest($1::text[], $2::float8[])
     ON CONFLICT (job_id) DO UPDATE SET pass = GREATEST(share_jobs.pass, excluded.pass)`,
    [jobKeys, jobKeys.map((j) => jobs.get(j))],
  );
  await sql.run(
    `INSERT INTO share_time (id, time) VALUES (0, $1)
     ON CONFLICT (id) DO UPDATE SET time = GREATEST(share_time.time, excluded.time)`,
    [virtualTime],
  );
}
