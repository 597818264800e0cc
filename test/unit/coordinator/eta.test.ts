import { describe, expect, it } from "vitest";
import { etaOf } from "../../../coordinator/http-api.js";
import type { JobRecord } from "../../../coordinator/store/store.js";

const job = (o: Partial<JobRecord>): JobRecord =>
  ({
    status: "running",
    createdAt: 1_000,
    trajectories: 2,
    generations: 10,
    unitSteps: 1024,
    stepsDone: 0,
    ...o,
  }) as JobRecord;

describe("a job's ETA", () => {
  it("is the steps left at the verified steps/s since submission", () => {
    // 5,120 of 20,480 steps in 10 s: 512 steps/s, 15,360 left: 30 s
    expect(etaOf(job({ stepsDone: 5_120 }), 11_000)).toEqual({ stepsPerSecond: 512, seconds: 30 });
  });

  it("is unknown before the first verified unit and after the end", () => {
    expect(etaOf(job({}), 11_000)).toBeNull();
    expect(etaOf(job({ stepsDone: 5_120, status: "done" }), 11_000)).toBeNull();
  });
});
