/**
 * The storage interfaces of the research side of the coordinator, apart from scheduling:
 * accounts, roles and the audit log (sqlite-access.ts), fair share (sqlite-fair-share.ts),
 * batches (sqlite-batches.ts), amino-acid inputs (sqlite-inputs.ts), best folds
 * (sqlite-folds.ts) and webhooks (sqlite-webhooks.ts). `Store` (store.ts) holds one of each.
 * @module
 */
import type { JobInput } from "../job-spec.js";

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
  addKey(hash: string, account: string, role: Role, at: number): void;
  key(hash: string): ApiKeyRecord | undefined;
  keys(): ApiKeyRecord[];
  /** Revokes the one key whose hash starts with `id`; undefined when none or several match. */
  revokeKey(id: string, at: number): ApiKeyRecord | undefined;
  setPrivate(jobId: string): void;
  isPrivate(jobId: string): boolean;
  /** The account that submitted a job (undefined for jobs from before ownership). */
  jobOwner(jobId: string): string | undefined;
  /** Bans or lets back a known worker key (unban also clears its strikes); false if unknown. */
  setBanned(workerKey: string, banned: boolean): boolean;
  audit(at: number, actor: string, action: string, target: string): void;
  /** The audit log, oldest first. */
  auditLog(offset: number, limit: number): AuditRecord[];
}

/** Fair share (coordinator/fair-share.ts): accounts' weights, jobs' priorities, their passes. */
export interface FairShareStore {
  /** Sets an account's weight (> 0; 1 when never set). */
  setWeight(account: string, weight: number): void;
  /** The weights set, by account. */
  weights(): { account: string; weight: number }[];
  /** Sets a job's priority (> 0; 1 when never set). */
  setPriority(jobId: string, priority: number): void;
  /**
   * Picks up to `slots` queued units by fair share, charging each to its account and job;
   * `next(jobId, skip)` reads a job's queued units in its own order. Called inside a lease
   * transaction.
   */
  plan<R extends { readonly steps: number }>(
    slots: number,
    next: (jobId: string, skip: number) => R | undefined,
  ): R[];
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
  /**
   * Records `batch` and the job `submit(line)` creates for each line 1…size, all in one
   * transaction (a throw leaves nothing); returns the job ids in line order.
   */
  create(batch: BatchRecord, submit: (line: number) => string): string[];
  batch(id: string): BatchRecord | undefined;
  /** The batch's job ids in line order. */
  jobIds(id: string): string[];
}

/** The amino acids a job was mapped from (store/sqlite-inputs.ts). */
export interface JobInputStore {
  setInput(jobId: string, input: JobInput): void;
  input(jobId: string): JobInput | undefined;
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
  topFolds(jobId: string, k: number): RankedFold[];
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
  setWebhook(jobId: string, url: string): void;
  /** Pending notifications of ended jobs due by `now`. */
  dueWebhooks(now: number, limit: number): DueWebhook[];
  /** Records an attempt: delivered, or retried at `nextAt` (null: given up). */
  webhookSent(jobId: string, delivered: boolean, nextAt: number | null): void;
  webhookState(jobId: string): { state: string; attempts: number } | undefined;
}
