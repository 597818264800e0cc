/**
 * The SQLite side of fair share (coordinator/fair-share.ts): accounts' weights (set by an
 * admin), jobs' priorities, and the passes of accounts and jobs, kept across leases and
 * restarts. An account or job that was idle is clamped up to the lowest pass still in play
 * (the virtual time), so being idle banks no credit. `plan` picks the units of one lease call
 * inside the store's lease transaction.
 * @module
 */
import type Database from "better-sqlite3";
import { type ShareCandidate, sharePass } from "../fair-share.js";
import type { Synchronous } from "./settled-store.js";
import type { FairShareStore } from "./store.js";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS account_weights (account TEXT PRIMARY KEY, weight REAL NOT NULL);
CREATE TABLE IF NOT EXISTS job_priorities (job_id TEXT PRIMARY KEY, priority INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS share_accounts (
  account TEXT PRIMARY KEY, pass REAL NOT NULL, job_time REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS share_jobs (job_id TEXT PRIMARY KEY, pass REAL NOT NULL);
CREATE TABLE IF NOT EXISTS share_time (id INTEGER PRIMARY KEY CHECK (id = 0), time REAL NOT NULL);
`;

interface CandidateRow {
  id: string;
  created_at: number;
  account: string;
  weight: number;
  priority: number;
  account_pass: number;
  job_time: number;
  job_pass: number;
}

/** `FairShareStore` on an open better-sqlite3 connection. */
export class SqliteFairShare implements Synchronous<FairShareStore> {
  private readonly candidates: Database.Statement;
  private readonly time: Database.Statement;

  constructor(private readonly db: Database.Database) {
    db.exec(SCHEMA);
    this.candidates = db.prepare(
      `SELECT j.id, j.created_at, COALESCE(o.owner, '') AS account,
              COALESCE(w.weight, 1) AS weight, COALESCE(p.priority, 1) AS priority,
              COALESCE(a.pass, 0) AS account_pass, COALESCE(a.job_time, 0) AS job_time,
              COALESCE(s.pass, 0) AS job_pass
         FROM jobs j
         LEFT JOIN job_owners o ON o.job_id = j.id
         LEFT JOIN account_weights w ON w.account = o.owner
         LEFT JOIN job_priorities p ON p.job_id = j.id
         LEFT JOIN share_accounts a ON a.account = COALESCE(o.owner, '')
         LEFT JOIN share_jobs s ON s.job_id = j.id
        WHERE j.status = 'running'
          AND EXISTS (SELECT 1 FROM units u WHERE u.status = 'queued' AND u.job_id = j.id)`,
    );
    this.time = db.prepare("SELECT time FROM share_time WHERE id = 0");
  }

  setWeight(account: string, weight: number): void {
    this.db
      .prepare(
        "INSERT INTO account_weights (account, weight) VALUES (?, ?) ON CONFLICT (account) DO UPDATE SET weight = excluded.weight",
      )
      .run(account, weight);
  }

  weights(): { account: string; weight: number }[] {
    return this.db
      .prepare("SELECT account, weight FROM account_weights ORDER BY account")
      .all() as {
      account: string;
      weight: number;
    }[];
  }

  setPriority(jobId: string, priority: number): void {
    this.db
      .prepare("INSERT OR REPLACE INTO job_priorities (job_id, priority) VALUES (?, ?)")
      .run(jobId, priority);
  }

  plan<R extends { readonly steps: number }>(
    slots: number,
    next: (jobId: string, skip: number) => R | undefined,
  ): R[] {
    const time = (this.time.get() as { time: number } | undefined)?.time ?? 0;
    const jobTimes = new Map<string, number>();
    const all: ShareCandidate[] = (this.candidates.all() as CandidateRow[]).map((r) => {
      jobTimes.set(r.account, r.job_time);
      return {
        jobId: r.id,
        createdAt: r.created_at,
        account: r.account,
        weight: r.weight,
        priority: r.priority,
        accountPass: Math.max(r.account_pass, time),
        jobPass: Math.max(r.job_pass, r.job_time),
      };
    });
    const pass = sharePass<R>(all, slots, time, jobTimes);
    let step = pass.next();
    while (!step.done) step = pass.next(next(step.value.jobId, step.value.skip));
    const { picked, taken, virtualTime } = step.value;
    this.save(all, taken, jobTimes, virtualTime);
    return picked;
  }

  private save(
    candidates: readonly ShareCandidate[],
    taken: ReadonlyMap<string, number>,
    jobTimes: ReadonlyMap<string, number>,
    virtualTime: number,
  ): void {
    const putAccount = this.db.prepare(
      "INSERT OR REPLACE INTO share_accounts (account, pass, job_time) VALUES (?, ?, ?)",
    );
    const putJob = this.db.prepare(
      "INSERT OR REPLACE INTO share_jobs (job_id, pass) VALUES (?, ?)",
    );
    for (const c of candidates) {
      if (!taken.has(c.jobId)) continue;
      putAccount.run(c.account, c.accountPass, jobTimes.get(c.account) ?? 0);
      putJob.run(c.jobId, c.jobPass);
    }
    this.db.prepare("INSERT OR REPLACE INTO share_time (id, time) VALUES (0, ?)").run(virtualTime);
  }
}
