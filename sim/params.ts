/**
 * Search parameters of a work unit — everything besides the start state that fixes a
 * trajectory — with their validation and defaults. Defaults were tuned with
 * `npm run bench:quality` (see docs/sim.md).
 * @module
 */
import { SimError } from "./errors.js";
import { type LatticeName, parseLattice } from "./lattice.js";
import { DEFAULT_MODEL, type ModelName, parseModel } from "./model.js";
import { parseSequence } from "./sequence.js";

/** Most replicas one search may run (memory: one occupancy box per replica). */
export const MAX_REPLICAS = 32;
/** Temperatures are integers in milli-units of the model's energy within this range (0.001 … 1000). */
export const MIN_TEMPERATURE_MILLI = 1;
export const MAX_TEMPERATURE_MILLI = 1_000_000;
/** Longest run of attempts on one replica between two exchange rounds. */
export const MAX_EXCHANGE_INTERVAL = 1_000_000;

/** The parameters that, with a start state, fix a trajectory. */
export interface SearchParams {
  /** Residue letters of the model's alphabet. */
  readonly sequence: string;
  readonly lattice: LatticeName;
  /** Energy model (`hp` unless said otherwise). */
  readonly model: ModelName;
  /** Replica temperatures in milli-units, strictly increasing (the ladder). */
  readonly temperaturesMilli: readonly number[];
  /** Move attempts on each replica between two replica-exchange rounds. */
  readonly exchangeInterval: number;
}

/** Options a caller may leave out; `defaultSearchParams` fills them. */
export interface SearchOptions {
  readonly sequence: string;
  readonly lattice: LatticeName;
  readonly model?: ModelName;
  readonly replicas?: number;
  readonly temperaturesMilli?: readonly number[];
  readonly exchangeInterval?: number;
}

/** Default HP ladder ends (milli-units) and exchange interval; see docs/sim.md for the tuning. */
export const DEFAULT_T_MIN_MILLI = 160;
export const DEFAULT_T_MAX_MILLI = 1000;
/**
 * A typical contact of each model in its energy units: HP's one H–H contact, MJ's mean
 * strength (3 RT = 300 units). Scales what is set in HP units to the model: the ladder, the
 * coordinator's cooperation margin (coordinator/cooperation.ts).
 */
export const MODEL_ENERGY_UNIT: Readonly<Record<ModelName, number>> = { hp: 1, mj: 300 };
/**
 * Default ladder ends of each model (milli-units of its energy): the HP ladder scaled by the
 * model's energy unit (MJ: 48,000…300,000); not tuned for MJ (docs/sim.md).
 */
const ladderEnds = (model: ModelName): [number, number] => [
  DEFAULT_T_MIN_MILLI * MODEL_ENERGY_UNIT[model],
  DEFAULT_T_MAX_MILLI * MODEL_ENERGY_UNIT[model],
];
export const DEFAULT_REPLICAS = 8;
export const DEFAULT_EXCHANGE_INTERVAL = 500;

/** A geometric temperature ladder from tMin to tMax with `replicas` rungs, in milli-units. */
export function geometricLadder(
  replicas: number,
  tMin = DEFAULT_T_MIN_MILLI,
  tMax = DEFAULT_T_MAX_MILLI,
): number[] {
  if (replicas === 1) return [tMin];
  const ladder: number[] = [];
  for (let k = 0; k < replicas; k++) {
    ladder.push(Math.round(tMin * (tMax / tMin) ** (k / (replicas - 1))));
  }
  return ladder;
}

/**
 * Fills defaults and validates every field.
 * @throws {SimError} naming the first bad field.
 */
export function resolveSearchParams(options: SearchOptions): SearchParams {
  const model = parseModel(options.model ?? DEFAULT_MODEL);
  const sequence = parseSequence(options.sequence, "sequence", model);
  const lattice = parseLattice(options.lattice);
  const replicas = options.temperaturesMilli?.length ?? options.replicas ?? DEFAULT_REPLICAS;
  checkInteger(replicas, "replicas", 1, MAX_REPLICAS);
  const temperaturesMilli =
    options.temperaturesMilli ?? geometricLadder(replicas, ...ladderEnds(model));
  temperaturesMilli.forEach((t, k) => {
    checkInteger(t, `temperaturesMilli[${k}]`, MIN_TEMPERATURE_MILLI, MAX_TEMPERATURE_MILLI);
    if (k > 0 && t <= (temperaturesMilli[k - 1] as number)) {
      throw new SimError(
        { code: "SIM_ERROR_BAD_PARAMETER", field: `temperaturesMilli[${k}]` },
        "temperaturesMilli must be strictly increasing",
      );
    }
  });
  const exchangeInterval = options.exchangeInterval ?? DEFAULT_EXCHANGE_INTERVAL;
  checkInteger(exchangeInterval, "exchangeInterval", 1, MAX_EXCHANGE_INTERVAL);
  return { sequence, lattice, model, temperaturesMilli: [...temperaturesMilli], exchangeInterval };
}

/**
 * Checks that `value` is an integer in [min, max].
 * @throws {SimError} SIM_ERROR_BAD_PARAMETER naming `field`.
 */
export function checkInteger(value: unknown, field: string, min: number, max: number): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw new SimError(
      { code: "SIM_ERROR_BAD_PARAMETER", field },
      `${field} must be an integer in [${min}, ${max}], got ${String(value)}`,
    );
  }
  return value;
}
