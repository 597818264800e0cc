import { randomBytes } from "node:crypto";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Registry } from "prom-client";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createLineLogger } from "../../../common/log.js";
import type { FrameOf } from "../../../protocol/frames.js";
import { generateIdentity } from "../../../protocol/identity.js";
import { WorkerError } from "../../../worker/errors.js";
import { createWorkerMetrics, type WorkerMetrics } from "../../../worker/metrics.js";
import { LOCK_FILE } from "../../../worker/spool-lock.js";
import { unitFailureReason } from "../../../worker/units.js";
import { VolunteerWorker } from "../../../worker/worker.js";
import { waitFor } from "../../helpers/network.js";
import { FakeCoordinator, type FakeSession } from "./fixtures/fake-coordinator.js";
import { hex, LONG_UNIT, SMALL_UNIT, TASK_LOADER } from "./fixtures/unit.js";

// A real VolunteerWorker (one piscina thread) against a scripted coordinator: what it does with
// a `revoke` frame, and how it reports units it cannot run (`unitFailed`).
let spoolDir: string;
let coordinator: FakeCoordinator;
let worker: VolunteerWorker | undefined;
let metrics: WorkerMetrics;
const logs: string[] = [];

beforeEach(async () => {
  spoolDir = await mkdtemp(join(tmpdir(), "foldnet-revoke-"));
  coordinator = await FakeCoordinator.listen(0);
  logs.length = 0;
});
afterEach(async () => {
  await worker?.stop();
  await coordinator.crash().catch(() => {});
  await rm(spoolDir, { recursive: true, force: true });
});

/** Starts a worker with 100 ms checkpoints; resolves past its handshake and first request. */
async function started(): Promise<{ w: VolunteerWorker; session: FakeSession }> {
  metrics = createWorkerMetrics(new Registry(), () => w.status());
  const w: VolunteerWorker = new VolunteerWorker(
    {
      coordinator: `ws://127.0.0.1:${coordinator.port}`,
      threads: 1,
      spoolDir,
      checkpointMs: 100,
      progressIntervalMs: 0,
    },
    {
      identity: generateIdentity(),
      taskFilename: TASK_LOADER,
      log: createLineLogger((l) => logs.push(l), { level: "debug" }),
      metrics,
    },
  );
  worker = w;
  await w.start();
  const session = await coordinator.accept();
  await session.handshake(coordinator, "w-revoke");
  await session.next("workRequest");
  return { w, session };
}

function assignment(unit: { startState: Uint8Array; steps: number; checkpointInterval: number }) {
  return {
    kind: "assignment",
    assignmentId: new Uint8Array(randomBytes(16)),
    unitId: "unit-r",
    jobId: "job-r",
    ...unit,
    deadlineMs: Date.now() + 60_000,
  } satisfies FrameOf<"assignment">;
}

const files = async () => (await readdir(spoolDir)).filter((n) => n !== LOCK_FILE);
const counter = async (name: string) =>
  (await metrics.register.getSingleMetricAsString(name)).split("\n").at(-1)!.split(" ").at(-1);

describe("the worker and revoke", () => {
  it("stops a revoked unit's thread at once, deletes its checkpoint and asks for work again", async () => {
    const { w, session } = await started();
    const a = assignment(LONG_UNIT);
    session.send(a);
    await waitFor("a checkpoint", async () =>
      (await files()).some((f) => f.endsWith(".checkpoint.json")) ? true : undefined,
    );
    const revoked = new Promise((resolve) => w.once("revoked", resolve));
    const sentAt = Date.now();
    session.send({ kind: "revoke", assignmentId: a.assignmentId, reason: "REVOKE_JOB_CANCELLED" });
    expect(await revoked).toMatchObject({ reason: "REVOKE_JOB_CANCELLED" });
    expect((await session.next("workRequest")).slots).toBe(1); // the slot is free again
    expect(Date.now() - sentAt).toBeLessThan(2_000);
    expect(w.status().units).toEqual([]);
    expect(await files()).toEqual([]);
    const steps = await counter("foldnet_worker_steps_total");
    await new Promise((resolve) => setTimeout(resolve, 600)); // > 2 progress posts of the thread
    expect(await counter("foldnet_worker_steps_total")).toBe(steps);
    expect(await counter("foldnet_worker_units_revoked_total")).toBe("1");
    expect(session.frames.some((f) => f.kind === "resultCommit")).toBe(false);
  });

  it("drops a finished result it is told to drop, and ignores a revoke of nothing it holds", async () => {
    const { w, session } = await started();
    const a = assignment(SMALL_UNIT);
    session.send(a);
    await session.next("resultCommit");
    expect(await files()).toHaveLength(1);
    const revoked = new Promise((resolve) => w.once("revoked", resolve));
    session.send({ kind: "revoke", assignmentId: a.assignmentId, reason: "REVOKE_UNIT_DONE" });
    await revoked;
    expect(await files()).toEqual([]);
    expect(w.status().spooled).toBe(0);
    session.send({ kind: "revoke", assignmentId: new Uint8Array(16), reason: "REVOKE_JOB_DONE" });
    await waitFor("the ignored revoke", async () =>
      logs.some((l) => l.includes("revoke of a unit this worker does not hold")) ? true : undefined,
    );
    expect(await counter("foldnet_worker_units_revoked_total")).toBe("1");
  });
});

describe("the worker and stale verdicts", () => {
  it("drops a stale result without counting it as rejected", async () => {
    const { w, session } = await started();
    const a = assignment(SMALL_UNIT);
    session.send(a);
    await session.next("resultCommit");
    const verdict = new Promise((resolve) => w.once("verdict", resolve));
    session.send({
      kind: "verdict",
      assignmentId: a.assignmentId,
      accepted: false,
      code: "RESULT_ERROR_STALE",
      reward: 0n,
      message: "the unit is already done or its job has ended",
    });
    await verdict;
    expect(w.status()).toMatchObject({ resultsRejected: 0, spooled: 0 });
  });
});

describe("the worker and unitFailed", () => {
  it("reports a state of an unknown lattice as unsupported, a broken one as bad, and asks again", async () => {
    const { session } = await started();
    const unknownLattice = SMALL_UNIT.startState.slice();
    unknownLattice[4] = 99; // the lattice's wire code, after "FNS1"
    const a = assignment({ ...SMALL_UNIT, startState: unknownLattice });
    session.send(a);
    const failed = await session.next("unitFailed");
    expect(hex(failed.assignmentId)).toBe(hex(a.assignmentId));
    expect(failed.reason).toBe("UNIT_FAILED_UNSUPPORTED");
    await session.next("workRequest");

    const b = assignment({ ...SMALL_UNIT, startState: SMALL_UNIT.startState.slice(0, 20) });
    session.send(b);
    expect((await session.next("unitFailed")).reason).toBe("UNIT_FAILED_BAD_STATE");
    await session.next("workRequest");
    const text = await metrics.register.getSingleMetricAsString(
      "foldnet_worker_units_failed_total",
    );
    expect(text).toContain('reason="UNIT_FAILED_UNSUPPORTED"} 1');
    expect(text).toContain('reason="UNIT_FAILED_BAD_STATE"} 1');
  });
});

describe("unitFailureReason", () => {
  it("names what the coordinator is told for each way a unit can fail", () => {
    const failed = (cause: string, field?: string) =>
      new WorkerError(
        field === undefined
          ? { code: "WORKER_ERROR_TASK_FAILED", cause }
          : { code: "WORKER_ERROR_TASK_FAILED", cause, field },
      );
    expect(unitFailureReason(failed("SIM_ERROR_BAD_STATE", "model"))).toBe(
      "UNIT_FAILED_UNSUPPORTED",
    );
    expect(unitFailureReason(failed("SIM_ERROR_UNKNOWN_LATTICE"))).toBe("UNIT_FAILED_UNSUPPORTED");
    expect(unitFailureReason(failed("SIM_ERROR_BAD_STATE", "replicas"))).toBe(
      "UNIT_FAILED_BAD_STATE",
    );
    expect(unitFailureReason(failed("SIM_ERROR_BAD_PARAMETER", "steps"))).toBe(
      "UNIT_FAILED_BAD_STATE",
    );
    const crash = new WorkerError({ code: "WORKER_ERROR_THREAD_FAILED", reason: "OOM" });
    expect(unitFailureReason(crash)).toBe("UNIT_FAILED_CRASHED");
    const full = new WorkerError({ code: "WORKER_ERROR_QUEUE_MAX_LENGTH", maxQueue: 1 });
    expect(unitFailureReason(full)).toBe("UNIT_FAILED_OTHER");
    expect(unitFailureReason(new Error("?"))).toBe("UNIT_FAILED_OTHER");
  });
});
