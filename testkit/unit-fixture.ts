/**
 * A generation-0 work unit outside any coordinator, for tests and benchmarks of the spot
 * check: its assignment frame (what a worker gets) and its lease (what the verifier reads).
 * @module
 */
import { bytesToHex } from "@noble/hashes/utils.js";
import type { Lease } from "../coordinator/store/store.js";
import type { AssignmentFrame } from "../protocol/frames.js";
import type { LatticeName } from "../sim/lattice.js";
import { resolveSearchParams } from "../sim/params.js";
import { initialSnapshot } from "../sim/search.js";
import { encodeState } from "../sim/state-codec.js";

/** What the unit is. */
export interface UnitFixtureOptions {
  readonly sequence: string;
  readonly lattice?: LatticeName;
  readonly replicas?: number;
  readonly seed: bigint;
  /** Segments L and steps per segment K. */
  readonly segments: number;
  readonly checkpointInterval: number;
  /** The key the unit is leased to. */
  readonly workerKey: Uint8Array;
}

/** A unit of L·K steps leased to `workerKey`. */
export function unitFixture(o: UnitFixtureOptions): { assignment: AssignmentFrame; lease: Lease } {
  const lattice = o.lattice ?? "square2d";
  const params = resolveSearchParams({
    sequence: o.sequence,
    lattice,
    ...(o.replicas === undefined ? {} : { replicas: o.replicas }),
  });
  const startState = encodeState(initialSnapshot(params, o.seed));
  const steps = o.segments * o.checkpointInterval;
  const assignment: AssignmentFrame = {
    kind: "assignment",
    assignmentId: new Uint8Array(16).fill(9),
    unitId: "jfix.t0.g0",
    jobId: "jfix",
    startState,
    steps,
    checkpointInterval: o.checkpointInterval,
    deadlineMs: 0,
  };
  const lease = {
    assignment: {
      id: "09".repeat(16),
      unitId: assignment.unitId,
      workerKey: bytesToHex(o.workerKey),
      issuedAt: 0,
      deadline: 0,
      status: "active",
    },
    unit: {
      id: assignment.unitId,
      jobId: "jfix",
      trajectory: 0,
      generation: 0,
      startState,
      steps,
      status: "leased",
    },
    job: { id: "jfix", sequence: o.sequence, lattice, checkpointInterval: o.checkpointInterval },
  } as unknown as Lease;
  return { assignment, lease };
}
