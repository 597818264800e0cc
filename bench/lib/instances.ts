/**
 * The HP benchmark instances of `bench/data` (public sequences with their best-known energies
 * E* and sources), as the benchmarks read them.
 * @module
 */
import { readFileSync } from "node:fs";
import type { LatticeName } from "../../sim/lattice.js";

/** One instance: a sequence on a lattice and its best-known energy. */
export interface Instance {
  id: string;
  lattice: LatticeName;
  sequence: string;
  bestEnergy: number;
}

/** The instances of `bench/data/<file>`. */
export const loadInstances = (file: string): Instance[] =>
  JSON.parse(readFileSync(new URL(`../data/${file}`, import.meta.url), "utf8"));
