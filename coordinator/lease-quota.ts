/**
 * Per-key lease quotas, as BOINC keeps a per-host daily quota: a new key may hold few active
 * leases; each accepted result doubles its quota (up to a ceiling), a missed deadline halves
 * it and a rejected result drops it to the floor. A key that hoards units it never returns,
 * or returns bad results, soon holds at most one; an honest host grows to its full thread
 * count within a handful of results. (The per-thread bound of the session still applies.)
 * @module
 */

/** The quota rules. */
export interface LeaseQuotaPolicy {
  /** Quota of a key never seen before. */
  readonly initial: number;
  /** Least quota (after a rejection). */
  readonly floor: number;
  /** Greatest quota. */
  readonly ceiling: number;
}

/** Defaults: start at 2, never below 1, at most 1,024 active leases per key. */
export const DEFAULT_LEASE_QUOTA_POLICY: LeaseQuotaPolicy = {
  initial: 2,
  floor: 1,
  ceiling: 1_024,
};

/** What changes a quota. */
export type QuotaEvent = "accepted" | "missed" | "rejected";

/** The quota after `event`. */
export function nextQuota(policy: LeaseQuotaPolicy, quota: number, event: QuotaEvent): number {
  switch (event) {
    case "accepted":
      return Math.min(policy.ceiling, quota * 2);
    case "missed":
      return Math.max(policy.floor, Math.floor(quota / 2));
    case "rejected":
      return policy.floor;
  }
}
