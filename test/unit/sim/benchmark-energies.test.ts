import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { layOut, parseFold } from "../../../sim/fold.js";
import type { LatticeName } from "../../../sim/lattice.js";
import { createSearch, summarize } from "../../../sim/search.js";

interface Instance {
  id: string;
  lattice: LatticeName;
  sequence: string;
  bestEnergy: number;
}
const load = (file: string): Instance[] =>
  JSON.parse(readFileSync(new URL(`../../../bench/data/${file}`, import.meta.url), "utf8"));
const instances = [
  ...load("hp-benchmarks.json"),
  ...load("extra-instances.json"),
  ...load("hp-long.json"),
];

/** The plainest possible energy: every pair of residues, Manhattan distance 1, O(n²). */
function naiveEnergy(sequence: string, coords: [number, number, number][]): number {
  let e = 0;
  for (let i = 0; i < coords.length; i++) {
    for (let j = i + 2; j < coords.length; j++) {
      const [a, b] = [coords[i]!, coords[j]!];
      const d = Math.abs(a[0] - b[0]) + Math.abs(a[1] - b[1]) + Math.abs(a[2] - b[2]);
      if (d === 1 && sequence[i] === "H" && sequence[j] === "H") e--;
    }
  }
  return e;
}

describe("energies of folds of the benchmark chains", () => {
  for (const inst of instances) {
    it(`${inst.id}: the engine's best fold has the energy the O(n²) reference gives, never below E*`, () => {
      const search = createSearch({ sequence: inst.sequence, lattice: inst.lattice, seed: 3 });
      search.run(300_000);
      const { bestFold, bestEnergy } = summarize(search);
      const coords = layOut(parseFold(bestFold, inst.sequence.length, inst.lattice), inst.lattice);
      expect(naiveEnergy(inst.sequence, coords)).toBe(bestEnergy);
      expect(bestEnergy).toBeGreaterThanOrEqual(inst.bestEnergy);
      expect(bestEnergy).toBeLessThan(0);
    });
  }
});
