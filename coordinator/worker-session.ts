/**
 * One worker's WebSocket connection, as a state machine: hello → auth challenge → auth
 * response → welcome, then work requests, progress (which extends leases, coordinator/
 * lease-progress.ts), results and unit failures (scheduler.ts `failed`). The leases it hands
 * out are registered with the coordinator's LeaseHolders until their verdict, so a `revoke`
 * frame can reach the session when their job ends. Every frame is bounded by
 * protocol/wire.ts before use; a frame that cannot be decoded or does not fit the state gets
 * a typed error frame, and too many of those, or a flood beyond the rate limit, close the
 * connection (1008). The session never throws into the server.
 * @module
 */
import { randomBytes } from "node:crypto";
import { bytesToHex } from "@noble/hashes/utils.js";
import type { WebSocket } from "ws";
import { FoldnetError } from "../common/errors.js";
import type { Logger } from "../common/log.js";
import { authPayload } from "../protocol/canonical.js";
import { type Frame, type FrameOf, REVOKE_REASONS, type RevokeReason } from "../protocol/frames.js";
import { keyId, verifySignature } from "../protocol/identity.js";
import { AUTH_NONCE_BYTES } from "../protocol/limits.js";
import { decodeFrame, encodeFrame, errorFrame } from "../protocol/wire.js";
import { sanitizeWorkerName } from "../protocol/worker-name.js";
import type { LeaseHolders } from "./lease-holders.js";
import { LeaseProgress } from "./lease-progress.js";
import type { CoordinatorMetrics } from "./metrics.js";
import type { ResultIntake } from "./result-intake.js";
import type { Scheduler } from "./scheduler.js";
import type { Lease, Store } from "./store/store.js";
import { StoreError } from "./store/store-error.js";
import type { WorkWaitlist } from "./work-waitlist.js";

/** Limits of one connection. */
export interface SessionOptions {
  /** Malformed or out-of-place frames tolerated before the connection is closed. */
  readonly maxBadFrames: number;
  /** Sustained frames per second allowed (token bucket refill rate). */
  readonly framesPerSecond: number;
  /** Burst of frames allowed (token bucket size). */
  readonly frameBurst: number;
  /** Most units one work request may lease. */
  readonly maxSlots: number;
  /**
   * Most active leases per announced thread (a unit running, or committed and awaiting its
   * verdict): a key cannot hoard the queue by asking again and again.
   */
  readonly maxLeasesPerThread: number;
  /** What `noWork.retryAfterMs` says when the queue is empty. */
  readonly noWorkRetryMs: number;
}

/** What a session needs from the coordinator. */
export interface SessionDeps {
  readonly coordinatorKey: Uint8Array;
  readonly store: Store;
  readonly scheduler: Scheduler;
  readonly results: ResultIntake;
  readonly waitlist: WorkWaitlist;
  /** Which session holds which lease (for revocations). */
  readonly holders: LeaseHolders;
  readonly log: Logger;
  readonly now: () => number;
  /** Times assignments (request → assignment) and verifications (commit → verdict). */
  readonly metrics?: Pick<CoordinatorMetrics, "endpoint" | "intake">;
  /** Called when a worker has authenticated (welcome sent), with its key (hex). */
  readonly onWorkerConnected?: (workerKeyHex: string) => void;
}

type Phase = "hello" | "auth" | "ready" | "closed";

/** The `assignment` frame that hands a lease to its worker. */
export function assignmentFrame({ assignment, unit, job }: Lease): FrameOf<"assignment"> {
  return {
    kind: "assignment",
    assignmentId: Buffer.from(assignment.id, "hex"),
    unitId: unit.id,
    jobId: job.id,
    startState: unit.startState,
    steps: unit.steps,
    checkpointInterval: job.checkpointInterval,
    deadlineMs: assignment.deadline,
  };
}

/** Close code for policy violations (RFC 6455 §7.4.1). */
const POLICY_VIOLATION = 1008;
/** WebSocket close code "try again later" (RFC 6455 registry). */
const TRY_AGAIN_LATER = 1013;

/** The server side of one worker connection. */
export class WorkerSession {
  private phase: Phase = "hello";
  private nonce: Uint8Array = new Uint8Array(0);
  private workerKey: Uint8Array = new Uint8Array(0);
  private badFrames = 0;
  /** Threads the worker announced in hello. */
  private threads = 1;
  /** Progress reports of this session's units (set once authenticated). */
  private progress: LeaseProgress | undefined;
  /** The team the worker declared in hello (signed with its auth response). */
  private team = "";
  /** The worker's name from hello, sanitised. */
  private name = "";
  private tokens: number;
  private refilledAt: number;

  constructor(
    private readonly socket: WebSocket,
    private readonly opts: SessionOptions,
    private readonly deps: SessionDeps,
  ) {
    this.tokens = opts.frameBurst;
    this.refilledAt = deps.now();
  }

  /** The authenticated worker's key (hex), or undefined before welcome. */
  get workerKeyHex(): string | undefined {
    return this.phase === "ready" || (this.phase === "closed" && this.workerKey.length > 0)
      ? bytesToHex(this.workerKey)
      : undefined;
  }

  /** Sends a frame if the socket is open. */
  send(frame: Frame): void {
    if (this.socket.readyState === this.socket.OPEN) this.socket.send(encodeFrame(frame));
    if (frame.kind === "verdict") {
      const id = bytesToHex(frame.assignmentId);
      this.deps.holders.release(id);
      this.deps.metrics?.intake.verdictSent(id, frame.accepted);
    }
    if (frame.kind === "revoke") this.progress?.revokedLease(frame.assignmentId);
  }

  /** Handles one WebSocket message; never throws. */
  async receive(data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean): Promise<void> {
    if (this.phase === "closed") return;
    if (!this.takeToken()) {
      this.reject("SESSION_ERROR_RATE_LIMITED", "too many frames: slow down");
      return;
    }
    if (!isBinary || !(data instanceof Buffer)) {
      this.reject("FRAME_ERROR_MALFORMED", "frames are binary protobuf messages");
      return;
    }
    let frame: Frame;
    try {
      frame = decodeFrame(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    } catch (err) {
      const e = err instanceof FoldnetError ? err : undefined;
      this.reject(e?.code ?? "FRAME_ERROR_MALFORMED", e?.message ?? "the frame cannot be decoded");
      return;
    }
    try {
      await this.dispatch(frame);
    } catch (err) {
      if (err instanceof StoreError) {
        // The database is away: nothing of this frame was recorded or acknowledged. Closing
        // makes the worker reconnect (here or elsewhere) and re-send its spooled results.
        this.deps.log.warn("store unavailable; closing the session", { kind: frame.kind });
        this.close(err.code, err.message, TRY_AGAIN_LATER);
        return;
      }
      this.deps.log.error("session handler failed", { err, kind: frame.kind });
      this.send(
        errorFrame("SESSION_ERROR_INTERNAL", "the coordinator could not handle this frame"),
      );
    }
  }

  /** Marks the session closed (the socket is gone). */
  closed(): void {
    this.phase = "closed";
    this.deps.waitlist.cancel(this);
  }

  private async dispatch(frame: Frame): Promise<void> {
    switch (this.phase) {
      case "hello":
        if (frame.kind === "hello") return this.onHello(frame);
        break;
      case "auth":
        if (frame.kind === "authResponse") return this.onAuthResponse(frame);
        break;
      case "ready":
        if (frame.kind === "workRequest") return this.onWorkRequest(frame);
        if (frame.kind === "progress") return this.onProgress(frame);
        if (frame.kind === "unitFailed") return this.onUnitFailed(frame);
        if (frame.kind === "resultCommit") {
          this.progress?.forget(frame.assignmentId);
          this.deps.holders.committed(bytesToHex(frame.assignmentId));
          this.deps.metrics?.intake.verificationStarted(bytesToHex(frame.assignmentId));
          return this.deps.results.commit(this.workerKey, frame, this);
        }
        if (frame.kind === "openings")
          return this.deps.results.openings(this.workerKey, frame, this);
        if (frame.kind === "error") {
          this.deps.log.warn("worker reported an error", {
            worker: keyId(this.workerKey),
            code: frame.code,
          });
          return;
        }
        break;
      case "closed":
        return;
    }
    this.reject("SESSION_ERROR_UNEXPECTED_FRAME", `a ${frame.kind} frame is not expected now`);
  }

  private onHello(frame: FrameOf<"hello">): void {
    this.workerKey = frame.publicKey;
    this.threads = frame.threads;
    this.team = frame.team ?? "";
    this.name = sanitizeWorkerName(frame.name ?? "");
    this.nonce = randomBytes(AUTH_NONCE_BYTES);
    this.phase = "auth";
    this.send({
      kind: "authChallenge",
      nonce: this.nonce,
      coordinatorKey: this.deps.coordinatorKey,
    });
  }

  private async onAuthResponse(frame: FrameOf<"authResponse">): Promise<void> {
    const payload = authPayload(this.nonce, this.deps.coordinatorKey, this.workerKey, this.team);
    if (!verifySignature(this.workerKey, payload, frame.signature)) {
      this.close(
        "AUTH_ERROR_BAD_SIGNATURE",
        "the auth signature does not verify with the key in hello",
      );
      return;
    }
    const id = keyId(this.workerKey);
    const key = bytesToHex(this.workerKey);
    const worker = await this.deps.store.touchWorker(key, id, this.deps.now(), this.name);
    if (worker.banned) {
      this.close(
        "AUTH_ERROR_BANNED",
        "this key is banned (repeated rejected results, or by an admin)",
      );
      return;
    }
    await this.deps.store.stats.setTeam(key, this.team, this.deps.now());
    this.phase = "ready";
    this.progress = new LeaseProgress(key, this.deps);
    this.send({ kind: "welcome", workerId: id });
    this.deps.log.info("worker connected", { worker: id, name: this.name });
    this.deps.onWorkerConnected?.(key);
  }

  /**
   * A progress report. A unit resumed after a restart was leased on an earlier session: once
   * its progress counts here, the session holds it (its close shortens it, a revocation reaches
   * it). A report on a lease that should be revoked is answered with the revocation.
   */
  private async onProgress(frame: FrameOf<"progress">): Promise<void> {
    const outcome = await this.progress?.report(frame);
    const id = bytesToHex(frame.assignmentId);
    if (outcome === undefined) {
      const unit = this.progress?.unitOf(frame.assignmentId);
      if (unit !== undefined) this.deps.holders.hold(id, this, unit.jobId, unit.unitId);
    } else if ((REVOKE_REASONS as readonly string[]).includes(outcome)) {
      this.deps.holders.release(id);
      this.deps.holders.send(this, id, outcome as RevokeReason);
    }
  }

  /** The worker cannot run a unit: its lease ends and the unit is queued again at once. */
  private async onUnitFailed(frame: FrameOf<"unitFailed">): Promise<void> {
    const id = bytesToHex(frame.assignmentId);
    const counted = await this.deps.scheduler.failed(id, bytesToHex(this.workerKey), frame.reason);
    this.progress?.forget(frame.assignmentId);
    if (counted !== undefined) this.deps.holders.release(id);
    this.deps.log[counted === undefined ? "info" : "warn"]("worker could not run a unit", {
      worker: keyId(this.workerKey),
      assignmentId: id,
      reason: frame.reason,
      message: frame.message,
      requeued: counted !== undefined,
    });
  }

  private async onWorkRequest(frame: FrameOf<"workRequest">): Promise<void> {
    const slots = Math.min(frame.slots, this.opts.maxSlots);
    const requestedAt = this.deps.now();
    const sent = await this.serve(slots, requestedAt);
    if (sent < slots) {
      this.deps.waitlist.park(this, {
        slots: slots - sent,
        serve: async (n) => (this.phase === "ready" ? this.serve(n, requestedAt) : 0),
        giveUp: () => this.send({ kind: "noWork", retryAfterMs: this.opts.noWorkRetryMs }),
      });
    }
  }

  /**
   * Leases up to `slots` units to this worker and sends their assignments; returns the count.
   * `requestedAt` is when the work request arrived (a parked request is served later).
   */
  private async serve(slots: number, requestedAt: number): Promise<number> {
    const key = bytesToHex(this.workerKey);
    const quota = await this.deps.scheduler.leaseQuota(key);
    const room =
      Math.min(this.threads * this.opts.maxLeasesPerThread, quota) -
      (await this.deps.store.activeLeaseCount(key));
    if (room <= 0) return 0;
    const leases = await this.deps.scheduler.lease(key, Math.min(slots, room));
    for (let i = 0; i < leases.length; i++)
      this.deps.metrics?.endpoint.assignmentLatencySeconds.observe(
        (this.deps.now() - requestedAt) / 1000,
      );
    for (const lease of leases) {
      this.deps.holders.hold(lease.assignment.id, this, lease.job.id, lease.unit.id);
      this.send(assignmentFrame(lease));
    }
    return leases.length;
  }

  /** A token-bucket rate limit on incoming frames. */
  private takeToken(): boolean {
    const now = this.deps.now();
    this.tokens = Math.min(
      this.opts.frameBurst,
      this.tokens + ((now - this.refilledAt) / 1000) * this.opts.framesPerSecond,
    );
    this.refilledAt = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** Answers a bad frame with a typed error; closes after too many. */
  private reject(code: string, message: string): void {
    this.badFrames++;
    if (this.badFrames > this.opts.maxBadFrames) {
      this.close(
        "SESSION_ERROR_TOO_MANY_BAD_FRAMES",
        `closing after ${this.badFrames} bad frames (last: ${code})`,
      );
      return;
    }
    this.send(errorFrame(code, message));
  }

  /**
   * Takes over a lease committed on this session that was handed out elsewhere (an earlier
   * session, or another coordinator on the same store): its close now shortens it too.
   */
  adopt({ assignment, job, unit }: Lease): void {
    this.deps.holders.hold(assignment.id, this, job.id, unit.id);
  }

  /** Ends the connection of a key that was just banned. */
  ban(code: string, message: string): void {
    this.close(code, message);
  }

  private close(code: string, message: string, closeCode = POLICY_VIOLATION): void {
    this.send(errorFrame(code, message));
    this.phase = "closed";
    this.socket.close(closeCode, code);
  }
}
