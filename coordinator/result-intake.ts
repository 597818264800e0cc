/**
 * What happens to a submitted result: look up its lease (in the store, so a result is taken by
 * any coordinator sharing it, wherever the unit was leased), answer duplicates and stale leases
 * without penalty, run the structural check, challenge the worker to open segments of its
 * committed trajectory, check the openings by replay, and record the result — in one store
 * transaction — before the verdict (the acknowledgement) is sent. A rejected result earns a
 * strike when the sender is at fault, which also ends its lease at once and drops the key's
 * lease quota; enough strikes ban the key. A stale result (its job ended, its unit was done by
 * another lease, or its worker reported the unit failed) is answered without being counted
 * against the key: strikes and the rejected count are for lies only.
 * @module
 */
import { setTimeout as delay } from "node:timers/promises";
import { equalBytes } from "@noble/curves/utils.js";
import { bytesToHex } from "@noble/hashes/utils.js";
import { ErrorAction, FoldnetError } from "../common/errors.js";
import type { Logger } from "../common/log.js";
import type { Frame, FrameOf } from "../protocol/frames.js";
import { keyId } from "../protocol/identity.js";
import { challengeSeed, seededRandom } from "./challenge-draw.js";
import { ResultError } from "./errors.js";
import { revokeReasonOf } from "./lease-holders.js";
import { creditFor } from "./ledger-credit.js";
import { checkResultCommit, staleLease } from "./result-check.js";
import type { Scheduler } from "./scheduler.js";
import {
  challengeContext,
  chooseSegments,
  type SpotCheckPolicy,
  segmentsFor,
} from "./spot-check.js";
import type { AcceptedResult, Lease, Store } from "./store/store.js";
import type { ChallengeVerifier } from "./verify-pool.js";

/** Where verdicts and challenges go: the worker's session. */
export interface FrameSink {
  send(frame: Frame): void;
  /**
   * The commit answers the sender's own active lease, leased on any session of any coordinator
   * sharing the store: the session takes it over (its close shortens the lease like its own).
   */
  adopt(lease: Lease): void;
  /** Ends the connection with a typed error (a key just banned). */
  ban(code: string, message: string): void;
}

/** Tunables of result intake. */
export interface IntakeOptions {
  readonly spotCheck: SpotCheckPolicy;
  /** Strikes that ban a key. */
  readonly banAfterStrikes: number;
  /** When the verification pool is full: wait this long and try again … */
  readonly busyRetryMs: number;
  /** … at most this many times, then tell the worker (it keeps its result and re-sends it). */
  readonly busyRetries: number;
}

/** Defaults: a strike-3 ban; a full verification pool is retried every second for a minute. */
export const DEFAULT_INTAKE_OPTIONS: Omit<IntakeOptions, "spotCheck"> = {
  banAfterStrikes: 3,
  busyRetryMs: 1_000,
  busyRetries: 60,
};

/** What intake needs. */
export interface IntakeDeps {
  readonly store: Store;
  readonly scheduler: Scheduler;
  readonly verify: ChallengeVerifier;
  /** The coordinator's challenge key (challenge-draw.ts): segments drawn from it survive restarts. */
  readonly challengeKey: Uint8Array;
  readonly log: Logger;
  readonly now: () => number;
  /** Observes every outcome (metrics). */
  readonly onOutcome?: (outcome: "accepted" | "duplicate" | ErrorAction, code: string) => void;
  /** Observes every reward credited (metrics). */
  readonly onReward?: (reward: bigint) => void;
}

interface Pending {
  readonly lease: Lease;
  readonly commit: FrameOf<"resultCommit">;
  readonly segments: number[];
}

/** Receives result commits and openings from sessions. */
export class ResultIntake {
  /** Commits waiting for their openings, by session, then by assignment id (hex). */
  private readonly pending = new Map<FrameSink, Map<string, Pending>>();

  constructor(
    private readonly opts: IntakeOptions,
    private readonly deps: IntakeDeps,
  ) {}

  /** A worker committed to a result. */
  async commit(
    workerKey: Uint8Array,
    commit: FrameOf<"resultCommit">,
    sink: FrameSink,
  ): Promise<void> {
    const assignmentId = bytesToHex(commit.assignmentId);
    try {
      const lease = await this.deps.store.getLease(assignmentId);
      if (lease === undefined)
        throw new ResultError(
          "RESULT_ERROR_UNKNOWN_ASSIGNMENT",
          "no such assignment was ever issued by this network",
          // no strike: it gains nothing, and an honest worker meets it when its list names a
          // coordinator of another network (or its database was restored from a backup)
          ErrorAction.IGNORE,
        );
      const previous = await this.deps.store.getResultByAssignment(assignmentId);
      if (previous !== undefined && previous.workerKey === bytesToHex(workerKey)) {
        this.deps.onOutcome?.("duplicate", "");
        sink.send(
          verdict(
            commit.assignmentId,
            true,
            "",
            previous.reward,
            "already accepted; not rewarded again",
          ),
        );
        return;
      }
      if (revokeReasonOf(lease) !== undefined || lease.assignment.status === "failed") {
        checkResultCommit(lease, commit, workerKey); // a forged or foreign result is still a lie
        throw staleLease();
      }
      checkResultCommit(lease, commit, workerKey);
      if (lease.assignment.status === "active") sink.adopt(lease);
      const segments = await this.challenge(lease, commit, workerKey);
      const open = this.pending.get(sink) ?? new Map<string, Pending>();
      this.pending.set(sink, open.set(assignmentId, { lease, commit, segments }));
      sink.send({ kind: "challenge", assignmentId: commit.assignmentId, segments });
    } catch (err) {
      await this.refuse(workerKey, commit.assignmentId, err, sink);
    }
  }

  /**
   * The segments to open for a commit: bound, at its first commit, to the assignment's root and
   * m; drawn from (challenge key, assignment, root), so the same commit always gets the same.
   * @throws {ResultError} RESULT_ERROR_ROOT_CHANGED when the assignment was committed to another root.
   */
  private async challenge(
    lease: Lease,
    commit: FrameOf<"resultCommit">,
    workerKey: Uint8Array,
  ): Promise<number[]> {
    const worker = await this.deps.store.getWorker(bytesToHex(workerKey));
    const bound = await this.deps.store.bindCommit(
      lease.assignment.id,
      commit.merkleRoot,
      segmentsFor(this.opts.spotCheck, worker),
    );
    if (!equalBytes(bound.merkleRoot, commit.merkleRoot)) {
      throw new ResultError(
        "RESULT_ERROR_ROOT_CHANGED",
        "this assignment was already committed to another Merkle root",
      );
    }
    const seed = challengeSeed(this.deps.challengeKey, commit.assignmentId, commit.merkleRoot);
    const segmentCount = lease.unit.steps / lease.job.checkpointInterval;
    return chooseSegments(segmentCount, bound.segments, seededRandom(seed));
  }

  /** A worker opened the segments of a challenge. */
  async openings(
    workerKey: Uint8Array,
    frame: FrameOf<"openings">,
    sink: FrameSink,
  ): Promise<void> {
    const assignmentId = bytesToHex(frame.assignmentId);
    const pending = this.pending.get(sink)?.get(assignmentId);
    if (pending === undefined || pending.lease.assignment.workerKey !== bytesToHex(workerKey)) {
      sink.send({
        kind: "error",
        code: "RESULT_ERROR_NO_CHALLENGE",
        message: "no challenge is open for this assignment",
      });
      return;
    }
    this.pending.get(sink)?.delete(assignmentId);
    const ctx = challengeContext(pending.lease, pending.commit, pending.segments);
    for (let attempt = 0; ; attempt++) {
      try {
        await this.deps.verify(ctx, frame.openings);
      } catch (err) {
        if (err instanceof ResultError || !(err instanceof FoldnetError)) {
          await this.refuse(workerKey, frame.assignmentId, err, sink);
          return;
        }
        // the pool is full: not the worker's fault; wait for room
        if (attempt >= this.opts.busyRetries) {
          this.deps.log.warn("verification refused", { worker: keyId(workerKey), code: err.code });
          sink.send({ kind: "error", code: err.code, message: err.message });
          return;
        }
        await delay(this.opts.busyRetryMs);
        continue;
      }
      await this.record(workerKey, pending, sink);
      return;
    }
  }

  /** Forgets the open challenges of a session that went away (its worker re-sends its commits later). */
  dropSession(sink: FrameSink): void {
    this.pending.delete(sink);
  }

  /** Records an accepted result, then sends the verdict. */
  private async record(
    workerKey: Uint8Array,
    { lease, commit, segments }: Pending,
    sink: FrameSink,
  ): Promise<void> {
    const result = acceptedResult(lease, commit, segments, this.deps.now());
    const outcome = await this.deps.scheduler.accept(result, (ctx) => creditFor(ctx, result));
    if (outcome.kind === "stale") {
      await this.refuse(workerKey, commit.assignmentId, staleLease(), sink);
      return;
    }
    this.deps.onOutcome?.(outcome.kind, "");
    if (outcome.kind === "accepted") this.deps.onReward?.(outcome.reward);
    this.deps.log.info("result accepted", {
      worker: keyId(workerKey),
      unit: lease.unit.id,
      bestEnergy: commit.bestEnergy,
      reward: outcome.reward,
      jobFinished: outcome.kind === "accepted" && outcome.jobFinished,
    });
    sink.send(verdict(commit.assignmentId, true, "", outcome.reward, "accepted"));
  }

  /**
   * Sends a rejection verdict and, when the sender is at fault, counts the rejection and a
   * strike; a stale result (IGNORE) counts for nothing.
   */
  private async refuse(
    workerKey: Uint8Array,
    assignmentId: Uint8Array,
    err: unknown,
    sink: FrameSink,
  ): Promise<void> {
    if (!(err instanceof ResultError)) throw err;
    const strike = err.type.action === ErrorAction.REJECT;
    const key = bytesToHex(workerKey);
    const worker =
      !strike || (await this.deps.store.getWorker(key)) === undefined
        ? undefined
        : await this.deps.store.recordRejection(key, true, this.opts.banAfterStrikes);
    if (worker !== undefined) await this.deps.scheduler.rejected(bytesToHex(assignmentId), key);
    this.deps.onOutcome?.(err.type.action, err.code);
    this.deps.log[strike ? "warn" : "info"]("result rejected", {
      worker: keyId(workerKey),
      code: err.code,
      action: err.type.action,
    });
    sink.send(verdict(assignmentId, false, err.code, 0n, err.message));
    if (worker?.banned === true) {
      this.dropSession(sink);
      sink.ban("AUTH_ERROR_BANNED", `banned after ${worker.strikes} rejected results`);
    }
  }
}

/** What the store records of a verified commit on `lease` (the lease's worker key). */
export function acceptedResult(
  lease: Lease,
  commit: FrameOf<"resultCommit">,
  segments: readonly number[],
  at: number,
): AcceptedResult {
  return {
    assignmentId: lease.assignment.id,
    workerKey: lease.assignment.workerKey,
    bestEnergy: commit.bestEnergy,
    bestFold: commit.bestFold,
    steps: commit.steps,
    finalState: commit.finalState,
    finalStateHash: commit.finalStateHash,
    merkleRoot: commit.merkleRoot,
    segments,
    at,
  };
}

function verdict(
  assignmentId: Uint8Array,
  accepted: boolean,
  code: string,
  reward: bigint,
  message: string,
): FrameOf<"verdict"> {
  return { kind: "verdict", assignmentId, accepted, code, reward, message };
}
