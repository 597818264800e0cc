import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  auditStarts,
  COOPERATION_MARGIN_CONTACTS,
  reseeded,
  stateScore,
} from "../../../coordinator/cooperation.js";
import { parseJobSpec } from "../../../coordinator/job-spec.js";
import { creditFor } from "../../../coordinator/ledger-credit.js";
import { DEFAULT_SCHEDULER_OPTIONS, Scheduler } from "../../../coordinator/scheduler.js";
import { settledStore } from "../../../coordinator/store/settled-store.js";
import { SqliteStore } from "../../../coordinator/store/sqlite-store.js";
import type { Lease } from "../../../coordinator/store/store.js";
import { foldToString } from "../../../sim/fold.js";
import { decodeState } from "../../../sim/state-codec.js";
import { advanceState } from "../../../sim/work-unit.js";
import { expectFoldnetError } from "../../helpers/errors.js";

/** The 2D 36-mer of the benchmarks: short units leave its trajectories far apart. */
const SEQ = "PPPHHPPHHPPPPPHHHHHHHPPHHPPPPHHPPHPP";
const UNIT = 4096;
const ALL = Number.MAX_SAFE_INTEGER;

/**
 * Runs a job of `trajectories` × `generations` through a store and scheduler, the units really
 * computed, accepting the leased units in the order `picks` chooses (several in flight, as
 * with several workers); returns the store and the job's id.
 */
async function runJob(
  trajectories: number,
  generations: number,
  picks: number[],
  cooperate?: boolean,
) {
  let now = 1_000_000;
  const store = new SqliteStore(":memory:"); // read directly; the scheduler takes its async view
  const scheduler = new Scheduler(DEFAULT_SCHEDULER_OPTIONS, {
    store: settledStore(store),
    now: () => now,
  });
  const job = await scheduler.submitJob(
    parseJobSpec({
      sequence: SEQ,
      trajectories,
      unitSteps: UNIT,
      steps: trajectories * generations * UNIT,
      ...(cooperate === undefined ? {} : { cooperate }),
    }),
  );
  const inFlight: Lease[] = [];
  for (let i = 0; ; i++) {
    inFlight.push(...(await scheduler.lease("aa".repeat(32), trajectories)));
    if (inFlight.length === 0) break;
    const [lease] = inFlight.splice((picks[i % picks.length] ?? 0) % inFlight.length, 1);
    const finalState = advanceState(lease!.unit.startState, lease!.unit.steps);
    const final = decodeState(finalState);
    now += 1_000;
    const result = {
      assignmentId: lease!.assignment.id,
      workerKey: lease!.assignment.workerKey,
      bestEnergy: final.bestEnergy,
      bestFold: foldToString(final.bestDirections, "square2d"),
      steps: lease!.unit.steps,
      finalState,
      finalStateHash: new Uint8Array(32),
      merkleRoot: new Uint8Array(32),
      segments: [0],
      at: now,
    };
    expect((await scheduler.accept(result, (ctx) => creditFor(ctx, result))).kind).toBe("accepted");
  }
  return { store, job: store.getJob(job.id)! };
}

describe("cooperation between a job's trajectories", () => {
  it("is on by default from 2 trajectories, off for one or when asked", () => {
    expect(parseJobSpec({ sequence: SEQ, steps: 1e6 }).cooperate).toBe(true);
    expect(parseJobSpec({ sequence: SEQ, steps: 1e6, trajectories: 1 }).cooperate).toBe(false);
    expect(parseJobSpec({ sequence: SEQ, steps: 1e6, cooperate: false }).cooperate).toBe(false);
  });

  it("an audit recomputes every start from the stored states, in any acceptance order", async () => {
    let cloned = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(fc.nat(7), { minLength: 1, maxLength: 12 }), async (picks) => {
        const { store, job } = await runJob(4, 4, picks);
        const units = store.listUnits(job.id);
        const states = store.acceptedStates(job.id, 0, ALL);
        expect(units.every((u) => u.status === "done")).toBe(true);
        cloned += auditStarts(job, units, states);
        // every start is a verified final state, its PRNG reseeded when it came from another trajectory
        for (const unit of units.filter((u) => u.generation > 0)) {
          const source = states.find((s) => s.unitId === unit.source)!;
          const own = source.trajectory === unit.trajectory;
          expect(source.generation).toBeGreaterThanOrEqual(unit.generation - 2);
          const { rng: _a, ...start } = decodeState(unit.startState);
          const { rng: _b, ...verified } = decodeState(source.finalState);
          expect(start).toEqual(verified);
          if (own) expect(unit.startState).toEqual(source.finalState);
          else {
            // a clone beats its own trajectory's last state by the margin (in HP contacts)
            const planner = states.find(
              (s) => s.trajectory === unit.trajectory && s.generation === unit.generation - 1,
            )!;
            expect(stateScore(source.finalState)).toBeLessThanOrEqual(
              stateScore(planner.finalState) - COOPERATION_MARGIN_CONTACTS,
            );
            expect(source.seq!).toBeLessThan(planner.seq!);
          }
        }
        store.close();
      }),
      { numRuns: 12 },
    );
    expect(cloned).toBeGreaterThan(0); // 12 jobs × 12 planned units: the rule did fire
  });

  it("refuses a tampered source or start state", async () => {
    const { store, job } = await runJob(4, 4, [0, 3, 1]);
    const units = store.listUnits(job.id);
    const states = store.acceptedStates(job.id, 0, ALL);
    auditStarts(job, units, states);
    const victim = units.findIndex((u) => u.generation === 2);
    const other = units.find(
      (u) => u.generation === 1 && u.id !== units[victim]!.source && u.trajectory !== 0,
    )!;
    const tampered = (change: Partial<(typeof units)[number]>) =>
      units.map((u, i) => (i === victim ? { ...u, ...change } : u));
    await expectFoldnetError(() => auditStarts(job, tampered({ source: other.id }), states), {
      code: "COOPERATION_ERROR_SOURCE",
      unitId: units[victim]!.id,
    });
    const otherState = states.find((s) => s.unitId === other.id)!.finalState;
    await expectFoldnetError(
      () => auditStarts(job, tampered({ startState: reseeded(otherState, 7n) }), states),
      { code: "COOPERATION_ERROR_START", unitId: units[victim]!.id },
    );
    // a generation-0 unit with a source, or with another seed, is refused too
    await expectFoldnetError(() => auditStarts(job, [{ ...units[0]!, source: other.id }], states), {
      code: "COOPERATION_ERROR_SOURCE",
    });
    store.close();
  });

  it("keeps independent trajectories when cooperation is off", async () => {
    const { store, job } = await runJob(3, 3, [2, 0], false);
    const units = store.listUnits(job.id);
    expect(auditStarts(job, units, store.acceptedStates(job.id, 0, ALL))).toBe(0);
    for (const u of units.filter((x) => x.generation > 0))
      expect(u.source).toBe(`${job.id}.t${u.trajectory}.g${u.generation - 1}`);
    store.close();
  });
});
