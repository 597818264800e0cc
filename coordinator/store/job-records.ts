/**
 * Records of jobs in the making and in cooperation: a job to create with what was asked with
 * it, and an accepted unit's verified final state (re-exported by store.ts).
 * @module
 */
import type { JobInput } from "../job-spec.js";
import type { JobRecord, UnitRecord } from "./store.js";

/** An accepted unit's verified final state, as cooperation chooses among them. */
export interface AcceptedState {
  readonly unitId: string;
  readonly trajectory: number;
  readonly generation: number;
  readonly finalState: Uint8Array;
  /** Its place in its job's acceptance order (0 = first accepted); null before it was recorded. */
  readonly seq: number | null;
}

/** A job to create: its record, its generation-0 units and what its submitter asked with it. */
export interface NewJob {
  readonly job: JobRecord;
  readonly units: readonly UnitRecord[];
  /** The submitting account (quotas and ownership); none for jobs made outside the API. */
  readonly owner?: string;
  readonly private?: boolean;
  readonly priority?: number;
  readonly input?: JobInput;
  readonly notify?: string;
}
