/**
 * The coordinator's asynchronous storage interface and the records it holds: jobs, units,
 * leases, results and workers, with the research side's stores (research-store.ts, re-exported
 * here). Implemented by SQLite (sqlite-store.ts through settled-store.ts, one coordinator) and
 * PostgreSQL (pg/pg-store.ts, several coordinators sharing one network). Every method that
 * changes more than one row does it in one transaction.
 * @module
 */
import type { EscrowEntry, EscrowKindEntry } from "../../ledger/escrow-entries.js";
import type { EscrowAccount, Problem } from "../../ledger/escrow-rules.js";
import type { LatticeName } from "../../sim/lattice.js";
import type { ModelName } from "../../sim/model.js";

export type * from "./job-records.js";
export type * from "./ledger-records.js";
export type * from "./research-store.js";

import type { AcceptedState, NewJob } from "./job-records.js";
import type { Account, ChainHead, LedgerCredit, StoredBlock } from "./ledger-records.js";
import type {
  AccessStore,
  BatchStore,
  FairShareStore,
  FoldStore,
  JobInputStore,
  WebhookStore,
} from "./research-store.js";

/** Lifecycle of a job. */
export type JobStatus = "running" | "done" | "cancelled";
/** Lifecycle of a work unit. */
export type UnitStatus = "queued" | "leased" | "done" | "cancelled";

/** A window of a list. */
export interface Page {
  readonly offset: number;
  readonly limit: number;
}

/** A job as stored. */
export interface JobRecord {
  readonly id: string;
  readonly name: string;
  readonly sequence: string;
  readonly lattice: LatticeName;
  /** The energy model (`hp` for jobs stored before models). */
  readonly model: ModelName;
  /** Whether next units may start from other trajectories' states (coordinator/cooperation.ts). */
  readonly cooperate: boolean;
  /** The step budget as asked. */
  readonly steps: number;
  readonly trajectories: number;
  readonly generations: number;
  readonly unitSteps: number;
  readonly checkpointInterval: number;
  readonly replicas: number;
  readonly targetEnergy: number | null;
  readonly status: JobStatus;
  readonly bestEnergy: number | null;
  readonly bestFold: string | null;
  readonly bestUnit: string | null;
  /** Verified steps of accepted units. */
  readonly stepsDone: number;
  readonly unitsDone: number;
  readonly createdAt: number;
  readonly finishedAt: number | null;
}

/** A work unit: generation g of trajectory t of a job. */
export interface UnitRecord {
  readonly id: string;
  readonly jobId: string;
  readonly trajectory: number;
  readonly generation: number;
  /** Canonical sim state the unit starts from. */
  readonly startState: Uint8Array;
  readonly steps: number;
  readonly status: UnitStatus;
  /**
   * The unit whose verified final state this one starts from (its own trajectory's previous
   * unit, or another trajectory's under cooperation); null at generation 0 and for units
   * stored before it was recorded.
   */
  readonly source: string | null;
}

/** A lease of a unit to a worker. */
export interface AssignmentRecord {
  /** 16 random bytes, hex. */
  readonly id: string;
  readonly unitId: string;
  /** Worker public key, hex. */
  readonly workerKey: string;
  readonly issuedAt: number;
  /** When the lease ends; for a `failed` one, when its unit may be leased to this key again. */
  readonly deadline: number;
  /** `failed`: the worker reported it could not run the unit (`unitFailed`). */
  readonly status: "active" | "revoked" | "completed" | "failed";
}

/** An assignment with its unit and job, as a lease hands it out. */
export interface Lease {
  readonly assignment: AssignmentRecord;
  readonly unit: UnitRecord;
  readonly job: JobRecord;
}

/** A verified result to record. */
export interface AcceptedResult {
  readonly assignmentId: string;
  readonly workerKey: string;
  readonly bestEnergy: number;
  readonly bestFold: string;
  readonly steps: number;
  readonly finalState: Uint8Array;
  readonly finalStateHash: Uint8Array;
  readonly merkleRoot: Uint8Array;
  /** The challenged segments that were opened and replayed. */
  readonly segments: readonly number[];
  readonly at: number;
}

/** What accepting a result decided for the job (computed by `planAcceptance`). */
export interface AcceptancePlan {
  /** The next generation of the trajectory, if it goes on. */
  readonly nextUnit: UnitRecord | null;
  /** True when the job ends with this result (budget spent or target reached). */
  readonly finishJob: boolean;
  /** The ledger entry of this result. */
  readonly credit: LedgerCredit;
}

/** What the plan of an acceptance sees inside the store's transaction. */
export interface AcceptanceContext {
  readonly job: JobRecord;
  readonly unit: UnitRecord;
  readonly assignment: AssignmentRecord;
  /** Work recorded in the ledger (sealed and pending) before this result. */
  readonly workBefore: bigint;
  /**
   * For a cooperating job, the job's accepted states of the unit's generation and the one
   * before (coordinator/cooperation.ts); empty otherwise.
   */
  readonly peers: readonly AcceptedState[];
}

/** Outcome of `Store.acceptResult`. */
export type AcceptOutcome =
  | { readonly kind: "accepted"; readonly jobFinished: boolean; readonly reward: bigint }
  | { readonly kind: "duplicate"; readonly reward: bigint }
  | { readonly kind: "stale" };

/** A result as stored. */
export interface ResultRecord {
  readonly unitId: string;
  readonly assignmentId: string;
  readonly workerKey: string;
  readonly bestEnergy: number;
  readonly bestFold: string;
  readonly steps: number;
  readonly segmentsChecked: number;
  readonly reward: bigint;
  readonly acceptedAt: number;
}

/** What the coordinator knows of a worker key. */
export interface WorkerRecord {
  readonly key: string;
  readonly keyId: string;
  /** The sanitised name of its last hello ("" for none). */
  readonly name: string;
  readonly firstSeen: number;
  readonly lastSeen: number;
  readonly accepted: number;
  readonly rejected: number;
  readonly strikes: number;
  readonly banned: boolean;
  readonly stepsVerified: number;
}

/** The root an assignment was first committed to, and the m of its challenge. */
export interface CommitBinding {
  readonly merkleRoot: Uint8Array;
  readonly segments: number;
}

/** The running jobs of an account (a batch's count as one) and their trajectories. */
export interface OwnerLoad {
  readonly jobs: number;
  readonly trajectories: number;
  /** Steps in flight at most: a unit of each trajectory. */
  readonly steps: number;
}

/** What bounds a key's or an account's take (store/sqlite-limits.ts). */
export interface LimitStore {
  /** The key's lease quota, if one was ever set. */
  leaseQuota(workerKey: string): Promise<number | undefined>;
  setLeaseQuota(workerKey: string, quota: number): Promise<void>;
  /** Records the account a job was submitted by. */
  ownJob(jobId: string, owner: string): Promise<void>;
  ownerLoad(owner: string): Promise<OwnerLoad>;
  /** Revokes an active lease of `workerKey` and queues its unit again; true if it was requeued. */
  revokeLease(assignmentId: string, workerKey: string): Promise<boolean>;
  /**
   * Ends an active lease of `workerKey` as failed (the worker cannot run its unit) and queues
   * the unit again; the unit is not leased to this key again before `retryAt`. True if requeued.
   */
  failLease(assignmentId: string, workerKey: string, retryAt: number): Promise<boolean>;
}

/** A lease the sweep ended. */
export interface ExpiredLease {
  readonly unitId: string;
  readonly workerKey: string;
}

/** Counts for the status endpoint and metrics. */
export interface StoreCounts {
  readonly jobs: Record<JobStatus, number>;
  readonly units: Record<UnitStatus, number>;
  readonly results: number;
  readonly workers: number;
}

/** The contract layer's storage: job escrows, bounties and refunds (escrow-store.ts). */
export interface EscrowLedger {
  /** The escrow of a job, if it has one. */
  escrow(jobId: string): Promise<EscrowAccount | undefined>;
  /** Funds a running job whose budget is the escrow's; the refusal or problem instead. */
  fund(entry: EscrowEntry, network: Uint8Array): Promise<Problem<string> | undefined>;
  /** The gate of every escrow-kind entry: appends it if the ledger's rules allow it. */
  append(
    entry: EscrowKindEntry,
    network: Uint8Array,
    improvement?: number,
  ): Promise<Problem | undefined>;
}

/** A worker key's standing (coordinator/store/stats-store.ts). */
export interface KeyStats {
  readonly key: string;
  readonly keyId: string;
  /** The team its last hello declared, null for none. */
  readonly team: string | null;
  /** Micro-tokens earned: work rewards plus bounties. */
  readonly tokens: bigint;
  readonly results: number;
  readonly stepsVerified: number;
  /** Jobs whose best fold is one this key found. */
  readonly jobBests: number;
  /** The lowest energy of its results (any sequence), null before its first. */
  readonly bestEnergy: number | null;
}

/** A team's standing: its members' totals. */
export interface TeamStats {
  readonly team: string;
  readonly members: number;
  readonly tokens: bigint;
  readonly results: number;
  readonly stepsVerified: number;
  readonly jobBests: number;
}

/** Teams and standings. */
export interface StatsLedger {
  /** Records the team a key declared in its signed hello ("" leaves its team). */
  setTeam(key: string, team: string, at: number): Promise<void>;
  /** Every known key's standing, best first. */
  keyStats(): Promise<KeyStats[]>;
  /** Every team's standing, best first. */
  teamStats(): Promise<TeamStats[]>;
}

/** The coordinator's storage. */
export interface Store {
  /** Teams and standings. */
  readonly stats: StatsLedger;
  /** Escrows: a unit of an escrowed job is paid its bounty on acceptance, the rest refunded when the job ends. */
  readonly escrows: EscrowLedger;
  /** Quotas and ownership (abuse limits). */
  readonly limits: LimitStore;
  /** Accounts and roles of API keys, private jobs, admin bans, the audit log. */
  readonly access: AccessStore;
  /** Weights, priorities and passes of fair share: which units a lease picks. */
  readonly shares: FairShareStore;
  /** Jobs submitted together. */
  readonly batches: BatchStore;
  /** What jobs given as amino acids were made from. */
  readonly inputs: JobInputStore;
  /** Jobs' best distinct folds. */
  readonly folds: FoldStore;
  /** Notifications of ended jobs. */
  readonly webhooks: WebhookStore;
  /** Inserts a job with its generation-0 units and what was asked with it, in one transaction. */
  createJob(job: NewJob): Promise<void>;
  getJob(id: string): Promise<JobRecord | undefined>;
  listJobs(limit: number): Promise<JobRecord[]>;
  /** Cancels a running job: queued and leased units are cancelled. False if not running. */
  cancelJob(id: string, at: number): Promise<boolean>;
  /** A job's units with their results, by trajectory and generation; a page of them when given. */
  listUnits(jobId: string, page?: Page): Promise<(UnitRecord & { result: ResultRecord | null })[]>;
  /**
   * The accepted results of a job that improved on every earlier one (acceptance order), the
   * most recent `limit` of them: a job's best-energy history without reading its units.
   */
  energyHistory(
    jobId: string,
    limit: number,
  ): Promise<{ acceptedAt: number; bestEnergy: number }[]>;
  /**
   * A job's accepted units' final states of generations `fromGeneration`…`toGeneration`, with
   * their acceptance order (what cooperation chooses from, and what an audit recomputes).
   */
  acceptedStates(
    jobId: string,
    fromGeneration: number,
    toGeneration: number,
  ): Promise<AcceptedState[]>;
  /** Leases up to `slots` queued units to a worker, by fair share among accounts and jobs. */
  leaseUnits(
    workerKey: string,
    slots: number,
    at: number,
    leaseMs: (steps: number) => number,
  ): Promise<Lease[]>;
  /** The assignment with its unit and job. */
  getLease(assignmentId: string): Promise<Lease | undefined>;
  /** Puts units whose lease passed its deadline back in the queue; returns those leases. */
  expireLeases(at: number): Promise<ExpiredLease[]>;
  /** Shortens these assignments, where still active, to end by `deadline` (their session closed). */
  shortenLeases(assignmentIds: readonly string[], deadline: number): Promise<void>;
  /**
   * Moves the deadline of the worker's active lease `assignmentId` to `deadline` if that is
   * later; false when the lease is not the worker's, not active, or already ends later.
   */
  extendLease(assignmentId: string, workerKey: string, deadline: number): Promise<boolean>;
  /** Leases of the worker still active (running, or committed and awaiting their verdict). */
  activeLeaseCount(workerKey: string): Promise<number>;
  /**
   * Records a verified result, its unit's end and its job's progress, in one transaction.
   * `plan` decides what follows from the job and unit as they are inside the transaction.
   */
  acceptResult(
    result: AcceptedResult,
    plan: (ctx: AcceptanceContext) => AcceptancePlan,
  ): Promise<AcceptOutcome>;
  /**
   * Binds an assignment to the first Merkle root committed for it and the number m of random
   * segments its challenge opens; returns the binding as stored (the first one wins, also
   * across restarts).
   */
  bindCommit(
    assignmentId: string,
    merkleRoot: Uint8Array,
    segments: number,
  ): Promise<CommitBinding>;
  /** The accepted result of an assignment, if any. */
  getResultByAssignment(assignmentId: string): Promise<ResultRecord | undefined>;
  /** Marks a worker as seen (creating it) under the name of its hello; returns its record. */
  touchWorker(key: string, keyId: string, at: number, name?: string): Promise<WorkerRecord>;
  getWorker(key: string): Promise<WorkerRecord | undefined>;
  listWorkers(limit: number): Promise<WorkerRecord[]>;
  /** Counts a rejected result; a strike when `strike`; bans the key at `banAfter` strikes. */
  recordRejection(key: string, strike: boolean, banAfter: number): Promise<WorkerRecord>;
  counts(): Promise<StoreCounts>;
  /** A key's account (zero if unknown). */
  account(key: string): Promise<Account>;
  /** Accounts, richest first. */
  accounts(limit: number): Promise<Account[]>;
  /**
   * Appends a transfer entry moving `amount` from `from` to `to` with `nonce`, if `check` of
   * the sender's account inside the transaction finds no problem (returned instead).
   */
  appendTransfer<P>(
    entry: Uint8Array,
    transfer: { from: string; to: string; amount: bigint; nonce: bigint },
    check: (sender: Account) => P | undefined,
  ): Promise<P | undefined>;
  /** Entries waiting for a block. */
  pendingEntries(): Promise<number>;
  /** Seals up to `max` pending entries into the next block built by `seal`; none if nothing is pending. */
  sealPending(
    max: number,
    seal: (entries: Uint8Array[], prev: ChainHead | undefined) => StoredBlock,
  ): Promise<StoredBlock | undefined>;
  /** Blocks from `fromHeight` on, oldest first. */
  listBlocks(fromHeight: number, limit: number): Promise<StoredBlock[]>;
  head(): Promise<ChainHead | undefined>;
  /** Resolves when the database answers; rejects (STORE_ERROR_UNAVAILABLE) when it does not. */
  ping(): Promise<void>;
  /**
   * Calls `listener` when units become queued by any coordinator sharing the database (a
   * shared backend's notification; the embedded one has no other writer and never calls it).
   * Returns the unsubscribe.
   */
  onUnitsQueued(listener: () => void): () => void;
  close(): Promise<void>;
}
