/**
 * Progress-based leases, one connection's side: the `progress` frames of a session's units,
 * checked (the key's own active lease, steps done advancing and within the unit) and turned into
 * lease extensions by `Scheduler.progress`. The session remembers each unit's last report and
 * deadline, so a report costs the store nothing until the deadline is within half a grace, then
 * one read and one write (docs/coordinator.md "Leases"). A report on a lease of the key whose
 * job has ended or whose unit is done is answered with the reason to revoke it: its worker
 * missed the `revoke` frame (it was disconnected, or restarted on its spool).
 * @module
 */
import { bytesToHex } from "@noble/hashes/utils.js";
import type { FrameOf, RevokeReason } from "../protocol/frames.js";
import { revokeReasonOf } from "./lease-holders.js";
import type { Scheduler } from "./scheduler.js";
import type { Store } from "./store/store.js";

/** What the tracker needs from the coordinator. */
export interface LeaseProgressDeps {
  readonly store: Pick<Store, "getLease">;
  readonly scheduler: Pick<Scheduler, "progress" | "progressGraceMs">;
  readonly now: () => number;
}

/**
 * Why a report did not count (for logs and tests), or the reason to revoke its lease (its job
 * ended or its unit is done); undefined when it counted.
 */
export type ProgressIgnored = "unknown-lease" | "not-advancing" | RevokeReason;

/** The job and unit of a lease whose reports count. */
export interface ReportedUnit {
  readonly jobId: string;
  readonly unitId: string;
}

/** The progress reports of one authenticated worker's session. */
export class LeaseProgress {
  private readonly seen = new Map<
    string,
    { stepsDone: number; deadline: number; unit: ReportedUnit }
  >();
  /** Leases revoked on this session: their reports are ignored without a store read. */
  private readonly revoked = new Set<string>();

  constructor(
    private readonly workerKeyHex: string,
    private readonly deps: LeaseProgressDeps,
  ) {}

  /** Handles one report; returns why it was ignored, if it was. */
  async report(frame: FrameOf<"progress">): Promise<ProgressIgnored | undefined> {
    const id = bytesToHex(frame.assignmentId);
    if (this.revoked.has(id)) return "unknown-lease";
    const last = this.seen.get(id);
    if (last !== undefined && frame.stepsDone <= last.stepsDone) return "not-advancing";
    const now = this.deps.now();
    if (last !== undefined && last.deadline - now > this.deps.scheduler.progressGraceMs / 2) {
      this.seen.set(id, { ...last, stepsDone: frame.stepsDone });
      return undefined;
    }
    const lease = await this.deps.store.getLease(id);
    const mine = lease !== undefined && lease.assignment.workerKey === this.workerKeyHex;
    const revoke = mine && lease.assignment.status !== "failed" ? revokeReasonOf(lease) : undefined;
    if (
      !mine ||
      revoke !== undefined ||
      lease.assignment.status !== "active" ||
      frame.stepsDone > lease.unit.steps
    ) {
      this.seen.delete(id);
      return revoke ?? "unknown-lease";
    }
    const deadline = await this.deps.scheduler.progress(lease);
    const unit = { jobId: lease.job.id, unitId: lease.unit.id };
    this.seen.set(id, { stepsDone: frame.stepsDone, deadline, unit });
    return undefined;
  }

  /** The job and unit of a lease whose last report counted. */
  unitOf(assignmentId: Uint8Array): ReportedUnit | undefined {
    return this.seen.get(bytesToHex(assignmentId))?.unit;
  }

  /** Forgets a unit (its result was committed). */
  forget(assignmentId: Uint8Array): void {
    this.seen.delete(bytesToHex(assignmentId));
  }

  /**
   * A `revoke` frame was sent for the lease: later reports on it (an old worker that computes
   * on) count for nothing and are not answered again.
   */
  revokedLease(assignmentId: Uint8Array): void {
    this.forget(assignmentId);
    this.revoked.add(bytesToHex(assignmentId));
  }
}
