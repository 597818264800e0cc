/**
 * The storage interfaces of the research side of the coordinator, apart from scheduling:
 * accounts, roles and the audit log (sqlite-access.ts), fair share (sqlite-fair-share.ts),
 * batches (sqlite-batches.ts), amino-acid inputs (sqlite-inputs.ts), best folds
 * (sqlite-folds.ts) and webhooks (sqlite-webhooks.ts). `Store` (store.ts) holds one of each.
 * @module
 */
import type { JobInput } from "../job-spec.js";
import type { NewJob } from "./store.js";

/** What an API key may do: submit and manage its own jobs, or everything (admin). */
export type Role = "researcher" | "admin";

/** A researcher API key as stored (never the key itself). */
export interface ApiKeyRecord {
  /** sha256 of the key, hex. */
  readonly hash: string;
  /** The first 16 hex characters of the hash: how `admin keys revoke` names a key. */
  readonly id: string;
  /** The account the key belongs to (owner of the jobs it submits). */
  readonly account: string;
  readonly role: Role;
  readonly createdAt: number;
  readonly revokedAt: number | null;
}

/** One admin action. */
export interface AuditRecord {
  readonly seq: number;
  readonly at: number;
  /** The account that acted. */
  readonly actor: string;
  /** e.g. `keys.add`, `keys.revoke`, `workers.ban`, `jobs.cancel`. */
  readonly action: string;
  readonly target: string;
}

/** Accounts, roles, private jobs, admin bans and the audit log (store/sqlite-access.ts). */
export interface AccessStore {
  /** Stores a key's hash with its account and role (the first store of a hash wins). */
  addKey(hash: string, account: string, role: Role, at: number): Promise<void>;
  key(hash: string): Promise<ApiKeyRecord | undefined>;
  keys(): Promise<ApiKeyRecord[]>;
  /** Revokes the one key whose hash starts with `id`; undefined when none or several match. */
  revokeKey(id: string, at: number): Promise<ApiKeyRecord | undefined>;
  setPrivate(jobId: string): Promise<void>;
  isPrivate(jobId: string): Promise<boolean>;
  /** The account that submitted a job (undefined for jobs from before ownership). */
  jobOwner(jobId: string): Promise<string | undefined>;
  /** Bans or lets back a known worker key (unban also clears its strikes); false if unknown. */
  setBanned(workerKey: string, banned: boolean): Promise<boolean>;
  audit(at: number, actor: string, action: string, target: string): Promise<void>;
  /** The audit log, oldest first. */
  auditLog(offset: number, limit: number): Promise<AuditRecord[]>;
}

/** Fair share (coordinator/fair-share.ts): accounts' weights, jobs' priorities, their passes. */
export interface FairShareStore {
  /** Sets an account's weight (> 0; 1 when never set). */
  setWeight(account: string, weight: number): Promise<void>;
  /** The weights set, by account. */
  weights(): Promise<{ account: string; weight: number }[]>;
  /** Sets a job's priority (> 0; 1 when never set). */
  setPriority(jobId: string, priority: number): Promise<void>;
}

/** A batch of jobs submitted in one request. */
export interface BatchRecord {
  readonly id: string;
  /** The account that submitted it. */
  readonly owner: string;
  /** Its jobs (lines of the request). */
  readonly size: number;
  readonly createdAt: number;
}

/** Batches (store/sqlite-batches.ts). */
export interface BatchStore {
  /** Records `batch` and creates its jobs (lines 1…size in order), all in one transaction. */
  create(batch: BatchRecord, jobs: readonly NewJob[]): Promise<void>;
  batch(id: string): Promise<BatchRecord | undefined>;
  /** The batch's job ids in line order. */
  jobIds(id: string): Promise<string[]>;
}

/** The amino acids a job was mapped from (store/sqlite-inputs.ts). */
export interface JobInputStore {
  setInput(jobId: string, input: JobInput): Promise<void>;
  input(jobId: string): Promise<JobInput | undefined>;
}

/** One of a job's best distinct folds. */
export interface RankedFold {
  readonly fold: string;
  readonly energy: number;
  /** When a unit first reported it. */
  readonly foundAt: number;
  /** Accepted units that reported it as their best. */
  readonly units: number;
}

/** A job's best folds (store/sqlite-folds.ts). */
export interface FoldStore {
  /** The `k` best distinct folds of a job's accepted results, lowest energy first. */
  topFolds(jobId: string, k: number): Promise<RankedFold[]>;
}

/** A job's notification due to be sent. */
export interface DueWebhook {
  readonly jobId: string;
  readonly url: string;
  /** Attempts made so far. */
  readonly attempts: number;
}

/** Job webhooks and their delivery (store/sqlite-webhooks.ts). */
export interface WebhookStore {
  setWebhook(jobId: string, url: string): Promise<void>;
  /** Pending notifications of ended jobs due by `now`. */
  dueWebhooks(now: number, limit: number): Promise<DueWebhook[]>;
  /** Records an attempt: delivered, or retried at `nextAt` (null: given up). */
  webhookSent(jobId: string, delivered: boolean, nextAt: number | null): Promise<void>;
  webhookState(jobId: string): Promise<{ state: string; attempts: number } | undefined>;
}
