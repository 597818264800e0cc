/**
 * The scheduler: turns jobs into work units (trajectories × generations), leases units to
 * workers with deadlines, puts expired, abandoned and failed leases back in the queue, decides
 * what an accepted result means for its job (next generation, target reached, budget spent),
 * and says which leases to revoke when a job ends or a unit is done (`onRevoke`). All state
 * lives in the store; this module holds the rules and the sweep timer.
 * @module
 */
import { randomBytes } from "node:crypto";
import type { Logger } from "../common/log.js";
import { resolveSearchParams } from "../sim/params.js";
import { chooseStart, initialStart } from "./cooperation.js";
import { generationsFor, type JobSpec, segmentsForUnit } from "./job-spec.js";
import type { RevokeScope } from "./lease-holders.js";
import {
  DEFAULT_LEASE_QUOTA_POLICY,
  type LeaseQuotaPolicy,
  nextQuota,
  type QuotaEvent,
} from "./lease-quota.js";
import type { CoordinatorMetrics } from "./metrics.js";
import type {
  AcceptanceContext,
  AcceptancePlan,
  AcceptedResult,
  AcceptedState,
  AcceptOutcome,
  JobRecord,
  Lease,
  LedgerCredit,
  NewJob,
  Store,
  UnitRecord,
} from "./store/store.js";
import {
  DEFAULT_UNIT_FAILURE_POLICY,
  failureReason,
  type UnitFailurePolicy,
  UnitFailures,
} from "./unit-failures.js";

/** Tunables of leasing. */
export interface SchedulerOptions {
  /** Shortest lease, whatever the unit's size. */
  readonly minLeaseMs: number;
  /** Pessimistic speed of a volunteer thread, sizing the first deadline of big units. */
  readonly leaseStepsPerSecond: number;
  /**
   * Silence that ends a lease: a `progress` frame that advances a unit moves its deadline to at
   * least now + this (workers report at least once a minute), so a slow worker keeps its lease
   * as long as it makes progress and a silent one loses it within this time.
   */
  readonly progressGraceMs: number;
  /**
   * Slowest speed a lease is kept for (steps/s): progress never extends a lease beyond
   * issue + steps / this, so a key cannot hold a unit forever by reporting a step a minute.
   */
  readonly minStepsPerSecond: number;
  /** How long a disconnected worker keeps its leases (it may reconnect and submit). */
  readonly disconnectGraceMs: number;
  /** Period of the expired-lease sweep. */
  readonly sweepIntervalMs: number;
  /** Per-key lease quotas (lease-quota.ts). */
  readonly leaseQuota: LeaseQuotaPolicy;
  /** What a key that reports units it cannot run may still take (unit-failures.ts). */
  readonly unitFailures: UnitFailurePolicy;
}

/**
 * Defaults: a 2-minute floor, first deadlines at 200 k steps/s, extended by progress to 3 minutes
 * past the last report (down to 10 k steps/s), 30 s grace after a disconnect, 1 s sweeps.
 */
export const DEFAULT_SCHEDULER_OPTIONS: SchedulerOptions = {
  minLeaseMs: 120_000,
  leaseStepsPerSecond: 200_000,
  progressGraceMs: 180_000,
  minStepsPerSecond: 10_000,
  disconnectGraceMs: 30_000,
  sweepIntervalMs: 1_000,
  leaseQuota: DEFAULT_LEASE_QUOTA_POLICY,
  unitFailures: DEFAULT_UNIT_FAILURE_POLICY,
};

/** What the scheduler needs from its surroundings. */
export interface SchedulerDeps {
  readonly store: Store;
  /** Milliseconds since the epoch (injected for tests). */
  readonly now: () => number;
  /** Called with unit ids put back in the queue by the sweep. */
  readonly onReissue?: (unitIds: string[]) => void;
  /** Called after units may have been queued (a job submitted, a result accepted, a reissue). */
  readonly onUnitsQueued?: () => void;
  /** Called when leases should stop at once: their job ended, or their unit is done. */
  readonly onRevoke?: (scope: RevokeScope) => void;
  /** Counts leases, completions and reissues, and times the store transactions. */
  readonly metrics?: Pick<CoordinatorMetrics, "scheduler" | "store">;
  /** Where a failed sweep is told (the database may be away; the next sweep tries again). */
  readonly log?: Logger;
}

/** Unit id of generation g of trajectory t. */
export const unitId = (jobId: string, trajectory: number, generation: number) =>
  `${jobId}.t${trajectory}.g${generation}`;

/**
 * What follows from accepting `result` for `unit`: the job ends when the result reaches the
 * target energy; otherwise the trajectory goes on until its last generation, from the result's
 * final state or, in a cooperating job, from a stronger one of `peers` (cooperation.ts).
 * (The store ends the job when no unit is left open.)
 */
export function planAcceptance(
  job: JobRecord,
  unit: UnitRecord,
  result: Pick<AcceptedResult, "bestEnergy" | "finalState">,
  peers: readonly AcceptedState[] = [],
): GenerationPlan {
  if (job.targetEnergy !== null && result.bestEnergy <= job.targetEnergy)
    return { nextUnit: null, finishJob: true };
  if (unit.generation + 1 >= job.generations) return { nextUnit: null, finishJob: false };
  const own = { ...unit, unitId: unit.id, finalState: result.finalState, seq: job.unitsDone };
  const { source, startState } = chooseStart(job, own, peers);
  return {
    nextUnit: {
      id: unitId(job.id, unit.trajectory, unit.generation + 1),
      jobId: job.id,
      trajectory: unit.trajectory,
      generation: unit.generation + 1,
      startState,
      steps: job.unitSteps,
      status: "queued",
      source,
    },
    finishJob: false,
  };
}

/** What follows for the job from an accepted result (its ledger credit aside). */
export type GenerationPlan = Omit<AcceptancePlan, "credit">;

/** Leases, reissues and job bookkeeping over a store. */
export class Scheduler {
  private timer: NodeJS.Timeout | undefined;
  private readonly failures: UnitFailures;

  constructor(
    private readonly opts: SchedulerOptions,
    private readonly deps: SchedulerDeps,
  ) {
    this.failures = new UnitFailures(opts.unitFailures);
  }

  /** Starts the periodic sweep of expired leases. */
  start(): void {
    let sweeping = false;
    this.timer = setInterval(() => {
      if (sweeping) return;
      sweeping = true;
      this.sweep()
        .catch((error: unknown) => this.deps.log?.warn("lease sweep failed", { error: `${error}` }))
        .finally(() => {
          sweeping = false;
        });
    }, this.opts.sweepIntervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /**
   * Creates a job and its generation-0 units, with what was asked with it. The id is random
   * unless given (a benchmark replaying the same seeds).
   */
  async submitJob(
    spec: JobSpec,
    asked: Omit<NewJob, "job" | "units"> = {},
    id?: string,
  ): Promise<JobRecord> {
    const { job, units } = this.planJob(spec, id);
    await this.deps.store.createJob({ job, units, ...asked });
    this.deps.onUnitsQueued?.();
    return job;
  }

  /** The record of a new job of `spec` and its generation-0 units (one per trajectory, each with its own seed). */
  planJob(spec: JobSpec, id = `j${randomBytes(6).toString("hex")}`): Pick<NewJob, "job" | "units"> {
    const params = resolveSearchParams({
      sequence: spec.sequence,
      lattice: spec.lattice,
      model: spec.model,
      ...(spec.replicas === undefined ? {} : { replicas: spec.replicas }),
    });
    const job: JobRecord = {
      id,
      name: spec.name,
      sequence: spec.sequence,
      lattice: spec.lattice,
      model: spec.model,
      cooperate: spec.cooperate,
      steps: spec.steps,
      trajectories: spec.trajectories,
      generations: generationsFor(spec),
      unitSteps: spec.unitSteps,
      checkpointInterval: spec.unitSteps / segmentsForUnit(spec.unitSteps),
      replicas: params.temperaturesMilli.length,
      targetEnergy: spec.targetEnergy ?? null,
      status: "running",
      bestEnergy: null,
      bestFold: null,
      bestUnit: null,
      stepsDone: 0,
      unitsDone: 0,
      createdAt: this.deps.now(),
      finishedAt: null,
    };
    const units: UnitRecord[] = [];
    for (let t = 0; t < spec.trajectories; t++) {
      units.push({
        id: unitId(id, t, 0),
        jobId: id,
        trajectory: t,
        generation: 0,
        startState: initialStart(job, t),
        steps: spec.unitSteps,
        status: "queued",
        source: null,
      });
    }
    return { job, units };
  }

  /** Units were queued outside the scheduler (a batch created in one transaction). */
  queued(): void {
    this.deps.onUnitsQueued?.();
  }

  /** Lease length for a unit of `steps`. */
  leaseMs(steps: number): number {
    return Math.max(
      this.opts.minLeaseMs,
      Math.ceil((steps / this.opts.leaseStepsPerSecond) * 1000),
    );
  }

  /** Leases up to `slots` units to the worker. */
  async lease(workerKey: string, slots: number): Promise<Lease[]> {
    const stop = this.deps.metrics?.store.transactionSeconds.startTimer({ op: "lease_units" });
    const leases = await this.deps.store.leaseUnits(workerKey, slots, this.deps.now(), (steps) =>
      this.leaseMs(steps),
    );
    stop?.();
    this.deps.metrics?.scheduler.unitsLeased.inc(leases.length);
    return leases;
  }

  /** The silence after which a lease that reports progress ends. */
  get progressGraceMs(): number {
    return this.opts.progressGraceMs;
  }

  /**
   * A worker reported that lease `lease` advanced: when the deadline is less than half a grace
   * away, it moves to now + grace (capped at the slowest speed kept), one store write per half
   * grace at most. Returns the lease's deadline afterwards.
   */
  async progress(lease: Lease): Promise<number> {
    const now = this.deps.now();
    const { assignment, unit } = lease;
    if (assignment.deadline - now > this.opts.progressGraceMs / 2) return assignment.deadline;
    const cap = assignment.issuedAt + Math.ceil((unit.steps / this.opts.minStepsPerSecond) * 1000);
    const deadline = Math.min(cap, now + this.opts.progressGraceMs);
    return (await this.deps.store.extendLease(assignment.id, assignment.workerKey, deadline))
      ? deadline
      : assignment.deadline;
  }

  /**
   * A worker's session went away: the leases it was handed end after the grace period unless
   * the worker comes back and submits. Other sessions of the same key keep theirs.
   */
  async sessionClosed(assignmentIds: readonly string[]): Promise<void> {
    await this.deps.store.shortenLeases(
      assignmentIds,
      this.deps.now() + this.opts.disconnectGraceMs,
    );
  }

  /** Puts expired leases back in the queue now; returns the reissued unit ids. */
  async sweep(): Promise<string[]> {
    this.failures.prune(this.deps.now());
    const stop = this.deps.metrics?.store.transactionSeconds.startTimer({ op: "expire_leases" });
    const expired = await this.deps.store.expireLeases(this.deps.now());
    stop?.();
    if (expired.length === 0) return [];
    const reissued = expired.map((e) => e.unitId);
    for (const key of new Set(expired.map((e) => e.workerKey)))
      await this.quotaEvent(key, "missed");
    this.deps.metrics?.scheduler.unitsReissued.inc(reissued.length);
    this.deps.onReissue?.(reissued);
    this.deps.onUnitsQueued?.();
    return reissued;
  }

  /** Most active leases the key may hold now (none while it is over its failure cap). */
  async leaseQuota(workerKey: string): Promise<number> {
    if (this.failures.blocked(workerKey, this.deps.now())) return 0;
    return this.storedQuota(workerKey);
  }

  private async storedQuota(workerKey: string): Promise<number> {
    return (await this.deps.store.limits.leaseQuota(workerKey)) ?? this.opts.leaseQuota.initial;
  }

  /** Adjusts a key's lease quota after an accepted result, a missed deadline or a rejection. */
  private async quotaEvent(workerKey: string, event: QuotaEvent): Promise<void> {
    const quota = nextQuota(this.opts.leaseQuota, await this.storedQuota(workerKey), event);
    await this.deps.store.limits.setLeaseQuota(workerKey, quota);
  }

  /**
   * A result of `workerKey` was rejected (it was at fault): the key's quota drops to the floor
   * and, if the assignment is its active lease, the lease ends at once and the unit is queued.
   */
  async rejected(assignmentId: string, workerKey: string): Promise<void> {
    await this.quotaEvent(workerKey, "rejected");
    if (await this.deps.store.limits.revokeLease(assignmentId, workerKey)) {
      this.deps.metrics?.scheduler.unitsReissued.inc();
      this.deps.onUnitsQueued?.();
    }
  }

  /**
   * `workerKey` reports it cannot run the unit of its lease `assignmentId` (unitFailed): no
   * strike, but the failure counts against the key (unit-failures.ts) and halves its quota;
   * the unit is queued again at once, kept from this key for a while. Returns the reason the
   * failure was counted under, or undefined when the lease was not the key's active one.
   */
  async failed(
    assignmentId: string,
    workerKey: string,
    reason: string,
  ): Promise<string | undefined> {
    const now = this.deps.now();
    const retryAt = now + this.opts.unitFailures.retryAfterMs;
    if (!(await this.deps.store.limits.failLease(assignmentId, workerKey, retryAt)))
      return undefined;
    this.failures.record(workerKey, now);
    await this.quotaEvent(workerKey, "missed");
    const counted = failureReason(reason);
    this.deps.metrics?.scheduler.unitsFailed.inc({ reason: counted });
    this.deps.onUnitsQueued?.();
    return counted;
  }

  /**
   * Cancels a running job (its queued and leased units) and revokes its leases.
   * False when the job is not running.
   */
  async cancelJob(jobId: string): Promise<boolean> {
    if (!(await this.deps.store.cancelJob(jobId, this.deps.now()))) return false;
    this.deps.onRevoke?.({ jobId, reason: "REVOKE_JOB_CANCELLED" });
    return true;
  }

  /** Records a verified result (one transaction) and what follows for its job. */
  async accept(
    result: AcceptedResult,
    credit: (ctx: AcceptanceContext) => LedgerCredit,
  ): Promise<AcceptOutcome> {
    const stop = this.deps.metrics?.store.transactionSeconds.startTimer({ op: "accept_result" });
    let lease: { jobId: string; unitId: string } | undefined;
    const outcome = await this.deps.store.acceptResult(result, (ctx) => {
      lease = { jobId: ctx.job.id, unitId: ctx.unit.id };
      return { ...planAcceptance(ctx.job, ctx.unit, result, ctx.peers), credit: credit(ctx) };
    });
    stop?.();
    if (outcome.kind === "accepted" && lease !== undefined) {
      this.deps.metrics?.scheduler.unitsCompleted.inc();
      await this.quotaEvent(result.workerKey, "accepted");
      this.deps.onUnitsQueued?.();
      this.deps.onRevoke?.(
        outcome.jobFinished
          ? { jobId: lease.jobId, reason: "REVOKE_JOB_DONE" }
          : { unitId: lease.unitId, except: result.assignmentId, reason: "REVOKE_UNIT_DONE" },
      );
    }
    return outcome;
  }
}
