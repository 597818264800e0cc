/**
 * Rows of the SQLite store's core tables turned into the store's records (snake_case columns,
 * BLOBs as Uint8Array, decimal-text amounts as bigint).
 * @module
 */
import type { LatticeName } from "../../sim/lattice.js";
import type { ModelName } from "../../sim/model.js";
import type {
  AcceptedState,
  Account,
  AssignmentRecord,
  JobRecord,
  JobStatus,
  ResultRecord,
  UnitRecord,
  UnitStatus,
  WorkerRecord,
} from "./store.js";

export type Row = Record<string, unknown>;

export const jobFromRow = (r: Row): JobRecord => ({
  id: r.id as string,
  name: r.name as string,
  sequence: r.sequence as string,
  lattice: r.lattice as LatticeName,
  model: r.model as ModelName,
  cooperate: r.cooperate === 1,
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

export const unitFromRow = (r: Row): UnitRecord => ({
  id: r.id as string,
  jobId: r.job_id as string,
  trajectory: r.trajectory as number,
  generation: r.generation as number,
  startState: new Uint8Array(r.start_state as Buffer),
  steps: r.steps as number,
  status: r.status as UnitStatus,
  source: (r.source_unit as string | null) ?? null,
});

/** A row of `units` joined with its result's final state and acceptance order. */
export const acceptedStateFromRow = (r: Row): AcceptedState => ({
  unitId: r.id as string,
  trajectory: r.trajectory as number,
  generation: r.generation as number,
  finalState: new Uint8Array(r.final_state as Buffer),
  seq: r.job_seq as number | null,
});

export const assignmentFromRow = (r: Row): AssignmentRecord => ({
  id: r.id as string,
  unitId: r.unit_id as string,
  workerKey: r.worker_key as string,
  issuedAt: r.issued_at as number,
  deadline: r.deadline as number,
  status: r.status as AssignmentRecord["status"],
});

export const resultFromRow = (r: Row): ResultRecord => ({
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

export const workerFromRow = (r: Row): WorkerRecord => ({
  key: r.key as string,
  keyId: r.key_id as string,
  name: r.name as string,
  firstSeen: r.first_seen as number,
  lastSeen: r.last_seen as number,
  accepted: r.accepted as number,
  rejected: r.rejected as number,
  strikes: r.strikes as number,
  banned: r.banned === 1,
  stepsVerified: r.steps_verified as number,
});

export const accountFromRow = (r: Row): Account => ({
  key: r.key as string,
  balance: BigInt(r.balance as string),
  nonce: BigInt(r.nonce as string),
});
