/**
 * Progress-based leases, one connection's side: the `progress` frames of a session's units,
 * checked (the key's own active lease, steps done advancing and within the unit) and turned into
 * lease extensions by `Scheduler.progress`. The session remembers each unit's last report and
 * deadline, so a report costs the store nothing until the deadline is within half a grace, then
 * one read and one write (docs/coordinator.md "Leases").
 * @module
 */
import { bytesToHex } from "@noble/hashes/utils.js";
import type { FrameOf } from "../protocol/frames.js";
import type { Scheduler } from "./scheduler.js";
import type { Store } from "./store/store.js";

/** What the tracker needs from the coordinator. */
export interface LeaseProgressDeps {
  readonly store: Pick<Store, "getLease">;
  readonly scheduler: Pick<Scheduler, "progress" | "progressGraceMs">;
  readonly now: () => number;
}

/** Why a report did not count (for logs and tests); undefined when it did. */
export type ProgressIgnored = "unknown-lease" | "not-advancing";

/** The progress reports of one authenticated worker's session. */
export class LeaseProgress {
  private readonly seen = new Map<string, { stepsDone: number; deadline: number }>();

  constructor(
    private readonly workerKeyHex: string,
    private readonly deps: LeaseProgressDeps,
  ) {}

  /** Handles one report; returns why it was ignored, if it was. */
  async report(frame: FrameOf<"progress">): Promise<ProgressIgnored | undefined> {
    const id = bytesToHex(frame.assignmentId);
    const last = this.seen.get(id);
    if (last !== undefined && frame.stepsDone <= last.stepsDone) return "not-advancing";
    const now = this.deps.now();
    if (last !== undefined && last.deadline - now > this.deps.scheduler.progressGraceMs / 2) {
      this.seen.set(id, { stepsDone: frame.stepsDone, deadline: last.deadline });
      return undefined;
    }
    const lease = await this.deps.store.getLease(id);
    if (
      lease === undefined ||
      lease.assignment.workerKey !== this.workerKeyHex ||
      lease.assignment.status !== "active" ||
      frame.stepsDone > lease.unit.steps
    ) {
      this.seen.delete(id);
      return "unknown-lease";
    }
    const deadline = await this.deps.scheduler.progress(lease);
    this.seen.set(id, { stepsDone: frame.stepsDone, deadline });
    return undefined;
  }

  /** Forgets a unit (its result was committed). */
  forget(assignmentId: Uint8Array): void {
    this.seen.delete(bytesToHex(assignmentId));
  }
}
