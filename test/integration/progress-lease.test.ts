import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bytesToHex } from "@noble/hashes/utils.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { silentLogger } from "../../common/log.js";
import type { Coordinator, CoordinatorAddress } from "../../coordinator/coordinator.js";
import { parseJobSpec } from "../../coordinator/job-spec.js";
import { waitFor } from "../helpers/network.js";
import { ScriptedWorker } from "../helpers/scripted-worker.js";
import { createCoordinator } from "../helpers/test-coordinator.js";

// A real coordinator on 127.0.0.1 with an injected clock: leases are sized at 4,096 steps/s
// (a 4,096-step unit gets one second), reports extend them to 2 s past now, and the test sweeps
// expired leases itself after moving the clock.
const UNIT_STEPS = 4096;
const ASSUMED_STEPS_PER_SECOND = 4096;
let clock = 1_000_000;
let coordinator: Coordinator;
let address: CoordinatorAddress;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), "foldnet-progress-"));
  coordinator = await createCoordinator(
    {
      host: "127.0.0.1",
      port: 0,
      dbFile: join(dir, "p.db"),
      apiKeys: ["k"],
      verifyThreads: 0,
      scheduler: {
        minLeaseMs: 500,
        leaseStepsPerSecond: ASSUMED_STEPS_PER_SECOND,
        progressGraceMs: 2_000,
        minStepsPerSecond: 100,
        sweepIntervalMs: 3_600_000,
      },
    },
    { log: silentLogger, now: () => clock },
  );
  address = await coordinator.start();
});
afterAll(async () => {
  await coordinator.stop();
});

const deadlineOf = async (assignmentId: Uint8Array) =>
  (await coordinator.store.getLease(bytesToHex(assignmentId)))!.assignment;

describe("progress-based leases (real coordinator, real sockets)", () => {
  it("a worker at a quarter of the assumed speed keeps its lease; a silent one's unit is reissued", async () => {
    await coordinator.scheduler.submitJob(
      parseJobSpec({
        sequence: "HPHPPHHPHPPH",
        steps: 2 * UNIT_STEPS,
        trajectories: 2,
        unitSteps: UNIT_STEPS,
      }),
    );
    const slow = await ScriptedWorker.connect(address.wsUrl);
    const silent = await ScriptedWorker.connect(address.wsUrl);
    const unit = await slow.lease();
    const other = await silent.lease();
    expect(unit.deadlineMs - clock).toBe(1000); // 4,096 steps at the assumed speed
    const quarter = ASSUMED_STEPS_PER_SECOND / 4;
    // four seconds of the clock at 1,024 steps/s, one report a second
    for (let done = quarter; done <= UNIT_STEPS; done += quarter) {
      clock += 1000;
      slow.send({
        kind: "progress",
        assignmentId: unit.assignmentId,
        stepsDone: done,
        bestEnergy: 0,
      });
      const now = clock;
      await waitFor("the report to extend the lease", async () =>
        (await deadlineOf(unit.assignmentId)).deadline === now + 2_000 ? true : undefined,
      );
      await coordinator.scheduler.sweep();
      expect((await deadlineOf(unit.assignmentId)).status).toBe("active");
    }
    expect((await deadlineOf(other.assignmentId)).status).toBe("revoked");
    const verdict = await slow.submit(slow.run(unit));
    expect(verdict).toMatchObject({ accepted: true });
    // the silent worker's unit went back to the queue: the next request gets it
    expect((await slow.lease()).unitId).toBe(other.unitId);
    slow.close();
    silent.close();
  });
});
