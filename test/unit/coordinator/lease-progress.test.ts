import { bytesToHex, hexToBytes } from "@noble/hashes/utils.js";
import { describe, expect, it } from "vitest";
import { parseJobSpec } from "../../../coordinator/job-spec.js";
import { LeaseProgress } from "../../../coordinator/lease-progress.js";
import { DEFAULT_SCHEDULER_OPTIONS, Scheduler } from "../../../coordinator/scheduler.js";
import { settledStore } from "../../../coordinator/store/settled-store.js";
import { SqliteStore } from "../../../coordinator/store/sqlite-store.js";

async function setup() {
  let now = 1_000_000;
  const sync = new SqliteStore(":memory:");
  const store = settledStore(sync);
  const scheduler = new Scheduler(
    {
      ...DEFAULT_SCHEDULER_OPTIONS,
      minLeaseMs: 1_000,
      leaseStepsPerSecond: 4096,
      progressGraceMs: 10_000,
      minStepsPerSecond: 256, // 4,096 steps: never past issue + 16 s
      disconnectGraceMs: 2_000,
    },
    { store, now: () => now },
  );
  await scheduler.submitJob(
    parseJobSpec({ sequence: "HPHPPHHPHPPH", steps: 4096, unitSteps: 4096, trajectories: 1 }),
  );
  const key = "ab".repeat(32);
  const [lease] = await scheduler.lease(key, 1);
  const id = hexToBytes(lease!.assignment.id);
  const tracker = new LeaseProgress(key, { store, scheduler, now: () => now });
  const report = (stepsDone: number) =>
    tracker.report({ kind: "progress", assignmentId: id, stepsDone, bestEnergy: 0 });
  const deadline = () => sync.getLease(lease!.assignment.id)!.assignment.deadline;
  return {
    sync,
    store,
    scheduler,
    key,
    id,
    tracker,
    report,
    deadline,
    advance: (ms: number) => (now += ms),
    at: () => now,
  };
}

describe("progress-based leases", () => {
  it("extend to now + grace when the deadline is near, and not before", async () => {
    const t = await setup();
    expect(t.deadline()).toBe(t.at() + 1_000);
    expect(await t.report(100)).toBeUndefined();
    expect(t.deadline()).toBe(t.at() + 10_000);
    t.advance(4_000); // 6 s left: more than half a grace, no store write
    expect(await t.report(200)).toBeUndefined();
    expect(t.deadline()).toBe(t.at() + 6_000);
    t.advance(2_000); // 4 s left
    await t.report(300);
    expect(t.deadline()).toBe(t.at() + 10_000);
  });

  it("ignore reports that do not advance, exceed the unit, or name another key's lease", async () => {
    const t = await setup();
    await t.report(100);
    expect(await t.report(100)).toBe("not-advancing");
    expect(await t.report(50)).toBe("not-advancing");
    const foreign = new LeaseProgress("cd".repeat(32), {
      store: t.store,
      scheduler: t.scheduler,
      now: t.at,
    });
    expect(
      await foreign.report({ kind: "progress", assignmentId: t.id, stepsDone: 1, bestEnergy: 0 }),
    ).toBe("unknown-lease");
    const fresh = new LeaseProgress(t.key, { store: t.store, scheduler: t.scheduler, now: t.at });
    expect(
      await fresh.report({ kind: "progress", assignmentId: t.id, stepsDone: 4097, bestEnergy: 0 }),
    ).toBe("unknown-lease");
  });

  it("keep a lease while it progresses, up to the slowest speed kept", async () => {
    const t = await setup();
    const issuedAt = t.at();
    for (let s = 1; s <= 15; s++) {
      t.advance(1_000);
      await t.report(s * 10);
      expect(await t.scheduler.sweep()).toEqual([]);
    }
    expect(t.deadline()).toBe(issuedAt + 16_000); // the cap: 4,096 steps at 256 steps/s
    t.advance(1_000);
    await t.report(1_000);
    expect(await t.scheduler.sweep()).toHaveLength(1);
    expect(t.sync.getLease(bytesToHex(t.id))!.assignment.status).toBe("revoked");
  });

  it("let silence expire a lease one grace after the last report", async () => {
    const t = await setup();
    t.advance(500);
    await t.report(10);
    t.advance(9_999);
    expect(await t.scheduler.sweep()).toEqual([]);
    t.advance(1);
    expect(await t.scheduler.sweep()).toHaveLength(1);
  });

  it("let a new session of the key extend a lease its closed session shortened (resume)", async () => {
    const t = await setup();
    await t.report(100);
    await t.scheduler.sessionClosed([bytesToHex(t.id)]); // the worker was killed: 2 s of grace
    expect(t.deadline()).toBe(t.at() + 2_000);
    t.advance(1_500);
    // the restarted worker resumes the unit from its checkpoint on a new connection
    const resumed = new LeaseProgress(t.key, { store: t.store, scheduler: t.scheduler, now: t.at });
    expect(
      await resumed.report({ kind: "progress", assignmentId: t.id, stepsDone: 120, bestEnergy: 0 }),
    ).toBeUndefined();
    expect(t.deadline()).toBe(t.at() + 10_000);
    t.advance(1_000);
    expect(await t.scheduler.sweep()).toEqual([]);
  });
});
