/**
 * The volunteer's process, wired: identity, connection, thread pool and spool
 * (docs/design.md "Parts and layers"). `VolunteerWorker` asks the coordinator for as many units as it has
 * free threads, runs them, spools each finished result durably *before* committing it, answers
 * spot-check challenges from the spool, and drops a result once its verdict arrives. It keeps
 * running units while disconnected and re-sends every spooled result after each reconnect.
 *
 * Frames it sends after the handshake: `workRequest{slots}`, `progress` (at most every
 * `progressIntervalMs` per unit), `resultCommit`, `openings`. Frames it handles: `assignment`,
 * `noWork`, `challenge`, `verdict`, `error` (logged). See docs/worker.md.
 * @module
 */
import { EventEmitter } from "node:events";
import { bytesToHex, hexToBytes } from "@noble/hashes/utils.js";
import { type Clock, systemClock, type TimerHandle } from "../common/clock.js";
import { FoldnetError, isFoldnetError } from "../common/errors.js";
import { type Logger, silentLogger } from "../common/log.js";
import type {
  AssignmentFrame,
  ChallengeFrame,
  Frame,
  NoWorkFrame,
  VerdictFrame,
} from "../protocol/frames.js";
import { type Identity, keyId, loadOrCreateIdentity } from "../protocol/identity.js";
import { MAX_WORKER_THREADS } from "../protocol/limits.js";
import type { BackoffOptions } from "./backoff.js";
import {
  DEFAULT_CHECKPOINT_MS,
  loadResumable,
  type PartialRun,
  removeCheckpoint,
} from "./checkpoint.js";
import { coordinatorUrl, WorkerConnection } from "./connection.js";
import type { WorkerMetrics } from "./metrics.js";
import { createUnitPool, type UnitPool } from "./pool.js";
import { type AssignmentInfo, buildOpenings, commitFields, sealResult } from "./result.js";
import {
  DEFAULT_MAX_UNIT_SPOOL_BYTES,
  Spool,
  type SpooledResult,
  unitSpoolBytes,
} from "./spool.js";
import type { UnitStatus, WorkerStatus } from "./status.js";
import { anchorStrideFor } from "./unit-task.js";

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
  /** `ws://HOST:PORT` with or without the `/ws` path. */
  readonly coordinator: string;
  /** Simulation threads, 1…MAX_WORKER_THREADS. */
  readonly threads: number;
  /** Identity file, created on first start. Ignored when `deps.identity` is given. */
  readonly identityFile?: string;
  /** Spool directory, created if missing. */
  readonly spoolDir: string;
  /** A name shown to the coordinator in the client string. */
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
}

interface RunningUnit {
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

/** The volunteer worker: `start()`, `stop()`, `status()`. */
export class VolunteerWorker extends EventEmitter<VolunteerWorkerEvents> {
  private readonly opts: VolunteerWorkerOptions;
  private readonly deps: VolunteerWorkerDeps;
  private readonly log: Logger;
  private readonly clock: Clock;
  private readonly url: string;
  private identity: Identity | undefined;
  private connection: WorkerConnection | undefined;
  private pool: UnitPool | undefined;
  private spool: Spool | undefined;
  private readonly running = new Map<string, RunningUnit>();
  /** Results kept in memory because the spool could not store them. */
  private readonly unspooled = new Map<string, SpooledResult>();
  /** unitId of every result awaiting a verdict, by assignment id (for logs and status). */
  private readonly awaiting = new Map<string, string>();
  /** Commits sent on the current session, so a resend does not repeat one. */
  private committedThisSession = new Set<string>();
  /** Background work (spool writes, unit completions) that `stop()` waits for. */
  private readonly tasks = new Set<Promise<void>>();
  private outstandingSlots = 0;
  private settleTimer: TimerHandle | undefined;
  private retryTimer: TimerHandle | undefined;
  private workerId: string | undefined;
  private started = false;
  private stopping = false;
  private bestEnergy: number | undefined;
  private submitted = 0;
  private accepted = 0;
  private rejected = 0;
  private tokens = 0n;

  /**
   * @throws {WorkerError} WORKER_ERROR_BAD_URL for a coordinator URL that is not ws(s)://.
   * @throws {RangeError} when `threads` is not in 1…MAX_WORKER_THREADS.
   */
  constructor(opts: VolunteerWorkerOptions, deps: VolunteerWorkerDeps = {}) {
    super();
    if (
      !Number.isSafeInteger(opts.threads) ||
      opts.threads < 1 ||
      opts.threads > MAX_WORKER_THREADS
    )
      throw new RangeError(`threads must be an integer in 1…${MAX_WORKER_THREADS}`);
    if (deps.identity === undefined && opts.identityFile === undefined)
      throw new TypeError("identityFile is required without deps.identity");
    this.opts = opts;
    this.deps = deps;
    this.log = deps.log ?? silentLogger;
    this.clock = deps.clock ?? systemClock;
    this.url = coordinatorUrl(opts.coordinator);
  }

  /** The worker's public key id (after `start`). */
  get keyId(): string {
    return this.identity === undefined ? "" : keyId(this.identity.publicKey);
  }

  /**
   * Loads (or creates) the identity, opens the spool, starts the pool and connects.
   * @throws {ProtocolError} IDENTITY_ERROR_… when the identity file is unusable.
   * @throws {WorkerError} WORKER_ERROR_SPOOL_IO when the spool directory is unusable.
   */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    const identity = this.deps.identity ?? loadOrCreateIdentity(this.opts.identityFile!);
    this.identity = identity;
    this.spool = new Spool(this.opts.spoolDir, { log: this.log, publicKey: identity.publicKey });
    await this.spool.open();
    for (const r of await this.spool.list())
      this.awaiting.set(bytesToHex(r.assignmentId), r.unitId);
    this.pool = createUnitPool({
      threads: this.opts.threads,
      ...(this.deps.taskFilename === undefined ? {} : { filename: this.deps.taskFilename }),
    });
    const checkpoints = await loadResumable(
      this.opts.spoolDir,
      anchorStrideFor,
      (id) => this.awaiting.has(id),
      this.log,
    );
    this.log.info("worker starting", {
      keyId: this.keyId,
      coordinator: this.url,
      threads: this.opts.threads,
      spool: this.opts.spoolDir,
      spooled: this.awaiting.size,
      resumed: checkpoints.length,
    });
    for (const c of checkpoints) this.startUnit(c.assignment, c);
    const connection = new WorkerConnection(
      {
        url: this.url,
        identity,
        client: this.opts.name === undefined ? CLIENT_NAME : `${CLIENT_NAME} (${this.opts.name})`,
        threads: this.opts.threads,
        ...(this.opts.team === undefined ? {} : { team: this.opts.team }),
        ...(this.opts.coordinatorKey === undefined
          ? {}
          : { coordinatorKey: hexToBytes(this.opts.coordinatorKey) }),
        ...(this.opts.backoff === undefined ? {} : { backoff: this.opts.backoff }),
        ...(this.opts.heartbeatTimeoutMs === undefined
          ? {}
          : { heartbeatTimeoutMs: this.opts.heartbeatTimeoutMs }),
      },
      {
        log: this.log,
        clock: this.clock,
        ...(this.deps.random === undefined ? {} : { random: this.deps.random }),
      },
    );
    this.connection = connection;
    connection.on("connected", ({ workerId }) => this.onConnected(workerId));
    connection.on("disconnected", () => this.onDisconnected());
    connection.on("frame", (frame) => this.onFrame(frame));
    connection.start();
  }

  /**
   * Graceful stop: takes no more work, aborts running units, waits for spool writes, closes
   * the pool and the socket (code 1000). Spooled results stay for the next start.
   */
  async stop(): Promise<void> {
    if (!this.started || this.stopping) return;
    this.stopping = true;
    this.clearWorkTimers();
    this.log.info("worker stopping", { running: this.running.size });
    for (const unit of this.running.values()) unit.controller.abort();
    while (this.tasks.size > 0) await Promise.allSettled([...this.tasks]);
    await this.pool?.close();
    await this.connection?.stop();
    await this.spool?.close();
    this.log.info("worker stopped", { spooled: this.awaiting.size });
  }

  /** A snapshot for the display and tests. */
  status(): WorkerStatus {
    const now = this.clock.now();
    const units: UnitStatus[] = [...this.running.values()].map((u) => {
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
    });
    return {
      connection: this.connection?.state ?? "idle",
      coordinator: this.url,
      keyId: this.keyId,
      workerId: this.workerId,
      threads: this.opts.threads,
      units,
      stepsPerSecond: units.reduce((sum, u) => sum + u.stepsPerSecond, 0),
      bestEnergy: this.bestEnergy,
      resultsSubmitted: this.submitted,
      resultsAccepted: this.accepted,
      resultsRejected: this.rejected,
      tokensEarned: this.tokens,
      spooled: this.awaiting.size,
      reconnects: Math.max(0, (this.connection?.sessionCount ?? 0) - 1),
    };
  }

  // -------------------------------------------------------------------------------------------
  // Session

  private onConnected(workerId: string): void {
    if (this.workerId !== undefined) this.deps.metrics?.reconnects.inc();
    this.workerId = workerId;
    this.committedThisSession = new Set();
    this.outstandingSlots = 0;
    this.clearWorkTimers();
    this.emit("connected", workerId);
    this.track(this.resendSpooled().then(() => this.requestWork()));
  }

  private onDisconnected(): void {
    this.outstandingSlots = 0;
    this.clearWorkTimers();
    if (!this.stopping)
      this.log.warn("disconnected from the coordinator; units keep running", {
        running: this.running.size,
      });
    this.emit("disconnected");
  }

  /** Re-sends every result awaiting a verdict: spooled ones, then any kept only in memory. */
  private async resendSpooled(): Promise<void> {
    const spool = this.spool!;
    const ids = await spool.ids().catch((err: unknown) => {
      this.log.error("spool: cannot list results", { error: err });
      return [] as string[];
    });
    for (const id of ids) {
      if (!this.connection?.connected) return;
      if (this.committedThisSession.has(id) || this.running.has(id)) continue;
      const result = await spool.load(id).catch((err: unknown) => {
        this.log.error("spool: cannot read a result", { assignmentId: id, error: err });
        return undefined;
      });
      if (result === undefined) {
        this.awaiting.delete(id);
        continue;
      }
      this.awaiting.set(id, result.unitId);
      // A unit that finished while the file was read has committed it already.
      if (!this.committedThisSession.has(id)) this.commit(result, true);
    }
    for (const [id, result] of this.unspooled) {
      if (!this.committedThisSession.has(id)) this.commit(result, true);
    }
  }

  private onFrame(frame: Frame): void {
    switch (frame.kind) {
      case "assignment":
        this.onAssignment(frame);
        return;
      case "noWork":
        this.onNoWork(frame);
        return;
      case "challenge":
        this.track(this.onChallenge(frame));
        return;
      case "verdict":
        this.track(this.onVerdict(frame));
        return;
      case "error":
        this.log.warn("the coordinator reported an error", {
          code: frame.code,
          message: frame.message,
        });
        return;
      default:
        this.log.warn("ignored an unexpected frame", { kind: frame.kind });
    }
  }

  // -------------------------------------------------------------------------------------------
  // Asking for work

  private clearWorkTimers(): void {
    if (this.settleTimer !== undefined) this.clock.clearTimeout(this.settleTimer);
    if (this.retryTimer !== undefined) this.clock.clearTimeout(this.retryTimer);
    this.settleTimer = undefined;
    this.retryTimer = undefined;
  }

  /** Asks for the free slots not already asked for, unless waiting out a `noWork`. */
  private requestWork(): void {
    if (this.stopping || !this.connection?.connected || this.retryTimer !== undefined) return;
    const free = this.opts.threads - this.running.size - this.outstandingSlots;
    if (free <= 0) return;
    if (!this.connection.send({ kind: "workRequest", slots: free })) return;
    this.outstandingSlots += free;
    this.log.debug("asked for work", { slots: free });
    if (this.settleTimer !== undefined) this.clock.clearTimeout(this.settleTimer);
    this.settleTimer = this.clock.setTimeout(() => {
      this.settleTimer = undefined;
      this.outstandingSlots = 0;
      this.requestWork();
    }, REQUEST_SETTLE_MS);
  }

  private onNoWork(frame: NoWorkFrame): void {
    this.outstandingSlots = 0;
    this.clearWorkTimers();
    if (this.stopping) return;
    const delay = Math.max(MIN_RETRY_MS, frame.retryAfterMs);
    this.log.debug("no work; asking again later", { retryAfterMs: delay });
    this.retryTimer = this.clock.setTimeout(() => {
      this.retryTimer = undefined;
      this.requestWork();
    }, delay);
  }

  // -------------------------------------------------------------------------------------------
  // Running units

  private onAssignment(frame: AssignmentFrame): void {
    const id = bytesToHex(frame.assignmentId);
    this.outstandingSlots = Math.max(0, this.outstandingSlots - 1);
    if (this.outstandingSlots === 0 && this.settleTimer !== undefined) {
      this.clock.clearTimeout(this.settleTimer);
      this.settleTimer = undefined;
    }
    if (this.stopping) return;
    if (this.running.has(id) || this.awaiting.has(id)) {
      this.log.warn("ignored a duplicate assignment", { assignmentId: id, unitId: frame.unitId });
      return;
    }
    const spoolBytes = unitSpoolBytes(
      frame,
      anchorStrideFor(frame.steps / frame.checkpointInterval),
    );
    const maxSpoolBytes = this.opts.maxUnitSpoolBytes ?? DEFAULT_MAX_UNIT_SPOOL_BYTES;
    if (spoolBytes > maxSpoolBytes) {
      this.log.warn("refused an assignment too large to spool", {
        unitId: frame.unitId,
        spoolBytes,
      });
      this.connection?.send({
        kind: "error",
        code: "WORKER_ERROR_BAD_ASSIGNMENT",
        message: `unit ${frame.unitId} would need ${spoolBytes} spool bytes; this worker takes at most ${maxSpoolBytes}`,
      });
      return;
    }
    const info: AssignmentInfo = {
      assignmentId: frame.assignmentId,
      unitId: frame.unitId,
      jobId: frame.jobId,
      startState: frame.startState,
      steps: frame.steps,
      checkpointInterval: frame.checkpointInterval,
      deadlineMs: frame.deadlineMs,
    };
    this.log.info("unit assigned", {
      unitId: info.unitId,
      jobId: info.jobId,
      steps: info.steps,
      checkpointInterval: info.checkpointInterval,
    });
    this.startUnit(info, undefined);
  }

  /** Runs a unit, from its start or from a checkpoint. */
  private startUnit(info: AssignmentInfo, resume: PartialRun | undefined): void {
    const id = bytesToHex(info.assignmentId);
    const unit: RunningUnit = {
      info,
      id,
      resume,
      controller: new AbortController(),
      startedAtMs: this.clock.now(),
      stepsDone: resume?.stepsDone ?? 0,
      bestEnergy: undefined,
      lastProgressSentMs: Number.NEGATIVE_INFINITY,
    };
    this.running.set(id, unit);
    if (resume !== undefined)
      this.log.info("unit resumed from its checkpoint", {
        unitId: info.unitId,
        stepsDone: resume.stepsDone,
        steps: info.steps,
      });
    this.emit("assignment", info);
    this.track(this.runUnit(unit));
  }

  private dropCheckpoint(info: AssignmentInfo): void {
    try {
      removeCheckpoint(this.opts.spoolDir, info.assignmentId);
    } catch (err) {
      this.log.error("spool: cannot remove a checkpoint", { unitId: info.unitId, error: err });
    }
  }

  private onProgress(unit: RunningUnit, stepsDone: number, bestEnergy: number): void {
    this.deps.metrics?.steps.inc(Math.max(0, stepsDone - unit.stepsDone));
    unit.stepsDone = stepsDone;
    unit.bestEnergy = bestEnergy;
    if (this.bestEnergy === undefined || bestEnergy < this.bestEnergy) this.bestEnergy = bestEnergy;
    const now = this.clock.now();
    const interval = this.opts.progressIntervalMs ?? PROGRESS_INTERVAL_MS;
    if (stepsDone >= unit.info.steps || now - unit.lastProgressSentMs < interval) return;
    if (
      this.connection?.send({
        kind: "progress",
        assignmentId: unit.info.assignmentId,
        stepsDone,
        bestEnergy,
      })
    )
      unit.lastProgressSentMs = now;
  }

  private async runUnit(unit: RunningUnit): Promise<void> {
    const { info } = unit;
    let result: SpooledResult;
    try {
      const output = await this.pool!.run(
        {
          ...info,
          ...(unit.resume === undefined ? {} : { resume: unit.resume }),
          checkpoint: {
            dir: this.opts.spoolDir,
            everyMs: this.opts.checkpointMs ?? DEFAULT_CHECKPOINT_MS,
            assignment: info,
          },
        },
        {
          signal: unit.controller.signal,
          onProgress: (p) => this.onProgress(unit, p.stepsDone, p.bestEnergy),
        },
      );
      result = sealResult(info, output, this.identity!.secretKey, this.clock.now());
    } catch (err) {
      this.running.delete(unit.id);
      if (isFoldnetError(err, "WORKER_ERROR_ABORTED") && this.stopping) {
        this.log.info("unit aborted", { unitId: info.unitId, stepsDone: unit.stepsDone });
        return;
      }
      const code = err instanceof FoldnetError ? err.code : "WORKER_ERROR_THREAD_FAILED";
      this.log.error("unit failed", { unitId: info.unitId, code, error: err });
      this.emit("unitFailed", { assignmentId: unit.id, unitId: info.unitId, code });
      this.requestWork();
      return;
    }
    this.deps.metrics?.steps.inc(Math.max(0, info.steps - unit.stepsDone));
    unit.stepsDone = info.steps;
    unit.bestEnergy = result.bestEnergy;
    if (this.bestEnergy === undefined || result.bestEnergy < this.bestEnergy)
      this.bestEnergy = result.bestEnergy;
    this.awaiting.set(unit.id, info.unitId);
    try {
      // Durable before anything leaves the machine: a commit the coordinator has seen can
      // always be reopened after a crash.
      await this.spool!.save(result);
      this.dropCheckpoint(info);
      this.emit("spooled", result);
    } catch (err) {
      this.log.error("spool: cannot store a result; keeping it in memory", {
        unitId: info.unitId,
        error: err,
      });
      this.unspooled.set(unit.id, result);
    }
    this.running.delete(unit.id);
    this.log.info("unit finished", {
      unitId: info.unitId,
      bestEnergy: result.bestEnergy,
      seconds: (this.clock.now() - unit.startedAtMs) / 1000,
    });
    if (this.connection?.connected) this.commit(result, false);
    this.requestWork();
  }

  private commit(result: SpooledResult, resend: boolean): void {
    const id = bytesToHex(result.assignmentId);
    if (!this.connection?.send({ kind: "resultCommit", ...commitFields(result) })) return;
    this.committedThisSession.add(id);
    this.submitted++;
    this.log.info(resend ? "result re-sent" : "result submitted", {
      unitId: result.unitId,
      bestEnergy: result.bestEnergy,
    });
    this.emit("committed", { assignmentId: id, unitId: result.unitId, resend });
  }

  // -------------------------------------------------------------------------------------------
  // Challenges and verdicts

  private async loadResult(id: string): Promise<SpooledResult | undefined> {
    return this.unspooled.get(id) ?? (await this.spool!.load(id));
  }

  private async onChallenge(frame: ChallengeFrame): Promise<void> {
    const id = bytesToHex(frame.assignmentId);
    const result = await this.loadResult(id).catch((err: unknown) => {
      this.log.error("spool: cannot read a challenged result", { assignmentId: id, error: err });
      return undefined;
    });
    if (result === undefined) {
      this.log.warn("challenge for a result this worker does not hold", { assignmentId: id });
      return;
    }
    let openings: ReturnType<typeof buildOpenings>;
    try {
      openings = buildOpenings(result, frame.segments);
    } catch (err) {
      this.log.warn("cannot open the challenged segments", { unitId: result.unitId, error: err });
      return;
    }
    if (this.connection?.send({ kind: "openings", assignmentId: frame.assignmentId, openings })) {
      this.log.info("challenge answered", {
        unitId: result.unitId,
        segments: frame.segments.length,
      });
      this.emit("openings", { assignmentId: id, segments: frame.segments });
    }
  }

  private async onVerdict(frame: VerdictFrame): Promise<void> {
    const id = bytesToHex(frame.assignmentId);
    const unitId = this.awaiting.get(id);
    this.awaiting.delete(id);
    this.unspooled.delete(id);
    try {
      await this.spool!.remove(id);
    } catch (err) {
      this.log.error("spool: cannot remove a result with a verdict", {
        assignmentId: id,
        error: err,
      });
    }
    if (frame.accepted) {
      this.accepted++;
      this.tokens += frame.reward;
      this.deps.metrics?.resultsAccepted.inc();
      this.deps.metrics?.tokensEarned.inc(frame.reward);
      this.log.info("result accepted", { unitId, reward: frame.reward });
    } else {
      this.rejected++;
      this.deps.metrics?.resultsRejected.inc({ reason: frame.code });
      // a stale result (another worker's result for the unit came first) is no fault of ours
      this.log[frame.code === "RESULT_ERROR_STALE" ? "info" : "warn"]("result rejected", {
        unitId,
        code: frame.code,
        message: frame.message,
      });
    }
    this.emit("verdict", frame);
  }

  /** Keeps a background promise until it settles, so that `stop()` can wait for it. */
  private track(p: Promise<void>): void {
    const tracked = p.catch((err: unknown) => {
      this.log.error("internal error", { error: err });
    });
    this.tasks.add(tracked);
    void tracked.finally(() => this.tasks.delete(tracked));
  }
}
