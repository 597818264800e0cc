/**
 * Result intake without sockets, for unit tests: a real store (in memory or on a file), a
 * scheduler, an intake with a challenge key, a worker key with one leased unit run honestly,
 * and frame sinks standing for the worker's sessions.
 * @module
 */
import { expect } from "vitest";
import { silentLogger } from "../../common/log.js";
import { challengeKey } from "../../coordinator/challenge-draw.js";
import { parseJobSpec } from "../../coordinator/job-spec.js";
import { DEFAULT_INTAKE_OPTIONS, ResultIntake } from "../../coordinator/result-intake.js";
import { DEFAULT_SCHEDULER_OPTIONS, Scheduler } from "../../coordinator/scheduler.js";
import { DEFAULT_SPOT_CHECK_POLICY, verifyOpenings } from "../../coordinator/spot-check.js";
import { settledStore } from "../../coordinator/store/settled-store.js";
import { SqliteStore } from "../../coordinator/store/sqlite-store.js";
import type { Lease } from "../../coordinator/store/store.js";
import type { ChallengeVerifier } from "../../coordinator/verify-pool.js";
import { assignmentFrame } from "../../coordinator/worker-session.js";
import type { Frame, FrameOf } from "../../protocol/frames.js";
import { generateIdentity, type Identity, keyId } from "../../protocol/identity.js";
import { buildOpenings, commitFields, sealResult } from "../../worker/result.js";
import type { SpooledResult } from "../../worker/spool.js";
import { runUnit } from "../../worker/unit-task.js";

/** A session standing in for a socket: records frames; `settled` resolves at a verdict or error. */
export function sink() {
  const frames: Frame[] = [];
  let done: (f: Frame) => void = () => {};
  const settled = new Promise<Frame>((resolve) => {
    done = resolve;
  });
  return {
    frames,
    settled,
    banned: false,
    adopted: new Set<string>(),
    adopt({ assignment }: Lease) {
      this.adopted.add(assignment.id);
    },
    send(frame: Frame) {
      frames.push(frame);
      if (frame.kind === "verdict" || frame.kind === "error") done(frame);
    },
    ban() {
      this.banned = true;
    },
  };
}
export type Sink = ReturnType<typeof sink>;

/** The coordinator's side: a store, a scheduler and an intake (a "restart" builds another on the same file and key). */
export function coordinatorSide(
  file: string,
  key: Identity,
  verify: ChallengeVerifier = async (ctx, o) => verifyOpenings(ctx, o),
) {
  // synchronous, so tests read it directly; the scheduler and intake take its async view
  const store = new SqliteStore(file);
  const scheduler = new Scheduler(DEFAULT_SCHEDULER_OPTIONS, {
    store: settledStore(store),
    now: Date.now,
  });
  const intake = new ResultIntake(
    { spotCheck: DEFAULT_SPOT_CHECK_POLICY, ...DEFAULT_INTAKE_OPTIONS, busyRetryMs: 1 },
    {
      store: settledStore(store),
      scheduler,
      verify,
      challengeKey: challengeKey(key.secretKey),
      log: silentLogger,
      now: Date.now,
    },
  );
  return { store, scheduler, intake };
}

/** A coordinator side with one job, a worker key and its first unit leased and run honestly. */
export async function setup(verify?: ChallengeVerifier, file = ":memory:") {
  const coordinatorKey = generateIdentity();
  const side = coordinatorSide(file, coordinatorKey, verify);
  const worker = generateIdentity();
  const workerHex = Buffer.from(worker.publicKey).toString("hex");
  side.store.touchWorker(workerHex, keyId(worker.publicKey), Date.now());
  await side.scheduler.submitJob(
    parseJobSpec({ sequence: "HPHPPHHPHPPH", steps: 4096, trajectories: 1 }),
  );
  const [lease] = await side.scheduler.lease(workerHex, 1);
  const assignment = assignmentFrame(lease!);
  const result = sealResult(assignment, runUnit(assignment), worker.secretKey, Date.now());
  return { ...side, coordinatorKey, worker, workerHex, assignment, result, job: lease!.job };
}
export type World = Awaited<ReturnType<typeof setup>>;

/** Commits `result` on `session`; returns the challenged segments. */
export async function commitOn(
  intake: ResultIntake,
  worker: Identity,
  result: SpooledResult,
  session: Sink = sink(),
): Promise<readonly number[]> {
  await intake.commit(worker.publicKey, { kind: "resultCommit", ...commitFields(result) }, session);
  const challenge = session.frames.at(-1) as FrameOf<"challenge">;
  expect(challenge.kind).toBe("challenge");
  return challenge.segments;
}

/** Commits, answers the challenge on the same session, and returns the final frame. */
export async function submit(
  { intake, worker, result }: Pick<World, "intake" | "worker" | "result">,
  session: Sink = sink(),
) {
  const segments = await commitOn(intake, worker, result, session);
  await intake.openings(
    worker.publicKey,
    {
      kind: "openings",
      assignmentId: result.assignmentId,
      openings: buildOpenings(result, segments),
    },
    session,
  );
  return session.settled;
}
