/**
 * The PostgreSQL store: `Store` (store.ts) on a `pg.Pool`, for
 * several coordinators sharing one network. `openPgStore` connects, applies the versioned
 * migrations (pg-schema.ts) and starts listening for queued units; this module wires the
 * concern modules: jobs and units (pg-jobs.ts), leases (pg-leases.ts), acceptance
 * (pg-accept.ts), workers (pg-workers.ts), the ledger (pg-ledger.ts), escrows, stats, limits,
 * access, fair share, batches, inputs, folds and webhooks. docs/coordinator.md describes it.
 * @module
 */
import type {
  AcceptanceContext,
  AcceptancePlan,
  AcceptedResult,
  AcceptedState,
  AcceptOutcome,
  Account,
  ChainHead,
  CommitBinding,
  ExpiredLease,
  JobRecord,
  Lease,
  NewJob,
  Page,
  ResultRecord,
  Store,
  StoreCounts,
  StoredBlock,
  UnitRecord,
  WorkerRecord,
} from "../store.js";
import { migrate } from "./migrate.js";
import { PgAcceptance } from "./pg-accept.js";
import { PgAccess } from "./pg-access.js";
import { PgDatabase } from "./pg-database.js";
import { PgEscrows } from "./pg-escrows.js";
import { PgFairShare } from "./pg-fair-share.js";
import { acceptedStatesIn, PgJobs } from "./pg-jobs.js";
import { PgLeases } from "./pg-leases.js";
import { PgLedger } from "./pg-ledger.js";
import { PgLimits } from "./pg-limits.js";
import { QueuedListener } from "./pg-listen.js";
import { insertJobIn } from "./pg-new-job.js";
import { PgBatches, PgFolds, PgInputs, PgWebhooks } from "./pg-research.js";
import { MIGRATIONS } from "./pg-schema.js";
import { PgStats } from "./pg-stats.js";
import { PgWorkers } from "./pg-workers.js";
import { serverName, storeError } from "./store-errors.js";

/** How to open a PostgreSQL store. */
export interface PgStoreOptions {
  /** Connections of the pool (default 10). */
  readonly maxConnections?: number;
  /** Hears errors of idle pool connections (a server restart); they are otherwise ignored. */
  readonly onPoolError?: (err: Error) => void;
  /** How often the LISTEN connection is retried once lost (default 1 s). */
  readonly listenRetryMs?: number;
}

/**
 * Connects to `connectionString` (`postgres://…`), migrates the schema and listens.
 * @throws {StoreError} STORE_ERROR_UNAVAILABLE when the database cannot be reached.
 * @throws {MigrationError} when the database's schema is newer than this build's.
 */
export async function openPgStore(
  connectionString: string,
  opts: PgStoreOptions = {},
): Promise<PgStore> {
  const server = serverName(connectionString);
  const db = new PgDatabase(
    connectionString,
    server,
    opts.maxConnections ?? 10,
    opts.onPoolError ?? (() => undefined),
  );
  const listener = new QueuedListener(connectionString, opts.listenRetryMs ?? 1_000);
  try {
    await migrate(db.pool, MIGRATIONS);
    await listener.start();
  } catch (err) {
    await listener.close();
    await db.end().catch(() => undefined);
    throw storeError(err, server);
  }
  return new PgStore(db, listener);
}

/** `Store` on PostgreSQL, shared by every coordinator of one network. */
export class PgStore implements Store {
  readonly escrows: PgEscrows;
  readonly stats: PgStats;
  readonly limits: PgLimits;
  readonly access: PgAccess;
  readonly shares: PgFairShare;
  readonly batches: PgBatches;
  readonly inputs: PgInputs;
  readonly folds: PgFolds;
  readonly webhooks: PgWebhooks;
  private readonly jobs: PgJobs;
  private readonly leases: PgLeases;
  private readonly acceptance: PgAcceptance;
  private readonly workers: PgWorkers;
  private readonly ledger: PgLedger;

  constructor(
    private readonly db: PgDatabase,
    private readonly listener: QueuedListener,
  ) {
    this.escrows = new PgEscrows(db);
    this.stats = new PgStats(db);
    this.limits = new PgLimits(db);
    this.access = new PgAccess(db);
    this.shares = new PgFairShare(db);
    this.batches = new PgBatches(db);
    this.inputs = new PgInputs(db);
    this.folds = new PgFolds(db);
    this.webhooks = new PgWebhooks(db);
    this.jobs = new PgJobs(db, this.escrows);
    this.leases = new PgLeases(db, this.shares);
    this.acceptance = new PgAcceptance(db, this.escrows);
    this.workers = new PgWorkers(db);
    this.ledger = new PgLedger(db);
  }

  async ping(): Promise<void> {
    await this.db.read((sql) => sql.run("SELECT 1"));
  }

  onUnitsQueued(listener: () => void): () => void {
    return this.listener.subscribe(listener);
  }

  createJob(job: NewJob): Promise<void> {
    return this.db.tx((sql) => insertJobIn(sql, job));
  }

  acceptedStates(
    jobId: string,
    fromGeneration: number,
    toGeneration: number,
  ): Promise<AcceptedState[]> {
    return this.db.read((sql) => acceptedStatesIn(sql, jobId, fromGeneration, toGeneration));
  }

  getJob(id: string): Promise<JobRecord | undefined> {
    return this.jobs.getJob(id);
  }

  listJobs(limit: number): Promise<JobRecord[]> {
    return this.jobs.listJobs(limit);
  }

  cancelJob(id: string, at: number): Promise<boolean> {
    return this.jobs.cancelJob(id, at);
  }

  listUnits(jobId: string, page?: Page): Promise<(UnitRecord & { result: ResultRecord | null })[]> {
    return this.jobs.listUnits(jobId, page);
  }

  energyHistory(
    jobId: string,
    limit: number,
  ): Promise<{ acceptedAt: number; bestEnergy: number }[]> {
    return this.jobs.energyHistory(jobId, limit);
  }

  getResultByAssignment(assignmentId: string): Promise<ResultRecord | undefined> {
    return this.jobs.getResultByAssignment(assignmentId);
  }

  leaseUnits(
    workerKey: string,
    slots: number,
    at: number,
    leaseMs: (steps: number) => number,
  ): Promise<Lease[]> {
    return this.leases.leaseUnits(workerKey, slots, at, leaseMs);
  }

  getLease(assignmentId: string): Promise<Lease | undefined> {
    return this.leases.getLease(assignmentId);
  }

  expireLeases(at: number): Promise<ExpiredLease[]> {
    return this.leases.expireLeases(at);
  }

  shortenLeases(assignmentIds: readonly string[], deadline: number): Promise<void> {
    return this.leases.shortenLeases(assignmentIds, deadline);
  }

  extendLease(assignmentId: string, workerKey: string, deadline: number): Promise<boolean> {
    return this.leases.extendLease(assignmentId, workerKey, deadline);
  }

  activeLeaseCount(workerKey: string): Promise<number> {
    return this.leases.activeLeaseCount(workerKey);
  }

  bindCommit(
    assignmentId: string,
    merkleRoot: Uint8Array,
    segments: number,
  ): Promise<CommitBinding> {
    return this.leases.bindCommit(assignmentId, merkleRoot, segments);
  }

  acceptResult(
    result: AcceptedResult,
    plan: (ctx: AcceptanceContext) => AcceptancePlan,
  ): Promise<AcceptOutcome> {
    return this.acceptance.acceptResult(result, plan);
  }

  touchWorker(key: string, keyId: string, at: number, name?: string): Promise<WorkerRecord> {
    return this.workers.touchWorker(key, keyId, at, name);
  }

  getWorker(key: string): Promise<WorkerRecord | undefined> {
    return this.workers.getWorker(key);
  }

  listWorkers(limit: number): Promise<WorkerRecord[]> {
    return this.workers.listWorkers(limit);
  }

  recordRejection(key: string, strike: boolean, banAfter: number): Promise<WorkerRecord> {
    return this.workers.recordRejection(key, strike, banAfter);
  }

  counts(): Promise<StoreCounts> {
    return this.workers.counts();
  }

  account(key: string): Promise<Account> {
    return this.ledger.account(key);
  }

  accounts(limit: number): Promise<Account[]> {
    return this.ledger.accounts(limit);
  }

  appendTransfer<P>(
    entry: Uint8Array,
    transfer: { from: string; to: string; amount: bigint; nonce: bigint },
    check: (sender: Account) => P | undefined,
  ): Promise<P | undefined> {
    return this.ledger.appendTransfer(entry, transfer, check);
  }

  pendingEntries(): Promise<number> {
    return this.ledger.pendingEntries();
  }

  sealPending(
    max: number,
    seal: (entries: Uint8Array[], prev: ChainHead | undefined) => StoredBlock,
  ): Promise<StoredBlock | undefined> {
    return this.ledger.sealPending(max, seal);
  }

  listBlocks(fromHeight: number, limit: number): Promise<StoredBlock[]> {
    return this.ledger.listBlocks(fromHeight, limit);
  }

  head(): Promise<ChainHead | undefined> {
    return this.ledger.head();
  }

  private closing: Promise<void> | undefined;

  /** Stops listening and ends the pool's connections (once, however often it is called). */
  close(): Promise<void> {
    this.closing ??= this.listener.close().then(() => this.db.end());
    return this.closing;
  }
}
