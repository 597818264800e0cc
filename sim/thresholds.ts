/**
 * Integer acceptance thresholds for Metropolis moves and replica exchange, computed without
 * floating point so every machine gets the same bits (docs/design.md "Determinism contract").
 * A threshold is ⌊exp(−x)·2³²⌋ for a rational x = a/b, evaluated in 128-bit BigInt fixed
 * point (argument halving, Taylor series, repeated squaring). A move is accepted when the
 * next uint32 is below the threshold. Temperatures are integers in milli-units (T = 1.5 is
 * 1500), so every argument is an exact rational.
 * @module
 */

const PRECISION = 128n;
const ONE = 1n << PRECISION;
/** exp(−x)·2³² < 1 for x > 32·ln 2 ≈ 22.2: thresholds past this are zero. */
const ZERO_BEYOND = 23n;

/** ⌊exp(−a/b)·2³²⌋, clamped to 2³²−1, for integers a ≥ 0, b > 0. */
export function expThreshold(a: bigint, b: bigint): number {
  if (a === 0n) return 0xffffffff;
  if (a >= ZERO_BEYOND * b) return 0;
  let halvings = 0n;
  while (b << halvings <= a) halvings++;
  const x = (a << PRECISION) / (b << halvings);
  let term = ONE;
  let sum = ONE;
  for (let k = 1n; term !== 0n; k++) {
    term = (term * x) / ONE / k;
    sum += k % 2n === 1n ? -term : term;
  }
  for (let i = 0n; i < halvings; i++) sum = (sum * sum) >> PRECISION;
  const threshold = (sum << 32n) >> PRECISION;
  return threshold > 0xffffffffn ? 0xffffffff : Number(threshold);
}

/**
 * Metropolis thresholds: row k (temperature k) holds ⌊exp(−ΔE/T_k)·2³²⌋ for ΔE = 0…maxDelta,
 * flattened to `k·(maxDelta+1) + ΔE`.
 */
export function metropolisTable(
  temperaturesMilli: readonly number[],
  maxDelta: number,
): Uint32Array {
  const row = maxDelta + 1;
  const table = new Uint32Array(temperaturesMilli.length * row);
  temperaturesMilli.forEach((t, k) => {
    for (let d = 1; d <= maxDelta; d++) {
      const v = expThreshold(BigInt(d) * 1000n, BigInt(t));
      table[k * row + d] = v;
      if (v === 0) break;
    }
    table[k * row] = 0xffffffff;
  });
  return table;
}

/**
 * Replica-exchange thresholds: row k (pair k, k+1 with T_k < T_k+1) holds
 * ⌊exp(−(1/T_k − 1/T_k+1)·ΔE)·2³²⌋ for ΔE = E_k+1 − E_k = 0…maxDelta.
 */
export function exchangeTable(temperaturesMilli: readonly number[], maxDelta: number): Uint32Array {
  const row = maxDelta + 1;
  const pairs = Math.max(0, temperaturesMilli.length - 1);
  const table = new Uint32Array(pairs * row);
  for (let k = 0; k < pairs; k++) {
    const tLow = BigInt(temperaturesMilli[k] as number);
    const tHigh = BigInt(temperaturesMilli[k + 1] as number);
    table[k * row] = 0xffffffff;
    for (let d = 1; d <= maxDelta; d++) {
      const v = expThreshold(BigInt(d) * 1000n * (tHigh - tLow), tLow * tHigh);
      table[k * row + d] = v;
      if (v === 0) break;
    }
  }
  return table;
}

/** Both tables of a ladder, as the engine uses them (read-only: never write into them). */
export interface ThresholdTables {
  readonly metropolis: Uint32Array;
  readonly exchange: Uint32Array;
}

/**
 * Most ladders whose tables are kept. Building them costs milliseconds of BigInt arithmetic —
 * far more than replaying a spot-check segment — while a coordinator or worker sees few
 * distinct ladders, so each is computed once.
 */
const TABLE_CACHE_SIZE = 64;
const tableCache = new Map<string, ThresholdTables>();

/** The Metropolis and exchange tables of a ladder, computed once per (ladder, maxDelta). */
export function thresholdTables(
  temperaturesMilli: readonly number[],
  maxDelta: number,
): ThresholdTables {
  const key = `${temperaturesMilli.join(",")}/${maxDelta}`;
  let tables = tableCache.get(key);
  if (tables === undefined) {
    tables = {
      metropolis: metropolisTable(temperaturesMilli, maxDelta),
      exchange: exchangeTable(temperaturesMilli, maxDelta),
    };
    if (tableCache.size >= TABLE_CACHE_SIZE)
      tableCache.delete(tableCache.keys().next().value as string);
    tableCache.set(key, tables);
  }
  return tables;
}
