/**
 * `SearchSnapshot`: everything that determines the future of a replica-exchange search, as
 * plain data — what the engine is built from and hands back, and what the canonical state
 * (sim/state-codec.ts) encodes.
 * @module
 */

import type { SearchParams } from "./params.js";

/** Everything that determines the future of a search: what the canonical state encodes. */
export interface SearchSnapshot {
  readonly params: SearchParams;
  /** xoshiro128** state words. */
  readonly rng: Uint32Array;
  /** Steps done since generation 0 of the trajectory. */
  readonly step: number;
  /** Replicas in temperature order: direction codes (n−1) and energy. */
  readonly replicas: readonly { readonly directions: Uint8Array; readonly energy: number }[];
  readonly bestEnergy: number;
  readonly bestStep: number;
  readonly bestDirections: Uint8Array;
}
