/**
 * Records and moves for the store contract suite (store-contract.ts): jobs and units built
 * directly (no scheduler), a plan that continues each trajectory for the job's generations
 * with a fixed reward, and a result accepted for a lease.
 * @module
 */
import type {
  AcceptancePlan,
  AcceptOutcome,
  JobRecord,
  Lease,
  NewJob,
  Store,
  StoredBlock,
  UnitRecord,
} from "../../coordinator/store/store.js";
import { SEQ } from "./ledger.js";

/** A running job of `trajectories` × `generations` units of 1,024 steps. */
export function jobRecord(id: string, o: Partial<JobRecord> = {}): JobRecord {
  const trajectories = o.trajectories ?? 2;
  const generations = o.generations ?? 2;
  return {
    id,
    name: `job ${id}`,
    sequence: SEQ,
    lattice: "square2d",
    model: "hp",
    cooperate: false,
    steps: trajectories * generations * 1024,
    trajectories,
    generations,
    unitSteps: 1024,
    checkpointInterval: 256,
    replicas: 1,
    targetEnergy: null,
    status: "running",
    bestEnergy: null,
    bestFold: null,
    bestUnit: null,
    stepsDone: 0,
    unitsDone: 0,
    createdAt: 1_000,
    finishedAt: null,
    ...o,
  };
}

/** Generation `g` of trajectory `t`, queued. */
export function unitRecord(jobId: string, t: number, g: number): UnitRecord {
  return {
    id: `${jobId}-${t}-${g}`,
    jobId,
    trajectory: t,
    generation: g,
    startState: Uint8Array.of(t, g, 0, 255),
    steps: 1024,
    source: null,
    status: "queued",
  };
}

/** A job to create with its generation-0 units. */
export function newJob(id: string, o: Partial<JobRecord> = {}): NewJob {
  const job = jobRecord(id, o);
  return { job, units: Array.from({ length: job.trajectories }, (_, t) => unitRecord(id, t, 0)) };
}

/** Creates a job with its generation-0 units; returns the job. */
export async function createJob(
  store: Store,
  id: string,
  o: Partial<JobRecord> = {},
): Promise<JobRecord> {
  const created = newJob(id, o);
  await store.createJob(created);
  return created.job;
}

/** The reward each result earns in these tests (micro-tokens), and its work. */
export const REWARD = 1_000n;
export const WORK = 20_480n;

/** Continues the trajectory until the job's generations are done; the entry names the unit. */
export function continuePlan(finishJob = false) {
  return ({ job, unit, workBefore }: { job: JobRecord; unit: UnitRecord; workBefore: bigint }) =>
    ({
      nextUnit:
        !finishJob && unit.generation + 1 < job.generations
          ? unitRecord(job.id, unit.trajectory, unit.generation + 1)
          : null,
      finishJob,
      credit: {
        entry: new TextEncoder().encode(`work ${unit.id} after ${workBefore}`),
        reward: REWARD,
        work: WORK,
      },
    }) satisfies AcceptancePlan;
}

/** Accepts a result of `lease` with energy `bestEnergy` at `at`. */
export function acceptLease(
  store: Store,
  lease: Lease,
  o: { bestEnergy?: number; at?: number; fold?: string; finishJob?: boolean } = {},
): Promise<AcceptOutcome> {
  return store.acceptResult(
    {
      assignmentId: lease.assignment.id,
      workerKey: lease.assignment.workerKey,
      bestEnergy: o.bestEnergy ?? -3,
      bestFold: o.fold ?? "RRUL",
      steps: lease.unit.steps,
      finalState: Uint8Array.of(9, 9),
      finalStateHash: new Uint8Array(32).fill(1),
      merkleRoot: new Uint8Array(32).fill(2),
      segments: [0, 3],
      at: o.at ?? 5_000,
    },
    continuePlan(o.finishJob),
  );
}

/** A lease length of 10 ms per step. */
export const leaseMs = (steps: number) => steps * 10;

/** A worker key (64 hex characters) from a small number. */
export const workerKey = (n: number) => n.toString(16).padStart(64, "0");

/** A block "sealed" without signing: the store only keeps what `seal` returns. */
export const fakeSeal = (
  entries: Uint8Array[],
  prev: { height: number; hash: Uint8Array } | undefined,
) =>
  ({
    height: prev === undefined ? 0 : prev.height + 1,
    hash: new Uint8Array(32).fill((prev?.height ?? -1) + 2),
    headerBytes: Uint8Array.of(1, 2, 3),
    signature: new Uint8Array(64).fill(7),
    timestamp: 10_000,
    entries,
  }) satisfies StoredBlock;
