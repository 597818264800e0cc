/**
 * The worker's session statistics: steps simulated, the best energy seen, results submitted,
 * verdicts and tokens, kept for `status()` and mirrored into the optional Prometheus metrics
 * (`foldnet worker --metrics-port`). Also the per-unit row of the status snapshot.
 * @module
 */
import type { VerdictFrame } from "../protocol/frames.js";
import type { WorkerMetrics } from "./metrics.js";
import type { UnitStatus, WorkerStatus } from "./status.js";
import type { RunningUnit } from "./units.js";

/** The status fields this tally owns. */
export type StatsTotals = Pick<
  WorkerStatus,
  "bestEnergy" | "resultsSubmitted" | "resultsAccepted" | "resultsRejected" | "tokensEarned"
>;

/** Counters of one worker process, and their metrics. */
export class WorkerStats {
  private bestEnergy: number | undefined;
  private submitted = 0;
  private accepted = 0;
  private rejected = 0;
  private tokens = 0n;

  constructor(private readonly metrics: WorkerMetrics | undefined) {}

  /** Counts `steps` more simulated steps (negative counts as none). */
  steps(steps: number): void {
    this.metrics?.steps.inc(Math.max(0, steps));
  }

  /** Keeps the lowest energy seen. */
  energy(bestEnergy: number): void {
    if (this.bestEnergy === undefined || bestEnergy < this.bestEnergy) this.bestEnergy = bestEnergy;
  }

  /** A commit was sent. */
  submittedOne(): void {
    this.submitted++;
  }

  /** A unit the coordinator revoked. */
  revoked(): void {
    this.metrics?.unitsRevoked.inc();
  }

  /** A unit this worker could not run, reported with `unitFailed`. */
  failed(reason: string): void {
    this.metrics?.unitsFailed.inc({ reason });
  }

  /** A handshake after the first. */
  reconnected(): void {
    this.metrics?.reconnects.inc();
  }

  /**
   * Counts a verdict: accepted with its reward, or rejected with its code (the metric counts
   * every code; `resultsRejected` leaves out stale results, which are no fault of the worker).
   */
  verdict(frame: VerdictFrame): void {
    if (frame.accepted) {
      this.accepted++;
      this.tokens += frame.reward;
      this.metrics?.resultsAccepted.inc();
      this.metrics?.tokensEarned.inc(frame.reward);
    } else {
      if (frame.code !== "RESULT_ERROR_STALE") this.rejected++;
      this.metrics?.resultsRejected.inc({ reason: frame.code });
    }
  }

  totals(): StatsTotals {
    return {
      bestEnergy: this.bestEnergy,
      resultsSubmitted: this.submitted,
      resultsAccepted: this.accepted,
      resultsRejected: this.rejected,
      tokensEarned: this.tokens,
    };
  }
}

/** The status row of a running unit at `now`. */
export function unitStatus(u: RunningUnit, now: number): UnitStatus {
  const seconds = (now - u.startedAtMs) / 1000;
  return {
    assignmentId: u.id,
    unitId: u.info.unitId,
    jobId: u.info.jobId,
    steps: u.info.steps,
    stepsDone: u.stepsDone,
    bestEnergy: u.bestEnergy,
    stepsPerSecond: seconds > 0 ? u.stepsDone / seconds : 0,
    startedAtMs: u.startedAtMs,
  };
}
