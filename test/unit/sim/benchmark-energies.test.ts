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
  /** A published conformation reaching E*: absolute unit moves (F/B ±x, L/R ±y, U/D ±z). */
  referenceFold?: string;
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

const MOVES: Record<string, [number, number, number]> = {
  F: [1, 0, 0],
  B: [-1, 0, 0],
  L: [0, 1, 0],
  R: [0, -1, 0],
  U: [0, 0, 1],
  D: [0, 0, -1],
};

/** The cells of a chain laid out by absolute moves from the origin. */
function walk(moves: string): [number, number, number][] {
  const coords: [number, number, number][] = [[0, 0, 0]];
  for (const m of moves) {
    const [x, y, z] = coords.at(-1)!;
    const [dx, dy, dz] = MOVES[m]!;
    coords.push([x + dx, y + dy, z + dz]);
  }
  return coords;
}

describe("published conformations of the long 3D chains", () => {
  for (const inst of instances.filter((i) => i.referenceFold !== undefined)) {
    it(`${inst.id}: is a self-avoiding walk whose O(n²) energy is the E* recorded`, () => {
      const coords = walk(inst.referenceFold!);
      expect(coords).toHaveLength(inst.sequence.length);
      expect(new Set(coords.map((c) => c.join())).size).toBe(coords.length);
      expect(naiveEnergy(inst.sequence, coords)).toBe(inst.bestEnergy);
    });
  }
});

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
