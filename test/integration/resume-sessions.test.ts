import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { silentLogger } from "../../common/log.js";
import type { Coordinator, CoordinatorAddress } from "../../coordinator/coordinator.js";
import { parseJobSpec } from "../../coordinator/job-spec.js";
import { DEFAULT_SCHEDULER_OPTIONS } from "../../coordinator/scheduler.js";
import { generateIdentity } from "../../protocol/identity.js";
import { waitFor } from "../helpers/network.js";
import { ScriptedWorker } from "../helpers/scripted-worker.js";
import { createCoordinator } from "../helpers/test-coordinator.js";

// Per-session leases (harden) meet resumed units (verify): a worker restarted on its spool
// reports, on a new connection, the progress of a unit leased on the old one.
const GRACE = DEFAULT_SCHEDULER_OPTIONS.disconnectGraceMs;
const PROGRESS_GRACE = DEFAULT_SCHEDULER_OPTIONS.progressGraceMs;
let coordinator: Coordinator;
let address: CoordinatorAddress;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), "foldnet-resume-"));
  coordinator = await createCoordinator(
    { host: "127.0.0.1", port: 0, dbFile: join(dir, "c.db"), apiKeys: ["k"], verifyThreads: 0 },
    { log: silentLogger },
  );
  address = await coordinator.start();
});
afterAll(async () => {
  await coordinator.stop();
});

describe("a unit resumed on a new session of the same key", () => {
  it("has its lease extended by the new session and cut again when that one closes", async () => {
    // 2²⁴ steps: progress may extend the lease far (issue + steps at 10 k steps/s ≈ 28 min)
    await coordinator.scheduler.submitJob(
      parseJobSpec({ sequence: "HPHPPHHPHPPH", steps: 2 ** 24, unitSteps: 2 ** 24 }),
    );
    const identity = generateIdentity();
    const deadline = async (id: string) =>
      (await coordinator.store.getLease(id))!.assignment.deadline;
    const first = await ScriptedWorker.connect(address.wsUrl, identity);
    const assignment = await first.lease();
    const id = Buffer.from(assignment.assignmentId).toString("hex");
    first.close(); // the worker is killed
    await waitFor("the lease cut to the grace", async () =>
      (await deadline(id)) <= Date.now() + GRACE ? true : undefined,
    );

    const second = await ScriptedWorker.connect(address.wsUrl, identity);
    const progress = { kind: "progress" as const, assignmentId: assignment.assignmentId };
    second.send({ ...progress, stepsDone: 1_000, bestEnergy: 0 });
    await waitFor("the lease extended by the new session", async () =>
      (await deadline(id)) > Date.now() + GRACE + 60_000 ? true : undefined,
    );
    expect(await deadline(id)).toBeLessThanOrEqual(Date.now() + PROGRESS_GRACE);
    expect((await coordinator.store.getLease(id))!.assignment.status).toBe("active");

    second.close(); // killed again: the resumed unit is this session's to give back
    await waitFor("the lease cut to the grace again", async () =>
      (await deadline(id)) <= Date.now() + GRACE ? true : undefined,
    );
  });
});
