import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { systemClock } from "../../../common/clock.js";
import { silentLogger } from "../../../common/log.js";
import { generateIdentity } from "../../../protocol/identity.js";
import { WorkerControl } from "../../../worker/control.js";
import { DEFAULT_RULES } from "../../../worker/rules.js";
import { VolunteerWorker } from "../../../worker/worker.js";
import { FakeCoordinator } from "./fixtures/fake-coordinator.js";
import { SMALL_UNIT, TASK_LOADER } from "./fixtures/unit.js";

let spoolDir: string;
let coordinator: FakeCoordinator;
let worker: VolunteerWorker | undefined;
beforeEach(async () => {
  spoolDir = await mkdtemp(join(tmpdir(), "foldnet-worker-control-"));
  coordinator = await FakeCoordinator.listen(0);
});
afterEach(async () => {
  await worker?.stop();
  await coordinator.crash().catch(() => {});
  await rm(spoolDir, { recursive: true, force: true });
});

describe("a VolunteerWorker with controls (scripted coordinator, real sockets)", () => {
  it("asks for no work while paused, then for its live thread count, not the pool's", async () => {
    const control = new WorkerControl({
      rules: { ...DEFAULT_RULES, threads: 1 },
      maxThreads: 2,
      dataDir: spoolDir,
      clock: systemClock,
      log: silentLogger,
      proc: { procStat: () => "", selfStat: () => "" },
      powerSupplyDir: join(spoolDir, "none"),
    });
    control.pause();
    worker = new VolunteerWorker(
      { coordinator: `ws://127.0.0.1:${coordinator.port}`, threads: 2, spoolDir },
      { identity: generateIdentity(), taskFilename: TASK_LOADER, log: silentLogger, control },
    );
    await worker.start();
    const session = await coordinator.accept();
    const hello = await session.handshake(coordinator, "w-1");
    expect(hello.threads).toBe(2); // the ceiling the volunteer may raise the count to
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(session.frames.filter((f) => f.kind === "workRequest")).toEqual([]);

    control.resume();
    expect(await session.next("workRequest")).toEqual({ kind: "workRequest", slots: 1 });
    session.send({
      kind: "assignment",
      assignmentId: new Uint8Array(randomBytes(16)),
      unitId: "u-1",
      jobId: "j",
      startState: SMALL_UNIT.startState,
      steps: 8_000_000,
      checkpointInterval: 1_000_000,
      deadlineMs: Date.now() + 60_000,
    });
    await new Promise<void>((resolve) => worker!.once("assignment", () => resolve()));
    control.setRules({ threads: 2 });
    expect(await session.next("workRequest")).toEqual({ kind: "workRequest", slots: 1 });
  });
});
