/**
 * The units a worker runs: each assignment on the thread pool, started fresh or resumed from
 * its checkpoint, checkpointing into the spool directory, reporting progress (rate-limited to
 * the lease heartbeat) and sealed into a signed result when it finishes.
 * @module
 */
import { bytesToHex } from "@noble/hashes/utils.js";
import type { Clock } from "../common/clock.js";
import type { Logger } from "../common/log.js";
import type { AssignmentFrame, ProgressFrame } from "../protocol/frames.js";
import { DEFAULT_CHECKPOINT_MS, type PartialRun, removeCheckpoint } from "./checkpoint.js";
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

  /** Removes the checkpoint of a unit whose result is spooled. */
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
