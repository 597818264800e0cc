import { describe, expect, it } from "vitest";
import { runSoak } from "../soak/soak.js";

describe("the soak (CI length: about a minute of load)", () => {
  it("pays every unit exactly once through 3 coordinator and 2 worker SIGKILLs; the ledger verifies; integrity_check ok", async () => {
    const report = await runSoak({
      minutes: 0.75,
      workers: 2,
      coordinatorKills: 3,
      workerKills: 2,
      unitSteps: 1_048_576,
      concurrentJobs: 2,
    });
    expect(report.integrity).toBe("ok");
    expect(report.unitsVerified).toBeGreaterThan(0);
    expect(report.workEntries).toBe(report.unitsVerified); // one work entry per unit, none twice
    expect(report.issued).toBe(report.rewards);
    expect(report.lostAcknowledged).toEqual([]);
    expect(report.acknowledged).toBeGreaterThan(0);
  }, 170_000);
});
