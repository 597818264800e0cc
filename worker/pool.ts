/**
 * The worker's bounded thread pool: `threads` piscina threads running `worker/unit-task.ts`,
 * a queue of at most `maxQueue` waiting units, an AbortSignal per unit, and progress relayed
 * from the thread over a MessageChannel. Every piscina failure is wrapped into a typed
 * `WorkerError` here, at the boundary.
 * @module
 */
import { MessageChannel } from "node:worker_threads";
import { Piscina } from "piscina";
import { FoldnetError } from "../common/errors.js";
import type { WorkUnitInput } from "../sim/work-unit.js";
import { WorkerError } from "./errors.js";
import type {
  UnitProgress,
  UnitRunExtras,
  UnitTaskInput,
  UnitTaskOutput,
  UnitTaskResult,
} from "./unit-task.js";

/**
 * The compiled task next to this module: `dist/worker/unit-task.js` when running from dist.
 * Tests that run TypeScript sources pass a loader file instead (see test/unit/worker).
 */
export const DEFAULT_TASK_FILENAME = new URL("./unit-task.js", import.meta.url).href;

/** Options of the pool. */
export interface UnitPoolOptions {
  /** Threads, each running one unit at a time (≥ 1). */
  readonly threads: number;
  /**
   * Units that may wait for a free thread: `run` rejects with WORKER_ERROR_QUEUE_MAX_LENGTH
   * when `threads + maxQueue` units are already running or waiting. Default `threads`: the coordinator hands out at most one
   * unit per free slot, so a full queue means it over-assigned.
   */
  readonly maxQueue?: number;
  /** The task module (a file URL or path); default DEFAULT_TASK_FILENAME. */
  readonly filename?: string;
}

/** Per-unit options of `run`. */
export interface RunOptions {
  /** Aborting it terminates the unit's thread (piscina replaces it). */
  readonly signal?: AbortSignal;
  /** Called in the main thread with the unit's progress (at most every 250 ms). */
  readonly onProgress?: (progress: UnitProgress) => void;
}

/** The pool the VolunteerWorker runs units in. */
export interface UnitPool {
  /**
   * Runs a unit in a thread.
   * @throws {WorkerError} WORKER_ERROR_QUEUE_MAX_LENGTH, WORKER_ERROR_ABORTED,
   *   WORKER_ERROR_POOL_CLOSED, WORKER_ERROR_TASK_FAILED (the sim rejected the input, `cause`
   *   is its code) or WORKER_ERROR_THREAD_FAILED.
   */
  run(input: WorkUnitInput & UnitRunExtras, options?: RunOptions): Promise<UnitTaskOutput>;
  /** Units running or queued. */
  readonly pending: number;
  /** Aborts queued and running units (they reject with WORKER_ERROR_ABORTED) and stops the threads. */
  close(): Promise<void>;
}

/**
 * Creates the pool.
 * @throws {RangeError} when `threads` or `maxQueue` is not a positive integer.
 */
export function createUnitPool(options: UnitPoolOptions): UnitPool {
  const { threads } = options;
  if (!Number.isSafeInteger(threads) || threads < 1)
    throw new RangeError(`threads must be a positive integer, got ${threads}`);
  const maxQueue = options.maxQueue ?? threads;
  if (!Number.isSafeInteger(maxQueue) || maxQueue < 1)
    throw new RangeError(`maxQueue must be a positive integer, got ${maxQueue}`);
  const piscina = new Piscina<UnitTaskInput, UnitTaskResult>({
    filename: options.filename ?? DEFAULT_TASK_FILENAME,
    minThreads: threads,
    maxThreads: threads,
    maxQueue,
    // An idle thread costs little; keeping it avoids reloading the task module per unit.
    idleTimeout: 60_000,
  });
  let closed = false;
  let pending = 0;

  async function run(
    input: WorkUnitInput & UnitRunExtras,
    opts: RunOptions = {},
  ): Promise<UnitTaskOutput> {
    if (closed) throw new WorkerError({ code: "WORKER_ERROR_POOL_CLOSED" }, "the pool is closed");
    if (opts.signal?.aborted) throw new WorkerError({ code: "WORKER_ERROR_ABORTED" }, "aborted");
    // Counted here rather than left to piscina, whose own check depends on thread start-up
    // timing; piscina's maxQueue stays as a backstop.
    if (pending >= threads + maxQueue)
      throw new WorkerError(
        { code: "WORKER_ERROR_QUEUE_MAX_LENGTH", maxQueue },
        `the pool's queue is full (${maxQueue})`,
      );
    const channel = opts.onProgress === undefined ? undefined : new MessageChannel();
    let settled = false;
    if (channel !== undefined && opts.onProgress !== undefined) {
      const onProgress = opts.onProgress;
      channel.port1.on("message", (msg: UnitProgress) => {
        if (!settled) onProgress(msg);
      });
    }
    const task: UnitTaskInput = {
      startState: input.startState,
      steps: input.steps,
      checkpointInterval: input.checkpointInterval,
      ...(input.resume === undefined ? {} : { resume: input.resume }),
      ...(input.checkpoint === undefined ? {} : { checkpoint: input.checkpoint }),
      ...(input.control === undefined ? {} : { control: input.control }),
      ...(channel === undefined ? {} : { progressPort: channel.port2 }),
    };
    pending++;
    try {
      const result = await piscina.run(task, {
        ...(channel === undefined ? {} : { transferList: [channel.port2] }),
        ...(opts.signal === undefined ? {} : { signal: opts.signal }),
      });
      if (!result.ok) {
        const inner = FoldnetError.fromObject(result.error);
        const field = (result.error as { field?: unknown }).field;
        throw new WorkerError(
          typeof field === "string"
            ? { code: "WORKER_ERROR_TASK_FAILED", cause: inner.code, field }
            : { code: "WORKER_ERROR_TASK_FAILED", cause: inner.code },
          inner.message,
        );
      }
      return result.output;
    } catch (err) {
      throw wrapPiscinaError(err, maxQueue);
    } finally {
      settled = true;
      pending--;
      channel?.port1.close();
    }
  }

  return {
    run,
    get pending() {
      return pending;
    },
    async close() {
      if (closed) return;
      closed = true;
      await piscina.destroy();
    },
  };
}

/** Maps piscina's plain Errors (matched once, here) to typed WorkerErrors. */
function wrapPiscinaError(err: unknown, maxQueue: number): FoldnetError {
  if (err instanceof FoldnetError) return err;
  const e = err instanceof Error ? err : new Error(String(err));
  if (e.name === "AbortError")
    return new WorkerError({ code: "WORKER_ERROR_ABORTED" }, "the unit was aborted");
  if (e.message === "Task queue is at limit")
    return new WorkerError(
      { code: "WORKER_ERROR_QUEUE_MAX_LENGTH", maxQueue },
      `the pool's queue is full (${maxQueue})`,
    );
  if (e.message === "Terminating worker thread")
    return new WorkerError({ code: "WORKER_ERROR_ABORTED" }, "the pool was closed");
  return new WorkerError({ code: "WORKER_ERROR_THREAD_FAILED", reason: e.message }, e.message);
}
