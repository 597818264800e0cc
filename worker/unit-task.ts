/**
 * The piscina task that runs one work unit in a worker thread. It is a thin wrapper around
 * `sim/work-unit.ts`'s `runWorkUnit` (the loop lives there, once): it keeps the canonical
 * state at the start of every S-th segment (the anchors, at most MAX_ANCHORS of them), so that
 * the worker answers a spot-check challenge by replaying fewer than S segments per opening, and
 * reports progress on an optional MessagePort.
 *
 * Errors cannot cross the thread boundary with their type (structured clone keeps only an
 * Error's message), so the default export never throws a FoldnetError: it returns
 * `{ok: false, error: err.toObject()}` and `worker/pool.ts` rebuilds a typed error.
 * @module
 */
import type { MessagePort } from "node:worker_threads";
import { FoldnetError } from "../common/errors.js";
import { stateHash } from "../sim/state-codec.js";
import {
  checkSegmentation,
  runWorkUnit,
  type WorkUnitInput,
  type WorkUnitOutput,
} from "../sim/work-unit.js";
import { type PartialRun, writeCheckpointSync } from "./checkpoint.js";
import type { AssignmentInfo } from "./result.js";
import { UnitGate } from "./unit-gate.js";

/** Least time between two progress messages posted by the thread (the display's refresh). */
export const TASK_PROGRESS_INTERVAL_MS = 250;

/** Checkpointing a unit from its thread. */
export interface CheckpointTarget {
  /** The spool directory. */
  readonly dir: string;
  readonly everyMs: number;
  /** Written into the checkpoint, so that a restarted worker can run the unit again. */
  readonly assignment: AssignmentInfo;
}

/**
 * What the pool passes besides the unit: where to resume, where to checkpoint, and the control
 * block (worker/unit-gate.ts) through which the main thread pauses and throttles it.
 */
export interface UnitRunExtras {
  readonly resume?: PartialRun;
  readonly checkpoint?: CheckpointTarget;
  readonly control?: Int32Array;
}

/** The input of the thread task. */
export interface UnitTaskInput extends WorkUnitInput, UnitRunExtras {
  /** Receives `UnitProgress` messages; transferred to the thread with the task. */
  readonly progressPort?: MessagePort;
}

/** A progress message: steps run so far and the best energy so far. */
export interface UnitProgress {
  readonly stepsDone: number;
  readonly bestEnergy: number;
}

/**
 * Most states a unit keeps (≈ 3 MB for a 64-mer with 8 replicas): a unit of L segments keeps
 * one every S = ⌈L / MAX_ANCHORS⌉ segments, so L = 131,072 keeps every 32nd and an opening
 * replays at most 31 segments on the worker (docs/verification.md).
 */
export const MAX_ANCHORS = 4096;

/** S: segments between two kept states in a unit of `segments` segments. */
export function anchorStrideFor(segments: number): number {
  return Math.max(1, Math.ceil(segments / MAX_ANCHORS));
}

/** What a unit produces: sim's output plus the state at the start of every S-th segment. */
export interface UnitTaskOutput extends WorkUnitOutput {
  /** S: segments between two kept states (1 keeps every segment's start state). */
  readonly anchorStride: number;
  /**
   * ⌈L/S⌉ states: `anchorStates[i]` is the canonical state after i·S·K steps, the preimage of
   * `leaves[i·S]` (so `anchorStates[0]` is the start state).
   */
  readonly anchorStates: Uint8Array[];
}

/** The task's answer: the output, or a typed error as plain data. */
export type UnitTaskResult =
  | { readonly ok: true; readonly output: UnitTaskOutput }
  | { readonly ok: false; readonly error: { code: string; message: string } };

/** Resuming and checkpointing a unit (both optional). */
export interface UnitRunHooks {
  /** Where an earlier run of this unit stopped: the run goes on from there. */
  readonly from?: PartialRun;
  /** Called at a segment boundary at least `checkpointMs` after the last call (or the start). */
  readonly onCheckpoint?: (run: PartialRun) => void;
  readonly checkpointMs?: number;
  /** Milliseconds for the checkpoint schedule (default `performance.now`). */
  readonly now?: () => number;
  /**
   * Called after every segment but the last (after progress and any checkpoint); may block the
   * thread (pause, duty cycle). `save` writes a checkpoint now, when checkpointing.
   */
  readonly gate?: (save: () => void) => void;
}

/**
 * Runs a unit on the calling thread, calling `onProgress` after each segment; resumed from
 * `hooks.from` it gives the same output, byte for byte, as an unbroken run.
 * @throws {SimError} on a bad start state or segmentation (from `runWorkUnit`).
 */
export function runUnit(
  input: WorkUnitInput,
  onProgress?: (progress: UnitProgress) => void,
  hooks: UnitRunHooks = {},
): UnitTaskOutput {
  checkSegmentation(input.steps, input.checkpointInterval);
  const K = input.checkpointInterval;
  const anchorStride = anchorStrideFor(input.steps / K);
  const anchorEvery = anchorStride * K;
  const { from, onCheckpoint, checkpointMs = 0, now = () => performance.now(), gate } = hooks;
  const base = from?.stepsDone ?? 0;
  const leaves = from === undefined ? [stateHash(input.startState)] : [...from.leaves];
  const anchorStates = from === undefined ? [input.startState] : [...from.anchorStates];
  let lastCheckpoint = now();
  const out = runWorkUnit(
    {
      startState: from?.state ?? input.startState,
      steps: input.steps - base,
      checkpointInterval: K,
    },
    (done, state, bestEnergy, leaf) => {
      const stepsDone = base + done;
      leaves.push(leaf);
      if (stepsDone < input.steps && stepsDone % anchorEvery === 0) anchorStates.push(state);
      onProgress?.({ stepsDone, bestEnergy });
      if (stepsDone >= input.steps) return;
      const save = () => {
        onCheckpoint?.({ stepsDone, state, leaves, anchorStates });
        lastCheckpoint = now();
      };
      if (onCheckpoint !== undefined && now() - lastCheckpoint >= checkpointMs) save();
      gate?.(save);
    },
  );
  return {
    finalState: out.finalState,
    leaves,
    bestEnergy: out.bestEnergy,
    bestFold: out.bestFold,
    anchorStride,
    anchorStates,
  };
}

/**
 * The piscina entry: runs the unit (resumed from `input.resume` if given), posting throttled
 * progress on `progressPort` (the last segment is always posted) and, given `input.checkpoint`,
 * writing a checkpoint to the spool at least every `checkpoint.everyMs`, and, given
 * `input.control`, passing its gate between segments. The caller owns the port and closes it
 * when the task settles.
 */
export default function unitTask(input: UnitTaskInput): UnitTaskResult {
  const port = input.progressPort;
  const checkpoint = input.checkpoint;
  const gate = input.control === undefined ? undefined : new UnitGate(input.control);
  let lastPost = Number.NEGATIVE_INFINITY;
  try {
    const output = runUnit(
      {
        startState: input.startState,
        steps: input.steps,
        checkpointInterval: input.checkpointInterval,
      },
      port === undefined
        ? undefined
        : (progress) => {
            const now = performance.now();
            if (progress.stepsDone === input.steps || now - lastPost >= TASK_PROGRESS_INTERVAL_MS) {
              lastPost = now;
              port.postMessage(progress);
            }
          },
      {
        ...(input.resume === undefined ? {} : { from: input.resume }),
        ...(gate === undefined ? {} : { gate: (save: () => void) => gate.pass(save) }),
        ...(checkpoint === undefined
          ? {}
          : {
              checkpointMs: checkpoint.everyMs,
              onCheckpoint: (run: PartialRun) =>
                writeCheckpointSync(checkpoint.dir, { assignment: checkpoint.assignment, ...run }),
            }),
      },
    );
    return { ok: true, output };
  } catch (err) {
    if (err instanceof FoldnetError) return { ok: false, error: err.toObject() };
    throw err;
  }
}
