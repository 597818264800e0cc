/**
 * Simulation test helpers: random self-avoiding conformations and the reference check of a
 * search's replicas against the plain energy function of sim/fold.ts.
 * @module
 */
import { expect } from "vitest";
import type { ReplicaExchangeSearch } from "../../sim/engine.js";
import { energyOfCoordinates, layOut } from "../../sim/fold.js";

/** Asserts every replica of `search` is a valid self-avoiding chain with the energy it claims. */
export function expectConsistentReplicas(search: ReplicaExchangeSearch): void {
  const { sequence, lattice, model } = search.params;
  for (let k = 0; k < search.params.temperaturesMilli.length; k++) {
    const coords = layOut(search.directionsAt(k), lattice);
    expect(coords).toHaveLength(sequence.length);
    expect(search.energyAt(k)).toBe(energyOfCoordinates(sequence, coords, lattice, model));
    expect(search.bestEnergy).toBeLessThanOrEqual(search.energyAt(k));
  }
}
