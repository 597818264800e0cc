/**
 * What embedders and tests see of a VolunteerWorker besides its methods: its options (the
 * `foldnet worker` flags), injectable collaborators, the events it emits, and the timing
 * constants of its request loop and progress reports.
 * @module
 */
import type { Clock } from "../common/clock.js";
import type { Logger } from "../common/log.js";
import type { RevokeFrame, VerdictFrame } from "../protocol/frames.js";
import type { Identity } from "../protocol/identity.js";
import type { BackoffOptions } from "./backoff.js";
import type { WorkerControl } from "./control.js";
import type { WorkerMetrics } from "./metrics.js";
import type { AssignmentInfo } from "./result.js";
import type { SpooledResult } from "./spool.js";

/** The software name sent in `hello`. */
export const CLIENT_NAME = "foldnet-worker/0.1.0";
/** Least time between two `progress` frames of one unit (the coordinator's lease heartbeat). */
export const PROGRESS_INTERVAL_MS = 2_000;
/**
 * A work request not fully answered (fewer assignments than slots, no `noWork`) is considered
 * settled after this long, and the free slots are asked for again.
 */
export const REQUEST_SETTLE_MS = 10_000;
/** Floor of the delay after `noWork`, so a `retryAfterMs` of 0 cannot make a busy loop. */
export const MIN_RETRY_MS = 250;

/** Options of a VolunteerWorker (the `foldnet worker` flags). */
export interface VolunteerWorkerOptions {
  /**
   * `ws://HOST:PORT` with or without the `/ws` path, or several separated by commas (the
   * coordinators of one network, tried in turn: worker/failover.ts).
   */
  readonly coordinator: string;
  /** Simulation threads, 1…MAX_WORKER_THREADS. */
  readonly threads: number;
  /** Identity file, created on first start. Ignored when `deps.identity` is given. */
  readonly identityFile?: string;
  /** Spool directory, created if missing. */
  readonly spoolDir: string;
  /** This machine's name (≤ MAX_WORKER_NAME_BYTES), sent in hello, shown on the dashboard. */
  readonly name?: string;
  /** The team this worker's results count for (signed in hello). */
  readonly team?: string;
  /** The coordinator's public key (hex) to insist on; any other coordinator is not answered. */
  readonly coordinatorKey?: string;
  readonly progressIntervalMs?: number;
  /** Longest time between two checkpoints of a running unit (default 60 s). */
  readonly checkpointMs?: number;
  readonly heartbeatTimeoutMs?: number;
  readonly backoff?: Omit<BackoffOptions, "random">;
  /** Most spool bytes one unit may need; larger assignments are refused (default 64 MiB). */
  readonly maxUnitSpoolBytes?: number;
}

/** Collaborators of a VolunteerWorker (all optional; tests inject them). */
export interface VolunteerWorkerDeps {
  readonly log?: Logger;
  readonly clock?: Clock;
  /** Jitter source of the reconnect backoff. */
  readonly random?: () => number;
  /** An identity to use instead of the file. */
  readonly identity?: Identity;
  /** The piscina task file (tests pass a loader for the TypeScript source). */
  readonly taskFilename?: string;
  /** Counts steps, verdicts, tokens and reconnects (`foldnet worker --metrics-port`). */
  readonly metrics?: WorkerMetrics;
  /**
   * Pause, finish and resource rules (worker/control.ts): the worker asks for work only when
   * it allows, for at most its live thread count, and runs units through its pool wrapper.
   * Without it the worker always folds on all `threads`.
   */
  readonly control?: WorkerControl;
}

/** Events of a VolunteerWorker, for tests and embedders. */
export interface VolunteerWorkerEvents {
  connected: [workerId: string];
  disconnected: [];
  assignment: [info: AssignmentInfo];
  /** A finished result, durably spooled. */
  spooled: [result: SpooledResult];
  /** A commit was sent (`resend` after a reconnect or restart). */
  committed: [info: { assignmentId: string; unitId: string; resend: boolean }];
  openings: [info: { assignmentId: string; segments: readonly number[] }];
  verdict: [verdict: VerdictFrame];
  /** A unit could not be run (bad input, thread failure); aborted units are not reported. */
  unitFailed: [info: { assignmentId: string; unitId: string; code: string }];
  /** The coordinator revoked a unit (running or spooled): it was stopped and dropped. */
  revoked: [frame: RevokeFrame];
}
