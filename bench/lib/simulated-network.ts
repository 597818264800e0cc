/**
 * A job run by W simulated workers on a virtual clock, for `bench:network --simulate`: the
 * coordinator's real scheduler and store (SQLite in memory: leasing, acceptance, cooperation)
 * and the real engine (each unit computed in full), but no processes, sockets or checks. A unit
 * takes one unit of virtual time at full speed; each of its runs is slowed by a deterministic
 * 0–45 % (`slowdown`: volunteers are never equally fast, and with equal units every W would
 * accept units in the same order and make the same cooperation choices). So the time to E* is
 * counted in unit-times, whatever the machine's load, for as many workers as wanted: what W
 * volunteers with a core each would see, minus the network's latencies.
 * @module
 */
import { parseJobSpec } from "../../coordinator/job-spec.js";
import { creditFor } from "../../coordinator/ledger-credit.js";
import { DEFAULT_SCHEDULER_OPTIONS, Scheduler } from "../../coordinator/scheduler.js";
import { settledStore } from "../../coordinator/store/settled-store.js";
import { SqliteStore } from "../../coordinator/store/sqlite-store.js";
import type { Lease } from "../../coordinator/store/store.js";
import { foldToString } from "../../sim/fold.js";
import type { LatticeName } from "../../sim/lattice.js";
import { decodeState } from "../../sim/state-codec.js";
import { advanceState } from "../../sim/work-unit.js";

/** What to simulate. */
export interface SimulatedJob {
  readonly sequence: string;
  readonly lattice: LatticeName;
  readonly eStar: number;
  readonly trajectories: number;
  readonly unitSteps: number;
  readonly cooperate: boolean;
  readonly workers: number;
  /** Gives up after this many unit-times. */
  readonly maxTime: number;
  /** The job id, which fixes the trajectories' seeds: equal ids run equal searches. */
  readonly jobId: string;
}

/** Its outcome: when E* was reached (unit-times), the steps verified, the best energy. */
export interface SimulatedOutcome {
  readonly reached: boolean;
  readonly time: number;
  readonly steps: number;
  readonly bestEnergy: number | null;
  /** Units that started from another trajectory's state. */
  readonly copies: number;
}

/** Units of a job that start from another trajectory's state (their `source` is not theirs). */
export const copiesOf = (units: readonly { trajectory: number; source: string | null }[]) =>
  units.filter((u) => u.source !== null && !u.source.includes(`.t${u.trajectory}.`)).length;

/** How much slower than full speed worker w runs its k-th unit: 0, 0.05, …, 0.45. */
export const slowdown = (worker: number, k: number): number => ((k * 7 + worker * 13) % 10) / 20;

/** Runs `o` to E* or `maxTime`. */
export async function simulateJob(o: SimulatedJob): Promise<SimulatedOutcome> {
  let now = 0;
  const store = new SqliteStore(":memory:"); // read directly; the scheduler takes its async view
  const scheduler = new Scheduler(DEFAULT_SCHEDULER_OPTIONS, {
    store: settledStore(store),
    now: () => Math.round(now * 1000),
  });
  const spec = parseJobSpec({
    sequence: o.sequence,
    lattice: o.lattice,
    steps: 1e12,
    trajectories: o.trajectories,
    unitSteps: o.unitSteps,
    targetEnergy: o.eStar,
    cooperate: o.cooperate,
  });
  const { id } = await scheduler.submitJob(spec, {}, o.jobId);
  const keys = Array.from({ length: o.workers }, (_, w) => w.toString(16).padStart(64, "0"));
  /** Units in flight, by worker, and when each ends. */
  const busy = new Map<number, { lease: Lease; ends: number }>();
  const done = keys.map(() => 0);
  try {
    for (;;) {
      for (let w = 0; w < o.workers; w++) {
        if (busy.has(w)) continue;
        const [lease] = await scheduler.lease(keys[w]!, 1);
        if (lease !== undefined) busy.set(w, { lease, ends: now + 1 + slowdown(w, done[w]!++) });
      }
      // the next unit to end (the lowest worker index first among equal times)
      const next = [...busy.entries()].sort((a, b) => a[1].ends - b[1].ends || a[0] - b[0])[0];
      if (next === undefined || next[1].ends > o.maxTime) break;
      const [w, { lease, ends }] = next;
      busy.delete(w);
      now = ends;
      const finalState = advanceState(lease.unit.startState, lease.unit.steps);
      const final = decodeState(finalState);
      const result = {
        assignmentId: lease.assignment.id,
        workerKey: keys[w]!,
        bestEnergy: final.bestEnergy,
        bestFold: foldToString(final.bestDirections, o.lattice),
        steps: lease.unit.steps,
        finalState,
        finalStateHash: new Uint8Array(32),
        merkleRoot: new Uint8Array(32),
        segments: [0],
        at: Math.round(now * 1000),
      };
      await scheduler.accept(result, (ctx) => creditFor(ctx, result));
      if (store.getJob(id)!.status === "done") break;
    }
    const job = store.getJob(id)!;
    const reached = job.bestEnergy !== null && job.bestEnergy <= o.eStar;
    return {
      reached,
      time: reached ? now : o.maxTime,
      steps: job.stepsDone,
      bestEnergy: job.bestEnergy,
      copies: copiesOf(store.listUnits(id)),
    };
  } finally {
    store.close();
  }
}
