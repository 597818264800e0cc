import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseJobSpec } from "../../../coordinator/job-spec.js";
import type { FrameOf } from "../../../protocol/frames.js";
import { runSkipping } from "../../../testkit/cheats.js";
import { commitFields } from "../../../worker/result.js";
import { commitOn, coordinatorSide, setup, sink, submit } from "../../helpers/intake.js";
import { tempDir } from "../../helpers/network.js";

describe("challenges bound to (assignment, committed root)", () => {
  it("draw the same segments for the same commit: sent twice, after a reconnect, across a restart", async () => {
    const file = join(tempDir("bind"), "c.db");
    const world = await setup(undefined, file);
    const { intake, worker, result } = world;
    const session = sink();
    const first = await commitOn(intake, worker, result, session);
    expect(await commitOn(intake, worker, result, session)).toEqual(first); // sent twice
    expect(await commitOn(intake, worker, result, sink())).toEqual(first); // a new connection
    world.store.close();
    const restarted = coordinatorSide(file, world.coordinatorKey); // same file, same key
    const session2 = sink();
    expect(await commitOn(restarted.intake, worker, result, session2)).toEqual(first);
    const verdict = await submit({ ...restarted, worker, result }, session2);
    expect(verdict).toMatchObject({ kind: "verdict", accepted: true });
    restarted.store.close();
  });

  it("refuse a different root for a challenged assignment as a strike", async () => {
    const world = await setup();
    const { intake, worker, result, assignment } = world;
    await commitOn(intake, worker, result);
    // the same assignment, re-sealed with one segment skipped: another root, validly signed
    const other = runSkipping(assignment, new Set([3]), worker.secretKey);
    const session = sink();
    await intake.commit(
      worker.publicKey,
      { kind: "resultCommit", ...commitFields(other) },
      session,
    );
    const verdict = (await session.settled) as FrameOf<"verdict">;
    expect(verdict).toMatchObject({
      kind: "verdict",
      accepted: false,
      code: "RESULT_ERROR_ROOT_CHANGED",
    });
    expect(world.store.getWorker(world.workerHex)?.strikes).toBe(1);
  });
});

describe("one key, two sessions", () => {
  it("gives no strike for honest openings when a second session commits the same assignment", async () => {
    const world = await setup();
    const { intake, worker, result } = world;
    const a = sink();
    const b = sink();
    const segmentsA = await commitOn(intake, worker, result, a);
    const segmentsB = await commitOn(intake, worker, result, b); // no longer overwrites a's challenge
    expect(segmentsB).toEqual(segmentsA);
    const verdict = await submit(world, a);
    expect(verdict).toMatchObject({ kind: "verdict", accepted: true });
    expect(world.store.getWorker(world.workerHex)?.strikes).toBe(0);
  });

  it("keeps the other session's leases when one session closes", async () => {
    const world = await setup();
    const { scheduler, store, workerHex } = world;
    // a second job, so the second session gets a lease of its own
    await scheduler.submitJob(
      parseJobSpec({ sequence: "HPHPPHHPHPPH", steps: 4096, trajectories: 1 }),
    );
    const [other] = await scheduler.lease(workerHex, 1);
    const before = store.getLease(other!.assignment.id)!.assignment.deadline;
    const first = Buffer.from(world.result.assignmentId).toString("hex");
    await scheduler.sessionClosed([first]);
    expect(store.getLease(other!.assignment.id)!.assignment.deadline).toBe(before);
    const closed = store.getLease(first)!;
    expect(closed.assignment.deadline).toBeLessThan(before);
  });
});
