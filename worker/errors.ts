/**
 * Typed errors of the volunteer worker: the thread pool (full queue, aborted or crashed
 * tasks), the spool (I/O, corrupt entries), the connection (bad URL, rejected
 * authentication, heartbeat timeout), assignments the worker cannot run, resource rules and
 * the local control API. piscina and ws
 * errors are wrapped into these at the boundary, so callers match on `code`, never on text.
 * @module
 */
import { FoldnetError } from "../common/errors.js";

/** Codes and metadata of worker errors. */
export type WorkerErrorType =
  /** The pool's bounded queue is full (piscina "Task queue is at limit"). */
  | { code: "WORKER_ERROR_QUEUE_MAX_LENGTH"; maxQueue: number }
  /** The task was aborted through its AbortSignal (e.g. on SIGINT) or the pool closed. */
  | { code: "WORKER_ERROR_ABORTED" }
  /** The pool was closed before the task was submitted. */
  | { code: "WORKER_ERROR_POOL_CLOSED" }
  /** The task itself rejected its input: `cause` is the code of the sim error. */
  | { code: "WORKER_ERROR_TASK_FAILED"; cause: string; field?: string }
  /** The thread died or piscina failed for another reason. */
  | { code: "WORKER_ERROR_THREAD_FAILED"; reason: string }
  /** A spool file could not be written, read or removed. */
  | { code: "WORKER_ERROR_SPOOL_IO"; file: string; op: string }
  /** Another live worker process holds the spool directory's lock. */
  | { code: "WORKER_ERROR_SPOOL_LOCKED"; dir: string; pid: number }
  /** A spool file does not hold a valid result (truncated, edited, wrong version). */
  | { code: "WORKER_ERROR_SPOOL_CORRUPT"; file: string; reason: string }
  /** The `--coordinator` URL is not a ws:// or wss:// URL. */
  | { code: "WORKER_ERROR_BAD_URL"; url: string }
  /** An assignment from the coordinator cannot be run as given. */
  | { code: "WORKER_ERROR_BAD_ASSIGNMENT"; field: string }
  /** A challenge names a segment the result does not have (index ≥ steps/K). */
  | { code: "WORKER_ERROR_BAD_CHALLENGE"; segment: number; segments: number }
  /** A resource rule (flag, config file or the local page) is malformed: `field` names it. */
  | { code: "WORKER_ERROR_BAD_RULES"; field: string }
  /** A running worker's control API could not be reached, or refused the request. */
  | { code: "WORKER_ERROR_CONTROL"; port: number; status?: number };

/** An error raised by `worker/`. */
export class WorkerError extends FoldnetError<WorkerErrorType> {}
