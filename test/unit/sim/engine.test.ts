import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ReplicaExchangeSearch } from "../../../sim/engine.js";
import { LATTICES, type LatticeName } from "../../../sim/lattice.js";
import { MODELS, type ModelName, modelSpec } from "../../../sim/model.js";
import { resolveSearchParams } from "../../../sim/params.js";
import {
  createSearch,
  initialSnapshot,
  resumeSearch,
  searchState,
  searchStateHash,
} from "../../../sim/search.js";
import type { SearchSnapshot } from "../../../sim/search-snapshot.js";
import { expectConsistentReplicas } from "../../helpers/sim.js";

const sequenceOf = (model: ModelName, min: number, max: number) =>
  fc
    .array(fc.constantFrom(...modelSpec(model).alphabet), { minLength: min, maxLength: max })
    .map((a) => a.join(""));
const hpSequence = (min: number, max: number) => sequenceOf("hp", min, max);
const lattice = fc.constantFrom("square2d" as const, "cubic3d" as const);
/** A chain on any lattice under any model. */
const chain = (min: number, max: number) =>
  fc
    .tuple(fc.constantFrom(...LATTICES), fc.constantFrom(...MODELS))
    .chain(([lat, model]) =>
      sequenceOf(model, min, max).map((sequence) => ({ lattice: lat, model, sequence })),
    );

describe("replica-exchange engine: move invariants", () => {
  it("keeps every replica connected, self-avoiding and at its recomputed energy after any steps (every lattice and model)", () => {
    fc.assert(
      fc.property(
        chain(2, 40),
        fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
        fc.array(fc.integer({ min: 1, max: 700 }), { minLength: 1, maxLength: 12 }),
        (c, seed, chunks) => {
          const search = createSearch({
            ...c,
            seed,
            replicas: 3,
            exchangeInterval: 50,
          });
          for (const steps of chunks) {
            search.run(steps);
            expectConsistentReplicas(search);
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  const everyAttempt: [LatticeName, ModelName, string][] = [
    ["square2d", "hp", "HPHPPHHPHPPHPHHPPHPHHHPPHHPHPH"],
    ["fcc3d", "hp", "HPHPPHHPHPPHPHHPPHPHHHPPHHPHPH"],
    ["fcc3d", "mj", "MKVLAAGIVGLLLAACSSEKWYFDRNQTPH"],
  ];
  for (const [lat, model, sequence] of everyAttempt) {
    it(`checks every single attempt on a long chain (${lat}, ${model}): ΔE equals the full recompute each step`, () => {
      const search = createSearch({
        sequence,
        lattice: lat,
        model,
        seed: 7,
        replicas: 2,
        exchangeInterval: 10,
      });
      for (let t = 0; t < 5_000; t++) {
        search.run(1);
        expectConsistentReplicas(search);
      }
      expect(search.bestEnergy).toBeLessThan(0);
    });
  }

  /** Every pull (up to `skips` skips) from a state 300 steps in has a reverse (up to `reverseSkips`). */
  const expectPullsReversible = (
    sequence: string,
    lat: LatticeName,
    seed: number,
    skips: number,
    reverseSkips: number,
  ) => {
    const search = createSearch({ sequence, lattice: lat, seed, replicas: 1 });
    search.run(300);
    const start = Array.from(search.directionsAt(0)).join();
    for (const after of pullNeighbours(search.snapshot(), skips)) {
      const back = pullReaches(after, start, reverseSkips);
      expect(back, `a pull from ${start} has no reverse`).toBe(true);
    }
  };

  // A reverse may have to pass over more places to stop than the forward pull did (a helix
  // touches itself often): the engine proposes up to 8+ skips, the test looks up to 6.
  it("pull moves are reversible: every pull A→B has a pull B→A", () => {
    fc.assert(
      fc.property(
        hpSequence(4, 11),
        lattice,
        fc.integer({ min: 0, max: 2 ** 31 }),
        (sequence, lat, seed) => expectPullsReversible(sequence, lat, seed, 2, 6),
      ),
      { numRuns: 8 },
    );
  });

  it("FCC pull moves are reversible too (short chains)", () => {
    fc.assert(
      fc.property(hpSequence(4, 6), fc.integer({ min: 0, max: 2 ** 31 }), (sequence, seed) =>
        expectPullsReversible(sequence, "fcc3d", seed, 1, 3),
      ),
      { numRuns: 2 },
    );
  });
});

/** Every conformation one pull move (passing over at most maxSkips places to stop) away from replica 0. */
function* pullNeighbours(from: SearchSnapshot, maxSkips: number): Generator<SearchSnapshot> {
  let probe = new ReplicaExchangeSearch(from);
  for (let i = 0; i < probe.n; i++) {
    for (const side of [1, -1] as const) {
      for (let target = 0; target < probe.maxPullTargets; target++) {
        for (let skips = 0; skips <= maxSkips; skips++) {
          if (!probe.applyPull(0, i, side, target, skips)) continue;
          yield probe.snapshot();
          probe = new ReplicaExchangeSearch(from);
        }
      }
    }
  }
}

/** True when one pull move takes `from` to the conformation `directions` (stops at the first). */
function pullReaches(from: SearchSnapshot, directions: string, maxSkips: number): boolean {
  for (const s of pullNeighbours(from, maxSkips)) {
    if (Array.from(s.replicas[0]!.directions).join() === directions) return true;
  }
  return false;
}

describe("determinism: canonical state and resume", () => {
  it("a run split into resumed pieces equals the unsplit run, byte for byte (every lattice and model)", () => {
    fc.assert(
      fc.property(
        chain(10, 48),
        fc.integer({ min: 0, max: 2 ** 31 }),
        fc.array(fc.integer({ min: 0, max: 3000 }), { maxLength: 6 }),
        (c, seed, pieces) => {
          const total = pieces.reduce((a, b) => a + b, 0);
          const whole = createSearch({
            ...c,
            seed,
            replicas: 4,
            exchangeInterval: 97,
          });
          whole.run(total);
          let split = createSearch({
            ...c,
            seed,
            replicas: 4,
            exchangeInterval: 97,
          });
          for (const steps of pieces) {
            split.run(steps);
            split = resumeSearch(searchState(split));
          }
          expect(searchState(split)).toEqual(searchState(whole));
        },
      ),
      { numRuns: 40 },
    );
  });

  it("encodes and decodes every state losslessly", () => {
    const search = createSearch({ sequence: "HHPPHPHPPHHPHPPHHPHH", lattice: "cubic3d", seed: 3n });
    search.run(20_000);
    const bytes = searchState(search);
    expect(searchState(resumeSearch(bytes))).toEqual(bytes);
  });

  it("has a golden state hash for a fixed 3D work unit (non-regression)", () => {
    const search = createSearch({
      sequence: "HPHHPPHHHHPHHHPPHHPPHPHHHPHPHHPPHHPPPHPPPPPPPPHH",
      lattice: "cubic3d",
      seed: 42,
    });
    search.run(200_000);
    expect(Buffer.from(searchStateHash(search)).toString("hex")).toMatchSnapshot();
    expect(search.bestEnergy).toMatchSnapshot();
  });

  it("has a golden state hash for a fixed work unit (non-regression)", () => {
    const search = createSearch({
      sequence: "HPHPPHHPHPPHPHHPPHPH",
      lattice: "square2d",
      seed: 42,
    });
    search.run(100_000);
    expect(Buffer.from(searchStateHash(search)).toString("hex")).toMatchSnapshot();
    expect(search.bestEnergy).toMatchSnapshot();
  });

  it("has a golden state hash for a fixed FCC / MJ work unit (non-regression)", () => {
    const search = createSearch({
      sequence: "MKVLAAGIVGLLLAACSSEKWYFDRNQTPH",
      lattice: "fcc3d",
      model: "mj",
      seed: 42,
    });
    search.run(100_000);
    expect(Buffer.from(searchStateHash(search)).toString("hex")).toMatchSnapshot();
    expect(search.bestEnergy).toMatchSnapshot();
  });

  it("starts generation 0 from straight chains at energy 0", () => {
    const params = resolveSearchParams({ sequence: "HPPH", lattice: "square2d" });
    const snap = initialSnapshot(params, 1);
    expect(snap.replicas.every((r) => r.energy === 0 && r.directions.every((d) => d === 0))).toBe(
      true,
    );
  });
});
