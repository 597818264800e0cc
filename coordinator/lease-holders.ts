/**
 * Which open connection holds which lease, on this coordinator: every assignment handed out on
 * a session (or adopted by it from a worker's progress after a restart) until its verdict, a
 * revocation or the session's end, indexed by job and unit. When a job ends (cancelled, target
 * reached, budget spent) or another lease's result for a unit is accepted, `revoke` sends a
 * `revoke` frame to each session that holds one of those leases, so its worker stops computing
 * at once instead of returning a stale result (docs/coordinator.md "Revocation"). A result
 * already committed is not revoked: its verdict (stale) follows. `revokeReasonOf` tells from a
 * stored lease whether, and why, it should be revoked (for a worker that reports progress on a
 * lease it missed the frame for).
 * @module
 */
import type { FrameOf, RevokeReason } from "../protocol/frames.js";
import type { Lease } from "./store/store.js";

/** Which leases to revoke: every lease of a job, or the other leases of a unit. */
export type RevokeScope =
  | { readonly jobId: string; readonly reason: "REVOKE_JOB_CANCELLED" | "REVOKE_JOB_DONE" }
  | { readonly unitId: string; readonly except: string; readonly reason: "REVOKE_UNIT_DONE" };

/** What holds leases: a worker's session. */
export interface LeaseHolder {
  send(frame: FrameOf<"revoke">): void;
}

/** One held lease. */
interface Held {
  readonly holder: LeaseHolder;
  readonly jobId: string;
  readonly unitId: string;
  committed: boolean;
}

/** Why a stored lease should be revoked now, if it should: its job ended or its unit is done. */
export function revokeReasonOf({ job, unit }: Lease): RevokeReason | undefined {
  if (job.status === "cancelled") return "REVOKE_JOB_CANCELLED";
  if (job.status === "done") return "REVOKE_JOB_DONE";
  if (unit.status === "done" || unit.status === "cancelled") return "REVOKE_UNIT_DONE";
  return undefined;
}

/** Adds `id` to the set of `key` in `index`. */
function addTo(index: Map<string, Set<string>>, key: string, id: string): void {
  const set = index.get(key);
  if (set === undefined) index.set(key, new Set([id]));
  else set.add(id);
}

/** Removes `id` from the set of `key` in `index`, and the set when empty. */
function removeFrom(index: Map<string, Set<string>>, key: string, id: string): void {
  const set = index.get(key);
  set?.delete(id);
  if (set?.size === 0) index.delete(key);
}

/** The leases held by open sessions, by assignment id (hex), job, unit and session. */
export class LeaseHolders {
  private readonly byAssignment = new Map<string, Held>();
  private readonly byJob = new Map<string, Set<string>>();
  private readonly byUnit = new Map<string, Set<string>>();
  private readonly byHolder = new Map<LeaseHolder, Set<string>>();

  /** Called with each revoked lease's reason (metrics). */
  constructor(private readonly onRevoked?: (reason: RevokeReason) => void) {}

  /** Leases held now. */
  get size(): number {
    return this.byAssignment.size;
  }

  /** `holder` holds lease `id` of unit `unitId` of job `jobId` (a later holder takes it over). */
  hold(id: string, holder: LeaseHolder, jobId: string, unitId: string): void {
    const held = this.byAssignment.get(id);
    if (held?.holder === holder) return;
    if (held !== undefined) this.release(id);
    this.byAssignment.set(id, { holder, jobId, unitId, committed: false });
    addTo(this.byJob, jobId, id);
    addTo(this.byUnit, unitId, id);
    const mine = this.byHolder.get(holder);
    if (mine === undefined) this.byHolder.set(holder, new Set([id]));
    else mine.add(id);
  }

  /** The lease's result was committed: it is past revoking (its verdict follows). */
  committed(id: string): void {
    const held = this.byAssignment.get(id);
    if (held !== undefined) held.committed = true;
  }

  /** The lease is no longer held (its verdict was sent, or it failed). */
  release(id: string): void {
    const held = this.byAssignment.get(id);
    if (held === undefined) return;
    this.byAssignment.delete(id);
    removeFrom(this.byJob, held.jobId, id);
    removeFrom(this.byUnit, held.unitId, id);
    const mine = this.byHolder.get(held.holder);
    mine?.delete(id);
    if (mine?.size === 0) this.byHolder.delete(held.holder);
  }

  /** The leases `holder` holds (assignment ids, hex). */
  heldBy(holder: LeaseHolder): string[] {
    return [...(this.byHolder.get(holder) ?? [])];
  }

  /** Forgets every lease of a session that closed; returns their ids. */
  releaseAll(holder: LeaseHolder): string[] {
    const ids = this.heldBy(holder);
    for (const id of ids) this.release(id);
    return ids;
  }

  /**
   * Sends a `revoke` frame for every uncommitted lease in `scope` to its holder and forgets
   * the lease; returns how many were revoked.
   */
  revoke(scope: RevokeScope): number {
    const ids = "jobId" in scope ? this.byJob.get(scope.jobId) : this.byUnit.get(scope.unitId);
    let revoked = 0;
    for (const id of [...(ids ?? [])]) {
      const held = this.byAssignment.get(id)!;
      if (held.committed || ("except" in scope && scope.except === id)) continue;
      this.release(id);
      this.send(held.holder, id, scope.reason);
      revoked++;
    }
    return revoked;
  }

  /** Sends one `revoke` frame (also for a lease no session holds any more) and counts it. */
  send(holder: LeaseHolder, id: string, reason: RevokeReason): void {
    holder.send({ kind: "revoke", assignmentId: Buffer.from(id, "hex"), reason });
    this.onRevoked?.(reason);
  }
}
