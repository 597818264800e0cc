/**
 * Starting, resuming and summarising searches: the entry points other parts of foldnet use
 * (the CLI's `fold`, the worker's thread task, the verifier's replay).
 * @module
 */
import { ReplicaExchangeSearch } from "./engine.js";
import { foldToString } from "./fold.js";
import { resolveSearchParams, type SearchOptions, type SearchParams } from "./params.js";
import { seedXoshiro128 } from "./prng.js";
import type { SearchSnapshot } from "./search-snapshot.js";
import { decodeState, encodeState, stateHash } from "./state-codec.js";

/** The generation-0 state of a trajectory: every replica a straight chain along +x. */
export function initialSnapshot(params: SearchParams, seed: bigint | number): SearchSnapshot {
  const n = params.sequence.length;
  const straight = new Uint8Array(n - 1);
  return {
    params,
    rng: seedXoshiro128(seed),
    step: 0,
    replicas: params.temperaturesMilli.map(() => ({ directions: straight, energy: 0 })),
    bestEnergy: 0,
    bestStep: 0,
    bestDirections: straight,
  };
}

/**
 * A new search at generation 0.
 * @throws {SimError} naming the first bad option.
 */
export function createSearch(
  options: SearchOptions & { readonly seed: bigint | number },
): ReplicaExchangeSearch {
  return new ReplicaExchangeSearch(initialSnapshot(resolveSearchParams(options), options.seed));
}

/**
 * Resumes a search from its canonical state bytes.
 * @throws {SimError} SIM_ERROR_BAD_STATE (or a field error) when the bytes are not a valid state.
 */
export function resumeSearch(state: Uint8Array): ReplicaExchangeSearch {
  return new ReplicaExchangeSearch(decodeState(state));
}

/** The canonical state bytes of a search. */
export function searchState(search: ReplicaExchangeSearch): Uint8Array {
  return encodeState(search.snapshot());
}

/** The hash of a search's canonical state. */
export function searchStateHash(search: ReplicaExchangeSearch): Uint8Array {
  return stateHash(searchState(search));
}

/** What a search has found, in the interchange encoding. */
export interface SearchSummary {
  readonly sequence: string;
  readonly lattice: string;
  readonly steps: number;
  readonly bestEnergy: number;
  readonly bestFold: string;
  readonly bestStep: number;
}

/** Summarises a search's best-so-far. */
export function summarize(search: ReplicaExchangeSearch): SearchSummary {
  return {
    sequence: search.params.sequence,
    lattice: search.params.lattice,
    steps: search.step,
    bestEnergy: search.bestEnergy,
    bestFold: foldToString(search.bestDirections(), search.params.lattice),
    bestStep: search.bestStep,
  };
}
