/**
 * Cooperation between a job's trajectories (go-with-the-winners over verified states): when an
 * accepted unit (t, g) plans unit (t, g+1), the next unit starts from the strongest verified
 * final state among the job's other trajectories' accepted units of generations g−1 and g that
 * were accepted before it, if that state beats (t, g)'s own by the margin; else from its own.
 * A state's strength is its lowest replica energy. A cloned start keeps every replica, the
 * step counter and the best-so-far of the source's final state and takes a fresh PRNG state
 * seeded from (job, t, g+1), so the clone and its source explore apart. The rule reads only
 * what acceptance stores (final states and the job's acceptance order), so `auditStarts`
 * recomputes every unit's source and start state bytes from the stored units and results.
 * @module
 */
import { equalBytes } from "@noble/curves/utils.js";
import { MODEL_ENERGY_UNIT, resolveSearchParams } from "../sim/params.js";
import { seedXoshiro128 } from "../sim/prng.js";
import { initialSnapshot } from "../sim/search.js";
import { decodeState, encodeState } from "../sim/state-codec.js";
import { CooperationError } from "./errors.js";
import { hashSeed, trajectorySeed } from "./job-spec.js";
import type { AcceptedState, JobRecord, UnitRecord } from "./store/store.js";

/**
 * How much stronger (in contacts of the model, MODEL_ENERGY_UNIT) another trajectory's state
 * must be before a trajectory restarts from it: 1, i.e. any strictly stronger HP state. On the
 * 2D 85-mer (`bench:network --simulate 1`, 6 seeds) 1 reached E* in 5 of 6 runs against 3 of 6
 * without cooperation; 2 hardly ever fired (decision 89).
 */
export const COOPERATION_MARGIN_CONTACTS = 1;

/** What a job's cooperation rule reads of it. */
export type CooperatingJob = Pick<JobRecord, "id" | "model" | "cooperate">;

/** Where the next unit of a trajectory starts: the source unit and the state bytes. */
export interface StartChoice {
  readonly source: string;
  readonly startState: Uint8Array;
}

/** The strength of a state: the lowest energy among its replicas (lower is stronger). */
export function stateScore(state: Uint8Array): number {
  return Math.min(...decodeState(state).replicas.map((r) => r.energy));
}

/** The seed of a cloned start of unit (t, g) of a job. */
export const cloneSeed = (jobId: string, trajectory: number, generation: number): bigint =>
  hashSeed("foldnet/v1/clone-seed", jobId, trajectory, generation);

/** `state` with its PRNG state replaced by one seeded from `seed` (everything else kept). */
export function reseeded(state: Uint8Array, seed: bigint): Uint8Array {
  return encodeState({ ...decodeState(state), rng: seedXoshiro128(seed) });
}

/**
 * The start of the unit after `own` (the accepted unit of its trajectory, with its place in
 * the job's acceptance order), choosing among `peers` (any accepted states of the job: only
 * those of other trajectories, of own's generation or the one before, accepted before own,
 * count). Ties go to the later generation, then the lower trajectory.
 * @throws {TypeError} when own's acceptance order is not recorded.
 */
export function chooseStart(
  job: CooperatingJob,
  own: AcceptedState,
  peers: readonly AcceptedState[],
): StartChoice {
  const stay = { source: own.unitId, startState: own.finalState };
  if (!job.cooperate) return stay;
  if (own.seq === null) throw new TypeError(`unit ${own.unitId} has no acceptance order`);
  const ownSeq = own.seq;
  let best: { state: AcceptedState; score: number } | undefined;
  for (const peer of peers) {
    if (
      peer.trajectory === own.trajectory ||
      peer.generation > own.generation ||
      peer.generation < own.generation - 1 ||
      peer.seq === null ||
      peer.seq >= ownSeq
    )
      continue;
    const score = stateScore(peer.finalState);
    if (
      best === undefined ||
      score < best.score ||
      (score === best.score &&
        (peer.generation > best.state.generation ||
          (peer.generation === best.state.generation && peer.trajectory < best.state.trajectory)))
    )
      best = { state: peer, score };
  }
  const margin = COOPERATION_MARGIN_CONTACTS * MODEL_ENERGY_UNIT[job.model];
  if (best === undefined || best.score > stateScore(own.finalState) - margin) return stay;
  return {
    source: best.state.unitId,
    startState: reseeded(
      best.state.finalState,
      cloneSeed(job.id, own.trajectory, own.generation + 1),
    ),
  };
}

/** The generation-0 start state of trajectory t of a job. */
export function initialStart(
  job: Pick<JobRecord, "id" | "sequence" | "lattice" | "model" | "replicas">,
  trajectory: number,
): Uint8Array {
  const params = resolveSearchParams({
    sequence: job.sequence,
    lattice: job.lattice,
    model: job.model,
    replicas: job.replicas,
  });
  return encodeState(initialSnapshot(params, trajectorySeed(job.id, trajectory)));
}

/**
 * Recomputes the source and start state of every unit of a job from its stored units and its
 * accepted states (`Store.acceptedStates(job, 0, ∞)`), as an auditor would; returns how many
 * units started from another trajectory's state.
 * @throws {CooperationError} COOPERATION_ERROR_SOURCE (the recorded source is not the rule's)
 *   or COOPERATION_ERROR_START (the start bytes are not the source's verified state, as the
 *   rule transforms it), naming the unit.
 */
export function auditStarts(
  job: CooperatingJob & Parameters<typeof initialStart>[0],
  units: readonly Pick<UnitRecord, "id" | "trajectory" | "generation" | "startState" | "source">[],
  states: readonly AcceptedState[],
): number {
  const byUnit = new Map(states.map((s) => [`${s.trajectory}.${s.generation}`, s]));
  let cloned = 0;
  for (const unit of units) {
    const fail = (code: CooperationError["type"]["code"], message: string) =>
      new CooperationError({ code, unitId: unit.id }, message);
    let expected: { source: string | null; startState: Uint8Array };
    if (unit.generation === 0) {
      expected = { source: null, startState: initialStart(job, unit.trajectory) };
    } else {
      const planner = byUnit.get(`${unit.trajectory}.${unit.generation - 1}`);
      if (planner === undefined)
        throw fail("COOPERATION_ERROR_SOURCE", "the unit before it was never accepted");
      expected = chooseStart(job, planner, states);
      if (expected.source !== planner.unitId) cloned++;
    }
    if (unit.source !== expected.source)
      throw fail(
        "COOPERATION_ERROR_SOURCE",
        `recorded source ${unit.source}, the rule chooses ${expected.source}`,
      );
    if (!equalBytes(unit.startState, expected.startState))
      throw fail("COOPERATION_ERROR_START", "the start state is not the source's verified state");
  }
  return cloned;
}
