import { describe, expect, it } from "vitest";
import { FoldnetError } from "../../../common/errors.js";
import { silentLogger } from "../../../common/log.js";
import { parseJobSpec } from "../../../coordinator/job-spec.js";
import { DEFAULT_INTAKE_OPTIONS, ResultIntake } from "../../../coordinator/result-intake.js";
import { DEFAULT_SCHEDULER_OPTIONS, Scheduler } from "../../../coordinator/scheduler.js";
import { DEFAULT_SPOT_CHECK_POLICY, verifyOpenings } from "../../../coordinator/spot-check.js";
import { SqliteStore } from "../../../coordinator/store/sqlite-store.js";
import type { ChallengeVerifier } from "../../../coordinator/verify-pool.js";
import { assignmentFrame } from "../../../coordinator/worker-session.js";
import type { Frame, FrameOf } from "../../../protocol/frames.js";
import { generateIdentity, keyId } from "../../../protocol/identity.js";
import { buildOpenings, commitFields, sealResult } from "../../../worker/result.js";
import { runUnit } from "../../../worker/unit-task.js";

/** A sink that records frames and resolves when a verdict or error arrives. */
function sink() {
  const frames: Frame[] = [];
  let done: (f: Frame) => void = () => {};
  const settled = new Promise<Frame>((resolve) => {
    done = resolve;
  });
  return {
    frames,
    settled,
    send(frame: Frame) {
      frames.push(frame);
      if (frame.kind === "verdict" || frame.kind === "error") done(frame);
    },
    ban() {},
  };
}

function setup(verify: ChallengeVerifier) {
  const store = new SqliteStore(":memory:");
  const scheduler = new Scheduler(DEFAULT_SCHEDULER_OPTIONS, { store, now: Date.now });
  const intake = new ResultIntake(
    { spotCheck: DEFAULT_SPOT_CHECK_POLICY, ...DEFAULT_INTAKE_OPTIONS, busyRetryMs: 1 },
    { store, scheduler, verify, log: silentLogger, now: Date.now },
  );
  const worker = generateIdentity();
  store.touchWorker(
    Buffer.from(worker.publicKey).toString("hex"),
    keyId(worker.publicKey),
    Date.now(),
  );
  scheduler.submitJob(parseJobSpec({ sequence: "HPHPPHHPHPPH", steps: 4096, trajectories: 1 }));
  const [lease] = scheduler.lease(Buffer.from(worker.publicKey).toString("hex"), 1);
  const { job } = lease!;
  const frame = assignmentFrame(lease!);
  const result = sealResult(frame, runUnit(frame), worker.secretKey, Date.now());
  return { store, intake, worker, result, job };
}

/** Commits, answers the challenge, and returns the final frame. */
async function submit({ intake, worker, result }: ReturnType<typeof setup>) {
  const challengeSink = sink();
  await intake.commit(
    worker.publicKey,
    { kind: "resultCommit", ...commitFields(result) },
    challengeSink,
  );
  const challenge = challengeSink.frames[0] as FrameOf<"challenge">;
  expect(challenge.kind).toBe("challenge");
  const verdictSink = sink();
  await intake.openings(
    worker.publicKey,
    {
      kind: "openings",
      assignmentId: result.assignmentId,
      openings: buildOpenings(result, challenge.segments),
    },
    verdictSink,
  );
  return verdictSink.settled;
}

const busy = () => new FoldnetError({ code: "VERIFY_ERROR_BUSY" }, "full");

describe("result intake", () => {
  it("waits for a full verification pool instead of dropping the result", async () => {
    let calls = 0;
    const world = setup(async (ctx, openings) => {
      if (++calls <= 2) throw busy();
      verifyOpenings(ctx, openings);
    });
    const verdict = (await submit(world)) as FrameOf<"verdict">;
    expect(calls).toBe(3);
    expect(verdict).toMatchObject({ kind: "verdict", accepted: true });
    expect(world.store.getJob(world.job.id)?.unitsDone).toBe(1);
  });

  it("tells the worker, without a strike, when the pool stays full", async () => {
    const world = setup(async () => {
      throw busy();
    });
    const answer = await submit(world);
    expect(answer).toMatchObject({ kind: "error", code: "VERIFY_ERROR_BUSY" });
    expect(
      world.store.getWorker(Buffer.from(world.worker.publicKey).toString("hex"))?.strikes,
    ).toBe(0);
  });
});
