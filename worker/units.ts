/**
 * The units a worker runs: each assignment on the thread pool, started fresh or resumed from
 * its checkpoint, checkpointing into the spool directory, reporting progress (rate-limited to
 * the lease heartbeat) and sealed into a signed result when it finishes. A unit the
 * coordinator revokes is aborted (piscina terminates its thread) and its checkpoint deleted;
 * a unit that cannot run is classified into the `unitFailed` reason the coordinator is told.
 * @module
 */
import { bytesToHex } from "@noble/hashes/utils.js";
import type { Clock } from "../common/clock.js";
import { FoldnetError } from "../common/errors.js";
import type { Logger } from "../common/log.js";
import type {
  AssignmentFrame,
  FrameOf,
  ProgressFrame,
  UnitFailureReason,
} from "../protocol/frames.js";
import { MAX_MESSAGE_BYTES } from "../protocol/limits.js";
import { truncateUtf8 } from "../protocol/wire.js";
import { DEFAULT_CHECKPOINT_MS, type PartialRun, removeCheckpoint } from "./checkpoint.js";
import type { ResultOutbox } from "./outbox.js";
import type { UnitPool } from "./pool.js";
import { type AssignmentInfo, sealResult } from "./result.js";
import type { SpooledResult } from "./spool.js";
import type { WorkerStats } from "./stats.js";

/** A unit on the pool. */
export interface RunningUnit {
  readonly info: AssignmentInfo;
  readonly id: string;
  /** Where a restarted worker resumes the unit (its last checkpoint). */
  readonly resume: PartialRun | undefined;
  readonly controller: AbortController;
  readonly startedAtMs: number;
  stepsDone: number;
  bestEnergy: number | undefined;
  lastProgressSentMs: number;
  /** Set when the coordinator revoked the unit. */
  revoked: boolean;
}

/** Fields of a state whose refusal means "this sim does not know it", not "it is bad". */
const UNSUPPORTED_FIELDS = new Set(["magic", "lattice", "model"]);

/** The `unitFailed` frame telling the coordinator that assignment `assignmentId` cannot run here. */
export function unitFailedFrame(
  assignmentId: Uint8Array,
  reason: UnitFailureReason,
  message: string,
): FrameOf<"unitFailed"> {
  return {
    kind: "unitFailed",
    assignmentId,
    reason,
    message: truncateUtf8(message, MAX_MESSAGE_BYTES),
  };
}

/** The `unitFailed` reason of an error that ended a unit (the pool's WorkerError). */
export function unitFailureReason(err: unknown): UnitFailureReason {
  if (!(err instanceof FoldnetError)) return "UNIT_FAILED_OTHER";
  const type = err.type as { code: string; cause?: string; field?: string };
  switch (type.code) {
    case "WORKER_ERROR_TASK_FAILED":
      return type.cause === "SIM_ERROR_UNKNOWN_LATTICE" ||
        type.cause === "SIM_ERROR_UNKNOWN_MODEL" ||
        (type.cause === "SIM_ERROR_BAD_STATE" && UNSUPPORTED_FIELDS.has(type.field ?? ""))
        ? "UNIT_FAILED_UNSUPPORTED"
        : "UNIT_FAILED_BAD_STATE";
    case "WORKER_ERROR_THREAD_FAILED":
      return "UNIT_FAILED_CRASHED";
    default:
      return "UNIT_FAILED_OTHER";
  }
}

/** The unit an `assignment` frame describes. */
export function assignmentInfo(frame: AssignmentFrame): AssignmentInfo {
  return {
    assignmentId: frame.assignmentId,
    unitId: frame.unitId,
    jobId: frame.jobId,
    startState: frame.startState,
    steps: frame.steps,
    checkpointInterval: frame.checkpointInterval,
    deadlineMs: frame.deadlineMs,
  };
}

/** What a UnitRunner runs with. */
export interface UnitRunnerOptions {
  readonly pool: UnitPool;
  readonly spoolDir: string;
  readonly secretKey: Uint8Array;
  /** Longest time between two checkpoints of a running unit. */
  readonly checkpointMs: number | undefined;
  /** Least time between two `progress` frames of one unit. */
  readonly progressIntervalMs: number;
  readonly clock: Clock;
  readonly log: Logger;
  readonly stats: WorkerStats;
  /** Results awaiting a verdict: a revoked unit's is dropped. */
  readonly outbox: Pick<ResultOutbox, "has" | "settle">;
  /** Sends a `progress` frame; false when it could not be sent. */
  readonly sendProgress: (frame: ProgressFrame) => boolean;
}

/** The running units, by assignment id (hex). */
export class UnitRunner {
  readonly running = new Map<string, RunningUnit>();

  constructor(private readonly opts: UnitRunnerOptions) {}

  /** Registers a unit, from its start or from a checkpoint; `run` runs it. */
  add(info: AssignmentInfo, resume: PartialRun | undefined): RunningUnit {
    const id = bytesToHex(info.assignmentId);
    const unit: RunningUnit = {
      info,
      id,
      resume,
      controller: new AbortController(),
      startedAtMs: this.opts.clock.now(),
      stepsDone: resume?.stepsDone ?? 0,
      bestEnergy: undefined,
      lastProgressSentMs: Number.NEGATIVE_INFINITY,
      revoked: false,
    };
    this.running.set(id, unit);
    if (resume !== undefined)
      this.opts.log.info("unit resumed from its checkpoint", {
        unitId: info.unitId,
        stepsDone: resume.stepsDone,
        steps: info.steps,
      });
    return unit;
  }

  /** Aborts every running unit. */
  abortAll(): void {
    for (const unit of this.running.values()) unit.controller.abort();
  }

  /**
   * The coordinator revoked an assignment: aborts its unit, if running (piscina terminates its
   * thread at once, `run` rejects with WORKER_ERROR_ABORTED and the caller deletes the
   * checkpoint), and drops its result from the outbox, if spooled. A result being spooled at
   * this moment may still be committed; its verdict is then stale, which costs nothing.
   * Resolves true when the worker held the assignment.
   */
  async revoke(frame: FrameOf<"revoke">): Promise<boolean> {
    const id = bytesToHex(frame.assignmentId);
    const unit = this.running.get(id);
    const spooled = this.opts.outbox.has(id);
    if (unit === undefined && !spooled) {
      this.opts.log.debug("revoke of a unit this worker does not hold", { assignmentId: id });
      return false;
    }
    if (unit !== undefined) {
      unit.revoked = true;
      unit.controller.abort();
    }
    if (spooled) await this.opts.outbox.settle(id);
    this.opts.stats.revoked();
    this.opts.log.info("unit revoked", {
      unitId: unit?.info.unitId,
      reason: frame.reason,
      stepsDone: unit?.stepsDone,
    });
    return true;
  }

  /** A unit that could not run: counted, and the `unitFailed` frame telling the coordinator. */
  failure(unit: RunningUnit, err: unknown): FrameOf<"unitFailed"> {
    const reason = unitFailureReason(err);
    this.opts.stats.failed(reason);
    return unitFailedFrame(unit.info.assignmentId, reason, String(err));
  }

  /**
   * Runs a unit to its sealed result. A unit that fails leaves `running`; a finished one stays
   * until the caller has kept its result.
   * @throws {WorkerError} the pool's error (WORKER_ERROR_ABORTED when aborted).
   */
  async run(unit: RunningUnit): Promise<SpooledResult> {
    const { info } = unit;
    const { opts } = this;
    let result: SpooledResult;
    try {
      const output = await opts.pool.run(
        {
          ...info,
          ...(unit.resume === undefined ? {} : { resume: unit.resume }),
          checkpoint: {
            dir: opts.spoolDir,
            everyMs: opts.checkpointMs ?? DEFAULT_CHECKPOINT_MS,
            assignment: info,
          },
        },
        {
          signal: unit.controller.signal,
          onProgress: (p) => this.onProgress(unit, p.stepsDone, p.bestEnergy),
        },
      );
      result = sealResult(info, output, opts.secretKey, opts.clock.now());
    } catch (err) {
      this.running.delete(unit.id);
      throw err;
    }
    opts.stats.steps(info.steps - unit.stepsDone);
    unit.stepsDone = info.steps;
    unit.bestEnergy = result.bestEnergy;
    opts.stats.energy(result.bestEnergy);
    return result;
  }

  /** Removes the checkpoint of a unit whose result is spooled, or that was revoked. */
  dropCheckpoint(info: AssignmentInfo): void {
    try {
      removeCheckpoint(this.opts.spoolDir, info.assignmentId);
    } catch (err) {
      this.opts.log.error("spool: cannot remove a checkpoint", { unitId: info.unitId, error: err });
    }
  }

  private onProgress(unit: RunningUnit, stepsDone: number, bestEnergy: number): void {
    const { opts } = this;
    opts.stats.steps(stepsDone - unit.stepsDone);
    unit.stepsDone = stepsDone;
    unit.bestEnergy = bestEnergy;
    opts.stats.energy(bestEnergy);
    const now = opts.clock.now();
    if (stepsDone >= unit.info.steps || now - unit.lastProgressSentMs < opts.progressIntervalMs)
      return;
    if (
      opts.sendProgress({
        kind: "progress",
        assignmentId: unit.info.assignmentId,
        stepsDone,
        bestEnergy,
      })
    )
      unit.lastProgressSentMs = now;
  }
}
