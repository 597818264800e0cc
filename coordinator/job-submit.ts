/**
 * Creating jobs for an account: the per-account quotas (running jobs, where a batch counts as
 * one, trajectories and steps in flight), then each job with its owner, privacy, priority,
 * amino-acid input and webhook — one
 * job, or a batch's jobs all in one transaction.
 * @module
 */
import { randomBytes } from "node:crypto";
import { ApiError } from "./errors.js";
import type { JobSpec } from "./job-spec.js";
import type { Scheduler } from "./scheduler.js";
import type { JobRecord, Store } from "./store/store.js";

/** Per-account bounds on running work: every running job holds rows and queue. */
export interface JobQuota {
  /** Most running jobs (or batches) per account. */
  readonly runningJobs: number;
  /** Most trajectories (units in flight at once) over an account's running jobs. */
  readonly runningTrajectories: number;
  /** Most steps in flight (trajectories × unit steps) over an account's running jobs. */
  readonly stepsInFlight: number;
}

/** Defaults: 16 running jobs, 1,024 trajectories and 2³⁶ steps in flight per account. */
export const DEFAULT_JOB_QUOTA: JobQuota = {
  runningJobs: 16,
  runningTrajectories: 1_024,
  stepsInFlight: 2 ** 36,
};

/** What jobs are created in. */
export interface SubmitDeps {
  readonly quota: JobQuota;
  readonly store: Store;
  readonly scheduler: Scheduler;
}

/**
 * Creates the jobs of `specs` for `owner`: one job, or with `batch` a batch of them (whose id
 * is returned with them).
 * @throws {ApiError} API_ERROR_QUOTA naming the limit the account is at.
 */
export async function submitJobs(
  { quota, store, scheduler }: SubmitDeps,
  owner: string,
  specs: readonly JobSpec[],
  batch: boolean,
  now: number,
): Promise<{ batchId: string | null; jobs: JobRecord[] }> {
  const load = await store.limits.ownerLoad(owner);
  const over = (limit: string, message: string) =>
    new ApiError({ code: "API_ERROR_QUOTA", status: 429, limit }, message);
  const jobs = batch ? 1 : specs.length;
  if (load.jobs + jobs > quota.runningJobs)
    throw over("runningJobs", `at most ${quota.runningJobs} running jobs per account`);
  const trajectories = specs.reduce((sum, s) => sum + s.trajectories, 0);
  if (load.trajectories + trajectories > quota.runningTrajectories) {
    throw over(
      "runningTrajectories",
      `at most ${quota.runningTrajectories} trajectories over an account's running jobs`,
    );
  }
  const steps = specs.reduce((sum, s) => sum + s.trajectories * s.unitSteps, 0);
  if (load.steps + steps > quota.stepsInFlight) {
    throw over(
      "stepsInFlight",
      `at most ${quota.stepsInFlight} steps in flight over an account's running jobs`,
    );
  }
  const asked = (spec: JobSpec) => ({
    owner,
    private: spec.private === true,
    ...(spec.priority === undefined ? {} : { priority: spec.priority }),
    ...(spec.input === undefined ? {} : { input: spec.input }),
    ...(spec.notify === undefined ? {} : { notify: spec.notify }),
  });
  if (!batch) {
    const created: JobRecord[] = [];
    for (const spec of specs) created.push(await scheduler.submitJob(spec, asked(spec)));
    return { batchId: null, jobs: created };
  }
  const batchId = `b${randomBytes(6).toString("hex")}`;
  const planned = specs.map((spec) => ({ ...scheduler.planJob(spec), ...asked(spec) }));
  await store.batches.create({ id: batchId, owner, size: specs.length, createdAt: now }, planned);
  scheduler.queued();
  return { batchId, jobs: planned.map((p) => p.job) };
}
