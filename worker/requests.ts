/**
 * The worker's request loop: asks the coordinator for as many units as it has free threads
 * (less the slots already asked for), treats a request not fully answered as settled after
 * `REQUEST_SETTLE_MS`, and after `noWork` waits `retryAfterMs` (at least `MIN_RETRY_MS`)
 * before asking again.
 * @module
 */
import type { Clock, TimerHandle } from "../common/clock.js";
import type { Logger } from "../common/log.js";
import type { NoWorkFrame, WorkRequestFrame } from "../protocol/frames.js";
import { MIN_RETRY_MS, REQUEST_SETTLE_MS } from "./options.js";

/** What the request loop asks with. */
export interface WorkRequestsOptions {
  readonly threads: number;
  readonly clock: Clock;
  readonly log: Logger;
  /** Whether work may be asked for now (connected, not stopping). */
  readonly active: () => boolean;
  /** Units on the pool. */
  readonly running: () => number;
  /** Sends a `workRequest`; false when it could not be sent. */
  readonly send: (frame: WorkRequestFrame) => boolean;
}

/** Slots asked for and the timers of the request loop. */
export class WorkRequests {
  private outstandingSlots = 0;
  private settleTimer: TimerHandle | undefined;
  private retryTimer: TimerHandle | undefined;

  constructor(private readonly opts: WorkRequestsOptions) {}

  /** Stops both timers. */
  cancel(): void {
    if (this.settleTimer !== undefined) this.opts.clock.clearTimeout(this.settleTimer);
    if (this.retryTimer !== undefined) this.opts.clock.clearTimeout(this.retryTimer);
    this.settleTimer = undefined;
    this.retryTimer = undefined;
  }

  /** A new or lost session: nothing is asked for. */
  reset(): void {
    this.outstandingSlots = 0;
    this.cancel();
  }

  /** Asks for the free slots not already asked for, unless waiting out a `noWork`. */
  request(): void {
    const { opts } = this;
    if (!opts.active() || this.retryTimer !== undefined) return;
    const free = opts.threads - opts.running() - this.outstandingSlots;
    if (free <= 0) return;
    if (!opts.send({ kind: "workRequest", slots: free })) return;
    this.outstandingSlots += free;
    opts.log.debug("asked for work", { slots: free });
    if (this.settleTimer !== undefined) opts.clock.clearTimeout(this.settleTimer);
    this.settleTimer = opts.clock.setTimeout(() => {
      this.settleTimer = undefined;
      this.outstandingSlots = 0;
      this.request();
    }, REQUEST_SETTLE_MS);
  }

  /** An assignment answers one slot; the request is settled when all are answered. */
  assigned(): void {
    this.outstandingSlots = Math.max(0, this.outstandingSlots - 1);
    if (this.outstandingSlots === 0 && this.settleTimer !== undefined) {
      this.opts.clock.clearTimeout(this.settleTimer);
      this.settleTimer = undefined;
    }
  }

  /** `noWork`: asks again after its delay (not at all when `stopping`). */
  noWork(frame: NoWorkFrame, stopping: boolean): void {
    this.reset();
    if (stopping) return;
    const delay = Math.max(MIN_RETRY_MS, frame.retryAfterMs);
    this.opts.log.debug("no work; asking again later", { retryAfterMs: delay });
    this.retryTimer = this.opts.clock.setTimeout(() => {
      this.retryTimer = undefined;
      this.request();
    }, delay);
  }
}
