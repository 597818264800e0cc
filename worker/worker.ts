/**
 * The volunteer's process, wired: identity, connection, thread pool and spool
 * (docs/design.md "Parts and layers"). `VolunteerWorker` asks the coordinator for as many units as it has
 * free threads, runs them, spools each finished result durably *before* committing it, answers
 * spot-check challenges from the spool, and drops a result once its verdict arrives. It keeps
 * running units while disconnected and re-sends every spooled result after each reconnect.
 *
 * Frames it sends after the handshake: `workRequest{slots}`, `progress` (at most every
 * `progressIntervalMs` per unit), `resultCommit`, `openings`. Frames it handles: `assignment`,
 * `noWork`, `challenge`, `verdict`, `error` (logged). See docs/worker.md for its parts.
 * @module
 */
import { EventEmitter } from "node:events";
import { bytesToHex, hexToBytes } from "@noble/hashes/utils.js";
import { type Clock, systemClock } from "../common/clock.js";
import { FoldnetError, isFoldnetError } from "../common/errors.js";
import { type Logger, silentLogger } from "../common/log.js";
import type { AssignmentFrame, ChallengeFrame, Frame, VerdictFrame } from "../protocol/frames.js";
import { type Identity, keyId, loadOrCreateIdentity } from "../protocol/identity.js";
import { MAX_WORKER_THREADS } from "../protocol/limits.js";
import { loadResumable, type PartialRun } from "./checkpoint.js";
import { WorkerConnection } from "./connection.js";
import { coordinatorUrls } from "./failover.js";
import {
  CLIENT_NAME,
  PROGRESS_INTERVAL_MS,
  type VolunteerWorkerDeps,
  type VolunteerWorkerEvents,
  type VolunteerWorkerOptions,
} from "./options.js";
import { ResultOutbox } from "./outbox.js";
import { createUnitPool, type UnitPool } from "./pool.js";
import { WorkRequests } from "./requests.js";
import { type AssignmentInfo, commitFields } from "./result.js";
import { Spool, type SpooledResult } from "./spool.js";
import { DEFAULT_MAX_UNIT_SPOOL_BYTES, unitSpoolBytes } from "./spool-size.js";
import { unitStatus, WorkerStats } from "./stats.js";
import type { WorkerStatus } from "./status.js";
import { anchorStrideFor } from "./unit-task.js";
import { assignmentInfo, type RunningUnit, UnitRunner, unitFailedFrame } from "./units.js";

/** The volunteer worker: `start()`, `stop()`, `status()`. */
export class VolunteerWorker extends EventEmitter<VolunteerWorkerEvents> {
  private readonly opts: VolunteerWorkerOptions;
  private readonly deps: VolunteerWorkerDeps;
  private readonly log: Logger;
  private readonly clock: Clock;
  private readonly urls: readonly string[];
  private identity: Identity | undefined;
  private connection: WorkerConnection | undefined;
  private pool: UnitPool | undefined;
  private outbox: ResultOutbox | undefined;
  private units: UnitRunner | undefined;
  private readonly stats: WorkerStats;
  /** Background work (spool writes, unit completions) that `stop()` waits for. */
  private readonly tasks = new Set<Promise<void>>();
  private readonly requests: WorkRequests;
  private workerId: string | undefined;
  private started = false;
  private stopping = false;

  /**
   * @throws {WorkerError} WORKER_ERROR_BAD_URL for a coordinator URL that is not ws(s)://, or none.
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
    this.urls = coordinatorUrls(opts.coordinator);
    this.stats = new WorkerStats(deps.metrics);
    const { control } = deps;
    this.requests = new WorkRequests({
      get threads() {
        return control?.threads ?? opts.threads;
      },
      clock: this.clock,
      log: this.log,
      active: () =>
        !this.stopping && this.connection?.connected === true && control?.mayRequest() !== false,
      running: () => this.runningCount(),
      send: (frame) => this.connection!.send(frame),
    });
    control?.on("changed", () => this.requests.request());
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
    const spool = new Spool(this.opts.spoolDir, { log: this.log, publicKey: identity.publicKey });
    const outbox = new ResultOutbox(spool, this.log);
    this.outbox = outbox;
    await outbox.open();
    const pool = createUnitPool({
      threads: this.opts.threads,
      ...(this.deps.taskFilename === undefined ? {} : { filename: this.deps.taskFilename }),
    });
    this.pool = this.deps.control?.wrap(pool) ?? pool;
    this.units = new UnitRunner({
      pool: this.pool,
      spoolDir: this.opts.spoolDir,
      secretKey: identity.secretKey,
      checkpointMs: this.opts.checkpointMs,
      progressIntervalMs: this.opts.progressIntervalMs ?? PROGRESS_INTERVAL_MS,
      clock: this.clock,
      log: this.log,
      stats: this.stats,
      outbox,
      sendProgress: (frame) => this.connection?.send(frame) ?? false,
    });
    const checkpoints = await loadResumable(
      this.opts.spoolDir,
      anchorStrideFor,
      (id) => outbox.has(id),
      this.log,
    );
    this.log.info("worker starting", {
      keyId: this.keyId,
      coordinators: this.urls,
      threads: this.opts.threads,
      spool: this.opts.spoolDir,
      spooled: outbox.size,
      resumed: checkpoints.length,
    });
    for (const c of checkpoints) this.startUnit(c.assignment, c);
    const connection = new WorkerConnection(
      {
        urls: this.urls,
        identity,
        client: CLIENT_NAME,
        threads: this.opts.threads,
        ...(this.opts.team === undefined ? {} : { team: this.opts.team }),
        ...(this.opts.name === undefined ? {} : { name: this.opts.name }),
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
    this.requests.cancel();
    this.log.info("worker stopping", { running: this.runningCount() });
    this.units?.abortAll();
    while (this.tasks.size > 0) await Promise.allSettled([...this.tasks]);
    await this.pool?.close();
    await this.connection?.stop();
    await this.outbox?.close();
    this.log.info("worker stopped", { spooled: this.outbox?.size ?? 0 });
  }

  /** A snapshot for the display and tests. */
  status(): WorkerStatus {
    const now = this.clock.now();
    const units = [...(this.units?.running.values() ?? [])].map((u) => unitStatus(u, now));
    return {
      connection: this.connection?.state ?? "idle",
      coordinator: this.connection?.url ?? this.urls[0]!,
      keyId: this.keyId,
      workerId: this.workerId,
      threads: this.opts.threads,
      units,
      stepsPerSecond: units.reduce((sum, u) => sum + u.stepsPerSecond, 0),
      ...this.stats.totals(),
      spooled: this.outbox?.size ?? 0,
      reconnects: Math.max(0, (this.connection?.sessionCount ?? 0) - 1),
    };
  }

  // -------------------------------------------------------------------------------------------
  // Session

  private onConnected(workerId: string): void {
    if (this.workerId !== undefined) this.stats.reconnected();
    this.workerId = workerId;
    this.outbox?.newSession();
    this.requests.reset();
    this.emit("connected", workerId);
    this.track(
      this.outbox!.resend({
        connected: () => this.connection?.connected === true,
        running: (id) => this.units?.running.has(id) === true,
        commit: (result) => this.commit(result, true),
      }).then(() => this.requests.request()),
    );
  }

  private onDisconnected(): void {
    this.requests.reset();
    if (!this.stopping)
      this.log.warn("disconnected from the coordinator; units keep running", {
        running: this.runningCount(),
      });
    this.emit("disconnected");
  }

  private runningCount(): number {
    return this.units?.running.size ?? 0;
  }

  private onFrame(frame: Frame): void {
    switch (frame.kind) {
      case "assignment":
        this.onAssignment(frame);
        return;
      case "noWork":
        this.requests.noWork(frame, this.stopping);
        return;
      case "challenge":
        this.track(this.onChallenge(frame));
        return;
      case "verdict":
        this.track(this.onVerdict(frame));
        return;
      case "revoke": // stop the unit now, drop its files; the freed slot asks for work
        this.track(
          this.units!.revoke(frame).then((held) => void (held && this.emit("revoked", frame))),
        );
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
  // Running units

  private onAssignment(frame: AssignmentFrame): void {
    const id = bytesToHex(frame.assignmentId);
    this.requests.assigned();
    if (this.stopping) return;
    if (this.units?.running.has(id) || this.outbox?.has(id)) {
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
      const why = `unit ${frame.unitId} needs ${spoolBytes} spool bytes, at most ${maxSpoolBytes} here`;
      this.connection?.send(unitFailedFrame(frame.assignmentId, "UNIT_FAILED_TOO_LARGE", why));
      this.requests.request();
      return;
    }
    const info = assignmentInfo(frame);
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
    const unit = this.units!.add(info, resume);
    this.emit("assignment", info);
    this.track(this.runUnit(unit));
  }

  private async runUnit(unit: RunningUnit): Promise<void> {
    const { info } = unit;
    let result: SpooledResult;
    try {
      result = await this.units!.run(unit);
    } catch (err) {
      if (isFoldnetError(err, "WORKER_ERROR_ABORTED") && (this.stopping || unit.revoked)) {
        this.log.info("unit aborted", { unitId: info.unitId, stepsDone: unit.stepsDone });
        if (unit.revoked) this.units!.dropCheckpoint(info); // its thread is gone: no more writes
        if (unit.revoked) this.requests.request();
        return;
      }
      const code = err instanceof FoldnetError ? err.code : "WORKER_ERROR_THREAD_FAILED";
      this.log.error("unit failed", { unitId: info.unitId, code, error: err });
      this.connection?.send(this.units!.failure(unit, err));
      this.emit("unitFailed", { assignmentId: unit.id, unitId: info.unitId, code });
      this.requests.request();
      return;
    }
    await this.outbox!.keep(unit.id, result, () => {
      this.units!.dropCheckpoint(info);
      this.emit("spooled", result);
    });
    this.units!.running.delete(unit.id);
    this.log.info("unit finished", {
      unitId: info.unitId,
      bestEnergy: result.bestEnergy,
      seconds: (this.clock.now() - unit.startedAtMs) / 1000,
    });
    if (this.connection?.connected) this.commit(result, false);
    this.requests.request();
  }

  private commit(result: SpooledResult, resend: boolean): void {
    const id = bytesToHex(result.assignmentId);
    if (!this.connection?.send({ kind: "resultCommit", ...commitFields(result) })) return;
    this.outbox!.committed(id);
    this.stats.submittedOne();
    this.log.info(resend ? "result re-sent" : "result submitted", {
      unitId: result.unitId,
      bestEnergy: result.bestEnergy,
    });
    this.emit("committed", { assignmentId: id, unitId: result.unitId, resend });
  }

  // -------------------------------------------------------------------------------------------
  // Challenges and verdicts

  private async onChallenge(frame: ChallengeFrame): Promise<void> {
    const id = bytesToHex(frame.assignmentId);
    const opened = await this.outbox!.openings(id, frame.segments);
    if (opened === undefined) return;
    const { unitId, openings } = opened;
    if (this.connection?.send({ kind: "openings", assignmentId: frame.assignmentId, openings })) {
      this.log.info("challenge answered", { unitId, segments: frame.segments.length });
      this.emit("openings", { assignmentId: id, segments: frame.segments });
    }
  }

  private async onVerdict(frame: VerdictFrame): Promise<void> {
    const id = bytesToHex(frame.assignmentId);
    const unitId = await this.outbox!.settle(id);
    this.stats.verdict(frame);
    if (frame.accepted) {
      this.log.info("result accepted", { unitId, reward: frame.reward });
    } else {
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
