/**
 * Reconnect delays: exponential backoff with "equal jitter" (AWS Architecture Blog,
 * "Exponential Backoff and Jitter", 2015). Attempt a waits a uniformly random time in
 * [c/2, c] with c = min(maxMs, initialMs·2^a): the random half spreads thousands of workers
 * that lost the same coordinator, the fixed half keeps each one from hammering it. The random
 * source is injected so tests see an exact schedule.
 * @module
 */

/** Delay of the first retry: quick enough that a coordinator restart costs little. */
export const BACKOFF_INITIAL_MS = 500;
/** Ceiling: a worker notices a coordinator that came back within half a minute. */
export const BACKOFF_MAX_MS = 30_000;

/** Options of a backoff schedule. */
export interface BackoffOptions {
  readonly initialMs?: number;
  readonly maxMs?: number;
  /** Uniform in [0, 1); default Math.random (jitter needs no cryptographic quality). */
  readonly random?: () => number;
}

/** An exponential backoff schedule with jitter. */
export class Backoff {
  readonly initialMs: number;
  readonly maxMs: number;
  private readonly random: () => number;
  private attempt = 0;

  /** @throws {RangeError} when a bound is not a positive number or initialMs > maxMs. */
  constructor(opts: BackoffOptions = {}) {
    this.initialMs = opts.initialMs ?? BACKOFF_INITIAL_MS;
    this.maxMs = opts.maxMs ?? BACKOFF_MAX_MS;
    this.random = opts.random ?? Math.random;
    if (!(this.initialMs > 0)) throw new RangeError("initialMs must be positive");
    if (!(this.maxMs >= this.initialMs)) throw new RangeError("maxMs must be at least initialMs");
  }

  /** Failed attempts since the last reset. */
  get attempts(): number {
    return this.attempt;
  }

  /** The un-jittered ceiling of the next delay: min(maxMs, initialMs·2^attempts). */
  ceiling(): number {
    return Math.min(this.maxMs, this.initialMs * 2 ** Math.min(this.attempt, 52));
  }

  /** The delay before the next attempt, in whole ms; advances the schedule. */
  next(): number {
    const ceiling = this.ceiling();
    this.attempt++;
    const raw = this.random();
    const r = raw >= 0 ? Math.min(raw, 1) : 0; // NaN and negatives count as 0
    return Math.round(ceiling / 2 + (r * ceiling) / 2);
  }

  /** Back to the first delay (after a successful handshake). */
  reset(): void {
    this.attempt = 0;
  }
}
