/**
 * Units a worker reports it cannot run (`unitFailed`), and what a key that reports them may
 * still take. A failure is no lie (no strike), but it must not pay either: a key that fails
 * everything would otherwise lease, fail and lease again in a loop, charging the units'
 * accounts their fair share (decision 54) and churning the store. So each failure
 *  - ends the lease and queues the unit at once for other keys, but not for the same key before
 *    `retryAfterMs` (store: `failLease`);
 *  - halves the key's lease quota, as a missed deadline does (lease-quota.ts);
 *  - counts against `maxPerWindow` failures per key per `windowMs`: past it the key is leased
 *    nothing until its oldest failure leaves the window (its work requests get `noWork`).
 * The counts live in this process (a restart forgets them, like the waitlist); the map holds
 * one entry per key with a failure in the window (`prune`, from the scheduler's sweep, drops
 * the others), each at most `maxPerWindow` times long.
 * @module
 */
import { UNIT_FAILURE_REASONS, type UnitFailureReason } from "../protocol/frames.js";

/** The rules of unit failures. */
export interface UnitFailurePolicy {
  /** Most failures a key may report per window before it is leased nothing. */
  readonly maxPerWindow: number;
  readonly windowMs: number;
  /** How long a failed unit is kept from the key that failed it (others may take it at once). */
  readonly retryAfterMs: number;
}

/**
 * Defaults: 20 failures an hour (an honest worker whose sim lacks a lattice fails one unit of
 * each such job it is given; a crashing machine is told to stop), a failed unit kept from its
 * key for 10 minutes.
 */
export const DEFAULT_UNIT_FAILURE_POLICY: UnitFailurePolicy = {
  maxPerWindow: 20,
  windowMs: 3_600_000,
  retryAfterMs: 600_000,
};

/** The reason to count a failure under: a known one, else UNIT_FAILED_OTHER. */
export function failureReason(reason: string): UnitFailureReason {
  return (UNIT_FAILURE_REASONS as readonly string[]).includes(reason)
    ? (reason as UnitFailureReason)
    : "UNIT_FAILED_OTHER";
}

/** Failures per key within the window. */
export class UnitFailures {
  /** Times of each key's failures in the window, oldest first. */
  private readonly times = new Map<string, number[]>();

  constructor(private readonly policy: UnitFailurePolicy) {}

  /** Records a failure of `key` at `now`. */
  record(key: string, now: number): void {
    const times = this.recent(key, now);
    times.push(now);
    // only the newest maxPerWindow matter to `blocked`
    if (times.length > this.policy.maxPerWindow) times.shift();
    this.times.set(key, times);
  }

  /** True while `key` has reported `maxPerWindow` failures within the window. */
  blocked(key: string, now: number): boolean {
    return this.recent(key, now).length >= this.policy.maxPerWindow;
  }

  /** Keys with failures in the window. */
  get size(): number {
    return this.times.size;
  }

  /** Forgets the keys whose failures have all left the window. */
  prune(now: number): void {
    for (const key of this.times.keys()) this.recent(key, now);
  }

  /** `key`'s failure times still in the window (the key is forgotten when none are). */
  private recent(key: string, now: number): number[] {
    const times = (this.times.get(key) ?? []).filter((t) => now - t < this.policy.windowMs);
    if (times.length === 0) this.times.delete(key);
    else this.times.set(key, times);
    return times;
  }
}
