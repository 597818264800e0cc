/**
 * Rows of the PostgreSQL store turned into the store's records and records into the values
 * of their INSERTs: the one place that knows each core table's columns (a new column is added
 * here and in a migration). node-postgres gives BIGINT and NUMERIC as decimal strings (read
 * here as numbers, or as bigint for amounts) and BYTEA as Buffers.
 * @module
 */
import type { LatticeName } from "../../../sim/lattice.js";
import type { ModelName } from "../../../sim/model.js";
import type {
  AcceptedState,
  Account,
  AssignmentRecord,
  ChainHead,
  JobRecord,
  JobStatus,
  ResultRecord,
  StoredBlock,
  UnitRecord,
  UnitStatus,
  WorkerRecord,
} from "../store.js";
import type { Row } from "./pg-database.js";

/** A BIGINT or INTEGER column as a number (times, steps, counts stay below 2⁵³). */
const num = (v: unknown): number => Number(v);
const numOrNull = (v: unknown): number | null => (v === null ? null : Number(v));
const bytes = (v: unknown): Uint8Array => new Uint8Array(v as Buffer);

/** `$1, $2, … $n` */
const placeholders = (n: number, from = 1): string =>
  Array.from({ length: n }, (_, i) => `$${from + i}`).join(", ");

/** The columns an INSERT of a job sets (the rest start at their defaults). */
const JOB_INSERT = [
  "id",
  "name",
  "sequence",
  "lattice",
  "model",
  "cooperate",
  "steps",
  "trajectories",
  "generations",
  "unit_steps",
  "checkpoint_interval",
  "replicas",
  "target_energy",
  "status",
  "created_at",
] as const;

export const INSERT_JOB = `INSERT INTO jobs (${JOB_INSERT.join(", ")}) VALUES (${placeholders(JOB_INSERT.length)})`;

export const jobValues = (j: JobRecord): unknown[] => [
  j.id,
  j.name,
  j.sequence,
  j.lattice,
  j.model,
  j.cooperate,
  j.steps,
  j.trajectories,
  j.generations,
  j.unitSteps,
  j.checkpointInterval,
  j.replicas,
  j.targetEnergy,
  j.status,
  j.createdAt,
];

export const jobFromRow = (r: Row): JobRecord => ({
  id: r.id as string,
  name: r.name as string,
  sequence: r.sequence as string,
  lattice: r.lattice as LatticeName,
  model: r.model as ModelName,
  cooperate: r.cooperate === true,
  steps: num(r.steps),
  trajectories: num(r.trajectories),
  generations: num(r.generations),
  unitSteps: num(r.unit_steps),
  checkpointInterval: num(r.checkpoint_interval),
  replicas: num(r.replicas),
  targetEnergy: numOrNull(r.target_energy),
  status: r.status as JobStatus,
  bestEnergy: numOrNull(r.best_energy),
  bestFold: r.best_fold as string | null,
  bestUnit: r.best_unit as string | null,
  stepsDone: num(r.steps_done),
  unitsDone: num(r.units_done),
  createdAt: num(r.created_at),
  finishedAt: numOrNull(r.finished_at),
});

const UNIT_COLUMNS = [
  "id",
  "job_id",
  "trajectory",
  "generation",
  "start_state",
  "steps",
  "status",
  "source_unit",
] as const;

/** INSERT of `n` units: `unitValues` of each, concatenated. */
export const insertUnits = (n: number): string =>
  `INSERT INTO units (${UNIT_COLUMNS.join(", ")}) VALUES ${Array.from(
    { length: n },
    (_, i) => `(${placeholders(UNIT_COLUMNS.length, 1 + i * UNIT_COLUMNS.length)})`,
  ).join(", ")}`;

export const unitValues = (u: UnitRecord): unknown[] => [
  u.id,
  u.jobId,
  u.trajectory,
  u.generation,
  Buffer.from(u.startState),
  u.steps,
  u.status,
  u.source,
];

export const unitFromRow = (r: Row): UnitRecord => ({
  id: r.id as string,
  jobId: r.job_id as string,
  trajectory: num(r.trajectory),
  generation: num(r.generation),
  startState: bytes(r.start_state),
  steps: num(r.steps),
  status: r.status as UnitStatus,
  source: (r.source_unit as string | null) ?? null,
});

/** A row of `units` joined with its result's final state and acceptance order. */
export const acceptedStateFromRow = (r: Row): AcceptedState => ({
  unitId: r.id as string,
  trajectory: num(r.trajectory),
  generation: num(r.generation),
  finalState: bytes(r.final_state),
  seq: numOrNull(r.job_seq),
});

export const assignmentFromRow = (r: Row): AssignmentRecord => ({
  id: r.id as string,
  unitId: r.unit_id as string,
  workerKey: r.worker_key as string,
  issuedAt: num(r.issued_at),
  deadline: num(r.deadline),
  status: r.status as AssignmentRecord["status"],
});

export const resultFromRow = (r: Row): ResultRecord => ({
  unitId: r.unit_id as string,
  assignmentId: r.assignment_id as string,
  workerKey: r.worker_key as string,
  bestEnergy: num(r.best_energy),
  bestFold: r.best_fold as string,
  steps: num(r.steps),
  segmentsChecked: num(r.segments_checked),
  reward: BigInt(r.reward as string),
  acceptedAt: num(r.accepted_at),
});

export const workerFromRow = (r: Row): WorkerRecord => ({
  key: r.key as string,
  keyId: r.key_id as string,
  name: r.name as string,
  firstSeen: num(r.first_seen),
  lastSeen: num(r.last_seen),
  accepted: num(r.accepted),
  rejected: num(r.rejected),
  strikes: num(r.strikes),
  banned: r.banned === true,
  stepsVerified: num(r.steps_verified),
});

export const accountFromRow = (r: Row): Account => ({
  key: r.key as string,
  balance: BigInt(r.balance as string),
  nonce: BigInt(r.nonce as string),
});

export const headFromRow = (r: Row): ChainHead => ({
  height: num(r.height),
  hash: bytes(r.hash),
  timestamp: num(r.timestamp),
});

/** A block row with its entries. */
export const blockFromRow = (r: Row, entries: readonly Row[]): StoredBlock => ({
  height: num(r.height),
  hash: bytes(r.hash),
  headerBytes: bytes(r.header),
  signature: bytes(r.signature),
  timestamp: num(r.timestamp),
  entries: entries.map((e) => bytes(e.entry)),
});

export { bytes, num };
