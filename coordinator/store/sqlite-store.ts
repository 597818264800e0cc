/**
 * The embedded store: SQLite through better-sqlite3, in WAL mode with synchronous=FULL so a
 * committed transaction survives `kill -9` and power loss. Amounts (rewards) are stored as
 * decimal text to stay exact beyond 2⁵³. Schema version 1; see docs/coordinator.md.
 * @module
 */

import { randomBytes } from "node:crypto";
import Database from "better-sqlite3";
import { improvementOf } from "../../ledger/rewards.js";
import type { LatticeName } from "../../sim/lattice.js";
import { EscrowStore } from "./escrow-store.js";
import { SqliteAccess } from "./sqlite-access.js";
import { SqliteBatches } from "./sqlite-batches.js";
import { SqliteFairShare } from "./sqlite-fair-share.js";
import { SqliteFolds } from "./sqlite-folds.js";
import { SqliteInputs } from "./sqlite-inputs.js";
import { SqliteLimits } from "./sqlite-limits.js";
import { SqliteWebhooks } from "./sqlite-webhooks.js";
import { StatsStore } from "./stats-store.js";
import type {
  AcceptanceContext,
  AcceptancePlan,
  AcceptedResult,
  AcceptOutcome,
  Account,
  AssignmentRecord,
  ChainHead,
  CommitBinding,
  ExpiredLease,
  JobRecord,
  JobStatus,
  Lease,
  Page,
  ResultRecord,
  Store,
  StoreCounts,
  StoredBlock,
  UnitRecord,
  UnitStatus,
  WorkerRecord,
} from "./store.js";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS jobs (
  id TEXT PRIMARY KEY, name TEXT NOT NULL, sequence TEXT NOT NULL, lattice TEXT NOT NULL,
  steps INTEGER NOT NULL, trajectories INTEGER NOT NULL, generations INTEGER NOT NULL,
  unit_steps INTEGER NOT NULL, checkpoint_interval INTEGER NOT NULL, replicas INTEGER NOT NULL,
  target_energy INTEGER, status TEXT NOT NULL, best_energy INTEGER, best_fold TEXT, best_unit TEXT,
  steps_done INTEGER NOT NULL DEFAULT 0, units_done INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL, finished_at INTEGER);
CREATE TABLE IF NOT EXISTS units (
  id TEXT PRIMARY KEY, job_id TEXT NOT NULL REFERENCES jobs(id), trajectory INTEGER NOT NULL,
  generation INTEGER NOT NULL, start_state BLOB NOT NULL, steps INTEGER NOT NULL, status TEXT NOT NULL,
  UNIQUE (job_id, trajectory, generation));
CREATE INDEX IF NOT EXISTS units_queue ON units (status, job_id, generation, trajectory);
CREATE TABLE IF NOT EXISTS assignments (
  id TEXT PRIMARY KEY, unit_id TEXT NOT NULL REFERENCES units(id), worker_key TEXT NOT NULL,
  issued_at INTEGER NOT NULL, deadline INTEGER NOT NULL, status TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS assignments_active ON assignments (status, deadline);
CREATE INDEX IF NOT EXISTS assignments_worker ON assignments (worker_key, status);
CREATE TABLE IF NOT EXISTS commits (
  assignment_id TEXT PRIMARY KEY, merkle_root BLOB NOT NULL, segments INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS results (
  unit_id TEXT PRIMARY KEY REFERENCES units(id), assignment_id TEXT NOT NULL UNIQUE,
  worker_key TEXT NOT NULL, best_energy INTEGER NOT NULL, best_fold TEXT NOT NULL, steps INTEGER NOT NULL,
  final_state BLOB NOT NULL, final_state_hash BLOB NOT NULL, merkle_root BLOB NOT NULL,
  segments_checked INTEGER NOT NULL, reward TEXT NOT NULL, accepted_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS workers (
  key TEXT PRIMARY KEY, key_id TEXT NOT NULL, first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL,
  accepted INTEGER NOT NULL DEFAULT 0, rejected INTEGER NOT NULL DEFAULT 0,
  strikes INTEGER NOT NULL DEFAULT 0, banned INTEGER NOT NULL DEFAULT 0,
  steps_verified INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS api_keys (hash TEXT PRIMARY KEY, name TEXT NOT NULL, created_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS ledger_pending (seq INTEGER PRIMARY KEY AUTOINCREMENT, entry BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS ledger_blocks (
  height INTEGER PRIMARY KEY, hash BLOB NOT NULL, header BLOB NOT NULL, signature BLOB NOT NULL,
  timestamp INTEGER NOT NULL, entry_count INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS ledger_entries (
  height INTEGER NOT NULL REFERENCES ledger_blocks(height), idx INTEGER NOT NULL, entry BLOB NOT NULL,
  PRIMARY KEY (height, idx));
CREATE TABLE IF NOT EXISTS ledger_work (id INTEGER PRIMARY KEY CHECK (id = 1), work TEXT NOT NULL);
INSERT OR IGNORE INTO ledger_work (id, work) VALUES (1, '0');
CREATE TABLE IF NOT EXISTS accounts (key TEXT PRIMARY KEY, balance TEXT NOT NULL, nonce TEXT NOT NULL);
`;

type Row = Record<string, unknown>;

const jobFromRow = (r: Row): JobRecord => ({
  id: r.id as string,
  name: r.name as string,
  sequence: r.sequence as string,
  lattice: r.lattice as LatticeName,
  steps: r.steps as number,
  trajectories: r.trajectories as number,
  generations: r.generations as number,
  unitSteps: r.unit_steps as number,
  checkpointInterval: r.checkpoint_interval as number,
  replicas: r.replicas as number,
  targetEnergy: r.target_energy as number | null,
  status: r.status as JobStatus,
  bestEnergy: r.best_energy as number | null,
  bestFold: r.best_fold as string | null,
  bestUnit: r.best_unit as string | null,
  stepsDone: r.steps_done as number,
  unitsDone: r.units_done as number,
  createdAt: r.created_at as number,
  finishedAt: r.finished_at as number | null,
});

const unitFromRow = (r: Row): UnitRecord => ({
  id: r.id as string,
  jobId: r.job_id as string,
  trajectory: r.trajectory as number,
  generation: r.generation as number,
  startState: new Uint8Array(r.start_state as Buffer),
  steps: r.steps as number,
  status: r.status as UnitStatus,
});

const assignmentFromRow = (r: Row): AssignmentRecord => ({
  id: r.id as string,
  unitId: r.unit_id as string,
  workerKey: r.worker_key as string,
  issuedAt: r.issued_at as number,
  deadline: r.deadline as number,
  status: r.status as AssignmentRecord["status"],
});

const resultFromRow = (r: Row): ResultRecord => ({
  unitId: r.unit_id as string,
  assignmentId: r.assignment_id as string,
  workerKey: r.worker_key as string,
  bestEnergy: r.best_energy as number,
  bestFold: r.best_fold as string,
  steps: r.steps as number,
  segmentsChecked: r.segments_checked as number,
  reward: BigInt(r.reward as string),
  acceptedAt: r.accepted_at as number,
});

const workerFromRow = (r: Row): WorkerRecord => ({
  key: r.key as string,
  keyId: r.key_id as string,
  firstSeen: r.first_seen as number,
  lastSeen: r.last_seen as number,
  accepted: r.accepted as number,
  rejected: r.rejected as number,
  strikes: r.strikes as number,
  banned: r.banned === 1,
  stepsVerified: r.steps_verified as number,
});

const accountFromRow = (r: Row): Account => ({
  key: r.key as string,
  balance: BigInt(r.balance as string),
  nonce: BigInt(r.nonce as string),
});

/** SQLite implementation of `Store`. */
export class SqliteStore implements Store {
  private readonly db: Database.Database;
  readonly escrows: EscrowStore;
  readonly stats: StatsStore;
  readonly limits: SqliteLimits;
  readonly access: SqliteAccess;
  readonly batches: SqliteBatches;
  readonly inputs: SqliteInputs;
  readonly folds: SqliteFolds;
  readonly webhooks: SqliteWebhooks;
  readonly shares: SqliteFairShare;

  /** Opens (creating if needed) the database at `file` (":memory:" for tests). */
  constructor(file: string) {
    this.db = new Database(file);
    this.db.pragma("journal_mode = WAL");
    this.db.pragma("synchronous = FULL");
    this.db.pragma("foreign_keys = ON");
    this.db.pragma("busy_timeout = 5000");
    this.db.exec(SCHEMA);
    this.prepare("INSERT OR IGNORE INTO meta (key, value) VALUES ('schema', '1')").run();
    this.stats = new StatsStore(this.db);
    this.escrows = new EscrowStore({
      db: this.db,
      account: (key) => this.account(key),
      setAccount: (key, balance, nonce) =>
        this.adjustAccount(key, balance - this.account(key).balance, nonce),
      appendPending: (entry) =>
        this.prepare("INSERT INTO ledger_pending (entry) VALUES (?)").run(Buffer.from(entry)),
    });
    this.batches = new SqliteBatches(this.db); // before limits, which count a batch as one job
    this.limits = new SqliteLimits(this.db);
    this.inputs = new SqliteInputs(this.db);
    this.folds = new SqliteFolds(this.db);
    this.webhooks = new SqliteWebhooks(this.db);
    this.access = new SqliteAccess(this.db);
    this.shares = new SqliteFairShare(this.db);
  }

  /** Prepared statements by SQL text: compiling one costs more than running it. */
  private readonly statements = new Map<string, Database.Statement>();

  private prepare(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (statement === undefined) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  createJob(job: JobRecord, units: readonly UnitRecord[]): void {
    const insertJob = this.prepare(
      `INSERT INTO jobs (id, name, sequence, lattice, steps, trajectories, generations, unit_steps,
        checkpoint_interval, replicas, target_energy, status, created_at)
       VALUES (@id, @name, @sequence, @lattice, @steps, @trajectories, @generations, @unitSteps,
        @checkpointInterval, @replicas, @targetEnergy, @status, @createdAt)`,
    );
    this.db.transaction(() => {
      insertJob.run(job);
      for (const unit of units) this.insertUnit(unit);
    })();
  }

  private insertUnit(unit: UnitRecord): void {
    this.prepare(
      `INSERT INTO units (id, job_id, trajectory, generation, start_state, steps, status)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      unit.id,
      unit.jobId,
      unit.trajectory,
      unit.generation,
      Buffer.from(unit.startState),
      unit.steps,
      unit.status,
    );
  }

  getJob(id: string): JobRecord | undefined {
    const row = this.prepare("SELECT * FROM jobs WHERE id = ?").get(id) as Row | undefined;
    return row === undefined ? undefined : jobFromRow(row);
  }

  listJobs(limit: number): JobRecord[] {
    return (
      this.prepare("SELECT * FROM jobs ORDER BY created_at DESC, id LIMIT ?").all(limit) as Row[]
    ).map(jobFromRow);
  }

  cancelJob(id: string, at: number): boolean {
    return this.db.transaction(() => {
      const changed = this.prepare(
        "UPDATE jobs SET status = 'cancelled', finished_at = ? WHERE id = ? AND status = 'running'",
      ).run(at, id).changes;
      if (changed === 0) return false;
      this.endOpenUnits(id);
      this.escrows.close(id);
      return true;
    })();
  }

  /** Cancels a job's queued and leased units and revokes their leases. */
  private endOpenUnits(jobId: string): void {
    this.prepare(
      `UPDATE assignments SET status = 'revoked' WHERE status = 'active'
         AND unit_id IN (SELECT id FROM units WHERE job_id = ? AND status = 'leased')`,
    ).run(jobId);
    this.prepare(
      "UPDATE units SET status = 'cancelled' WHERE job_id = ? AND status IN ('queued', 'leased')",
    ).run(jobId);
  }

  listUnits(jobId: string, page?: Page): (UnitRecord & { result: ResultRecord | null })[] {
    const rows = this.prepare(
      "SELECT * FROM units WHERE job_id = ? ORDER BY trajectory, generation LIMIT ? OFFSET ?",
    ).all(jobId, page?.limit ?? -1, page?.offset ?? 0) as Row[];
    const result = this.prepare("SELECT * FROM results WHERE unit_id = ?");
    return rows.map((r) => {
      const res = result.get(r.id) as Row | undefined;
      return { ...unitFromRow(r), result: res === undefined ? null : resultFromRow(res) };
    });
  }

  energyHistory(jobId: string, limit: number): { acceptedAt: number; bestEnergy: number }[] {
    const rows = this.prepare(
      `SELECT accepted_at AS acceptedAt, best_energy AS bestEnergy FROM (
         SELECT r.accepted_at, r.best_energy, MIN(r.best_energy) OVER (
           ORDER BY r.accepted_at ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS before
         FROM results r JOIN units u ON u.id = r.unit_id WHERE u.job_id = ?)
       WHERE before IS NULL OR best_energy < before ORDER BY accepted_at DESC LIMIT ?`,
    ).all(jobId, limit) as { acceptedAt: number; bestEnergy: number }[];
    return rows.reverse();
  }

  leaseUnits(
    workerKey: string,
    slots: number,
    at: number,
    leaseMs: (steps: number) => number,
  ): Lease[] {
    return this.db.transaction(() => {
      // Fair share picks the job of each unit; within a job the units_queue index gives the
      // order, so the cost does not grow with the queue.
      const queued = this.prepare(
        "SELECT * FROM units WHERE status = 'queued' AND job_id = ? ORDER BY generation, trajectory LIMIT 1 OFFSET ?",
      );
      const units = this.shares.plan(slots, (jobId, skip) => {
        const row = queued.get(jobId, skip) as Row | undefined;
        return row === undefined ? undefined : unitFromRow(row);
      });
      const jobCache = new Map<string, JobRecord>();
      const leases: Lease[] = [];
      const markLeased = this.prepare("UPDATE units SET status = 'leased' WHERE id = ?");
      const insert = this.prepare(
        "INSERT INTO assignments (id, unit_id, worker_key, issued_at, deadline, status) VALUES (?, ?, ?, ?, ?, 'active')",
      );
      for (const unit of units) {
        const assignment: AssignmentRecord = {
          id: randomBytes(16).toString("hex"),
          unitId: unit.id,
          workerKey,
          issuedAt: at,
          deadline: at + leaseMs(unit.steps),
          status: "active",
        };
        markLeased.run(unit.id);
        insert.run(assignment.id, unit.id, workerKey, assignment.issuedAt, assignment.deadline);
        leases.push({
          assignment,
          unit: { ...unit, status: "leased" },
          job: jobCache.get(unit.jobId) ?? this.cacheJob(jobCache, unit.jobId),
        });
      }
      return leases;
    })();
  }

  private cacheJob(cache: Map<string, JobRecord>, id: string): JobRecord {
    const job = this.getJob(id)!;
    cache.set(id, job);
    return job;
  }

  getLease(assignmentId: string): Lease | undefined {
    const row = this.prepare("SELECT * FROM assignments WHERE id = ?").get(assignmentId) as
      | Row
      | undefined;
    if (row === undefined) return undefined;
    const assignment = assignmentFromRow(row);
    const unit = unitFromRow(
      this.prepare("SELECT * FROM units WHERE id = ?").get(assignment.unitId) as Row,
    );
    return { assignment, unit, job: this.getJob(unit.jobId)! };
  }

  expireLeases(at: number): ExpiredLease[] {
    return this.db.transaction(() => {
      const expired = this.prepare(
        "SELECT id, unit_id, worker_key FROM assignments WHERE status = 'active' AND deadline <= ?",
      ).all(at) as { id: string; unit_id: string; worker_key: string }[];
      const revoke = this.prepare("UPDATE assignments SET status = 'revoked' WHERE id = ?");
      const requeue = this.prepare(
        "UPDATE units SET status = 'queued' WHERE id = ? AND status = 'leased'",
      );
      const requeued: ExpiredLease[] = [];
      for (const a of expired) {
        revoke.run(a.id);
        if (requeue.run(a.unit_id).changes > 0)
          requeued.push({ unitId: a.unit_id, workerKey: a.worker_key });
      }
      return requeued;
    })();
  }

  activeLeaseCount(workerKey: string): number {
    return (
      this.prepare(
        "SELECT COUNT(*) AS n FROM assignments WHERE worker_key = ? AND status = 'active'",
      ).get(workerKey) as {
        n: number;
      }
    ).n;
  }

  shortenLeases(assignmentIds: readonly string[], deadline: number): void {
    const shorten = this.prepare(
      "UPDATE assignments SET deadline = MIN(deadline, ?) WHERE id = ? AND status = 'active'",
    );
    this.db.transaction(() => {
      for (const id of assignmentIds) shorten.run(deadline, id);
    })();
  }

  bindCommit(assignmentId: string, merkleRoot: Uint8Array, segments: number): CommitBinding {
    this.prepare(
      "INSERT OR IGNORE INTO commits (assignment_id, merkle_root, segments) VALUES (?, ?, ?)",
    ).run(assignmentId, Buffer.from(merkleRoot), segments);
    const row = this.prepare(
      "SELECT merkle_root, segments FROM commits WHERE assignment_id = ?",
    ).get(assignmentId) as { merkle_root: Buffer; segments: number };
    return { merkleRoot: new Uint8Array(row.merkle_root), segments: row.segments };
  }

  extendLease(assignmentId: string, workerKey: string, deadline: number): boolean {
    return (
      this.prepare(
        "UPDATE assignments SET deadline = ? WHERE id = ? AND worker_key = ? AND status = 'active' AND deadline < ?",
      ).run(deadline, assignmentId, workerKey, deadline).changes > 0
    );
  }

  acceptResult(
    result: AcceptedResult,
    plan: (ctx: AcceptanceContext) => AcceptancePlan,
  ): AcceptOutcome {
    return this.db.transaction((): AcceptOutcome => {
      const previous = this.prepare("SELECT reward FROM results WHERE assignment_id = ?").get(
        result.assignmentId,
      ) as { reward: string } | undefined;
      if (previous !== undefined) return { kind: "duplicate", reward: BigInt(previous.reward) };
      const lease = this.getLease(result.assignmentId);
      if (
        lease === undefined ||
        lease.unit.status === "done" ||
        lease.unit.status === "cancelled" ||
        lease.job.status !== "running"
      ) {
        return { kind: "stale" };
      }
      const { unit, job, assignment } = lease;
      const workBefore = BigInt(
        (this.prepare("SELECT work FROM ledger_work WHERE id = 1").get() as { work: string }).work,
      );
      const decision = plan({ job, unit, assignment, workBefore });
      const { credit } = decision;
      this.prepare("INSERT INTO ledger_pending (entry) VALUES (?)").run(Buffer.from(credit.entry));
      this.prepare("UPDATE ledger_work SET work = ? WHERE id = 1").run(
        (workBefore + credit.work).toString(),
      );
      this.adjustAccount(result.workerKey, credit.reward, undefined);
      this.prepare(
        `INSERT INTO results (unit_id, assignment_id, worker_key, best_energy, best_fold, steps, final_state,
            final_state_hash, merkle_root, segments_checked, reward, accepted_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(
        unit.id,
        result.assignmentId,
        result.workerKey,
        result.bestEnergy,
        result.bestFold,
        result.steps,
        Buffer.from(result.finalState),
        Buffer.from(result.finalStateHash),
        Buffer.from(result.merkleRoot),
        result.segments.length,
        credit.reward.toString(),
        result.at,
      );
      this.prepare("UPDATE units SET status = 'done' WHERE id = ?").run(unit.id);
      this.prepare(
        "UPDATE assignments SET status = 'revoked' WHERE unit_id = ? AND status = 'active' AND id <> ?",
      ).run(unit.id, result.assignmentId);
      // completes this lease even if it had been revoked: the first valid result wins
      this.prepare("UPDATE assignments SET status = 'completed' WHERE id = ?").run(
        result.assignmentId,
      );
      const improves = job.bestEnergy === null || result.bestEnergy < job.bestEnergy;
      this.prepare(
        `UPDATE jobs SET steps_done = steps_done + ?, units_done = units_done + 1,
            best_energy = CASE WHEN ? THEN ? ELSE best_energy END,
            best_fold = CASE WHEN ? THEN ? ELSE best_fold END,
            best_unit = CASE WHEN ? THEN ? ELSE best_unit END WHERE id = ?`,
      ).run(
        result.steps,
        +improves,
        result.bestEnergy,
        +improves,
        result.bestFold,
        +improves,
        unit.id,
        job.id,
      );
      this.prepare(
        "UPDATE workers SET accepted = accepted + 1, steps_verified = steps_verified + ?, last_seen = MAX(last_seen, ?) WHERE key = ?",
      ).run(result.steps, result.at, result.workerKey);
      this.escrows.payUnit(job.id, unit.id, improvementOf(job.bestEnergy, result.bestEnergy));
      if (decision.nextUnit !== null) this.insertUnit(decision.nextUnit);
      let jobFinished = decision.finishJob;
      if (!jobFinished && decision.nextUnit === null) {
        const open = this.db
          .prepare(
            "SELECT COUNT(*) AS n FROM units WHERE job_id = ? AND status IN ('queued', 'leased')",
          )
          .get(job.id) as { n: number };
        jobFinished = open.n === 0;
      }
      if (jobFinished) {
        this.endOpenUnits(job.id);
        this.escrows.close(job.id);
        this.db
          .prepare("UPDATE jobs SET status = 'done', finished_at = ? WHERE id = ?")
          .run(result.at, job.id);
      }
      return { kind: "accepted", jobFinished, reward: credit.reward };
    })();
  }

  getResultByAssignment(assignmentId: string): ResultRecord | undefined {
    const row = this.prepare("SELECT * FROM results WHERE assignment_id = ?").get(assignmentId) as
      | Row
      | undefined;
    return row === undefined ? undefined : resultFromRow(row);
  }

  touchWorker(key: string, keyId: string, at: number): WorkerRecord {
    this.prepare(
      `INSERT INTO workers (key, key_id, first_seen, last_seen) VALUES (?, ?, ?, ?)
         ON CONFLICT (key) DO UPDATE SET last_seen = MAX(last_seen, excluded.last_seen)`,
    ).run(key, keyId, at, at);
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

  account(key: string): Account {
    const row = this.prepare("SELECT * FROM accounts WHERE key = ?").get(key) as Row | undefined;
    return row === undefined ? { key, balance: 0n, nonce: 0n } : accountFromRow(row);
  }

  accounts(limit: number): Account[] {
    // balances are non-negative decimal text without leading zeros: longer is larger
    const rows = this.prepare(
      "SELECT * FROM accounts ORDER BY length(balance) DESC, balance DESC, key LIMIT ?",
    ).all(limit) as Row[];
    return rows.map(accountFromRow);
  }

  /** Adds `delta` to a key's balance and, when given, sets its nonce. */
  private adjustAccount(key: string, delta: bigint, nonce: bigint | undefined): void {
    const current = this.account(key);
    this.prepare(
      "INSERT INTO accounts (key, balance, nonce) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET balance = excluded.balance, nonce = excluded.nonce",
    ).run(key, (current.balance + delta).toString(), (nonce ?? current.nonce).toString());
  }

  appendTransfer<P>(
    entry: Uint8Array,
    transfer: { from: string; to: string; amount: bigint; nonce: bigint },
    check: (sender: Account) => P | undefined,
  ): P | undefined {
    return this.db.transaction(() => {
      const problem = check(this.account(transfer.from));
      if (problem !== undefined) return problem;
      this.prepare("INSERT INTO ledger_pending (entry) VALUES (?)").run(Buffer.from(entry));
      this.adjustAccount(transfer.from, -transfer.amount, transfer.nonce);
      this.adjustAccount(transfer.to, transfer.amount, undefined);
      return undefined;
    })();
  }

  pendingEntries(): number {
    return (this.prepare("SELECT COUNT(*) AS n FROM ledger_pending").get() as { n: number }).n;
  }

  head(): ChainHead | undefined {
    const row = this.prepare(
      "SELECT height, hash FROM ledger_blocks ORDER BY height DESC LIMIT 1",
    ).get() as Row | undefined;
    return row === undefined
      ? undefined
      : { height: row.height as number, hash: new Uint8Array(row.hash as Buffer) };
  }

  sealPending(
    max: number,
    seal: (entries: Uint8Array[], prev: ChainHead | undefined) => StoredBlock,
  ): StoredBlock | undefined {
    return this.db.transaction(() => {
      const rows = this.prepare("SELECT seq, entry FROM ledger_pending ORDER BY seq LIMIT ?").all(
        max,
      ) as { seq: number; entry: Buffer }[];
      if (rows.length === 0) return undefined;
      const block = seal(
        rows.map((r) => new Uint8Array(r.entry)),
        this.head(),
      );
      this.prepare(
        "INSERT INTO ledger_blocks (height, hash, header, signature, timestamp, entry_count) VALUES (?, ?, ?, ?, ?, ?)",
      ).run(
        block.height,
        Buffer.from(block.hash),
        Buffer.from(block.headerBytes),
        Buffer.from(block.signature),
        block.timestamp,
        block.entries.length,
      );
      const insert = this.prepare(
        "INSERT INTO ledger_entries (height, idx, entry) VALUES (?, ?, ?)",
      );
      block.entries.forEach((e, i) => {
        insert.run(block.height, i, Buffer.from(e));
      });
      this.prepare("DELETE FROM ledger_pending WHERE seq <= ?").run(rows[rows.length - 1]!.seq);
      return block;
    })();
  }

  listBlocks(fromHeight: number, limit: number): StoredBlock[] {
    const rows = this.prepare(
      "SELECT * FROM ledger_blocks WHERE height >= ? ORDER BY height LIMIT ?",
    ).all(fromHeight, limit) as Row[];
    const entries = this.prepare("SELECT entry FROM ledger_entries WHERE height = ? ORDER BY idx");
    return rows.map((r) => ({
      height: r.height as number,
      hash: new Uint8Array(r.hash as Buffer),
      headerBytes: new Uint8Array(r.header as Buffer),
      signature: new Uint8Array(r.signature as Buffer),
      timestamp: r.timestamp as number,
      entries: (entries.all(r.height) as { entry: Buffer }[]).map((e) => new Uint8Array(e.entry)),
    }));
  }

  close(): void {
    this.db.close();
  }
}
