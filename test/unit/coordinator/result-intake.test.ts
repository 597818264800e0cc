import { describe, expect, it } from "vitest";
import { FoldnetError } from "../../../common/errors.js";
import { verifyOpenings } from "../../../coordinator/spot-check.js";
import type { FrameOf } from "../../../protocol/frames.js";
import { setup, submit } from "../../helpers/intake.js";

const busy = () => new FoldnetError({ code: "VERIFY_ERROR_BUSY" }, "full");

describe("result intake", () => {
  it("waits for a full verification pool instead of dropping the result", async () => {
    let calls = 0;
    const world = await setup(async (ctx, openings) => {
      if (++calls <= 2) throw busy();
      verifyOpenings(ctx, openings);
    });
    const verdict = (await submit(world)) as FrameOf<"verdict">;
    expect(calls).toBe(3);
    expect(verdict).toMatchObject({ kind: "verdict", accepted: true });
    expect(world.store.getJob(world.job.id)?.unitsDone).toBe(1);
  });

  it("tells the worker, without a strike, when the pool stays full", async () => {
    const world = await setup(async () => {
      throw busy();
    });
    const answer = await submit(world);
    expect(answer).toMatchObject({ kind: "error", code: "VERIFY_ERROR_BUSY" });
    expect(world.store.getWorker(world.workerHex)?.strikes).toBe(0);
  });
});
