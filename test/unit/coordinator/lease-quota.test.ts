import { describe, expect, it } from "vitest";
import { DEFAULT_LEASE_QUOTA_POLICY, nextQuota } from "../../../coordinator/lease-quota.js";
import type { FrameOf } from "../../../protocol/frames.js";
import { commitOn, setup, sink, submit } from "../../helpers/intake.js";

const policy = DEFAULT_LEASE_QUOTA_POLICY;

describe("per-key lease quotas", () => {
  it("start low, double with accepted results, halve on a missed deadline, drop to the floor on a rejection", async () => {
    expect(policy.initial).toBe(2);
    expect(nextQuota(policy, 2, "accepted")).toBe(4);
    expect(nextQuota(policy, policy.ceiling, "accepted")).toBe(policy.ceiling);
    expect(nextQuota(policy, 8, "missed")).toBe(4);
    expect(nextQuota(policy, 1, "missed")).toBe(policy.floor);
    expect(nextQuota(policy, 64, "rejected")).toBe(policy.floor);
  });

  it("grow a key's quota with an accepted result, through the intake", async () => {
    const world = await setup();
    expect(await world.scheduler.leaseQuota(world.workerHex)).toBe(2);
    expect(await submit(world)).toMatchObject({ kind: "verdict", accepted: true });
    expect(await world.scheduler.leaseQuota(world.workerHex)).toBe(4);
  });

  it("revoke a rejected result's lease at once and requeue its unit", async () => {
    const world = await setup();
    const { intake, worker, result, store, workerHex } = world;
    const session = sink();
    const segments = await commitOn(intake, worker, result, session);
    // openings that do not answer the challenge: the worker is at fault
    await intake.openings(
      worker.publicKey,
      { kind: "openings", assignmentId: result.assignmentId, openings: [] },
      session,
    );
    expect(segments.length).toBeGreaterThan(0);
    const verdict = (await session.settled) as FrameOf<"verdict">;
    expect(verdict).toMatchObject({ accepted: false, code: "RESULT_ERROR_BAD_OPENINGS" });
    const lease = store.getLease(Buffer.from(result.assignmentId).toString("hex"))!;
    expect(lease.assignment.status).toBe("revoked");
    expect(store.getLease(lease.assignment.id)!.unit.status).toBe("queued");
    expect(await world.scheduler.leaseQuota(workerHex)).toBe(policy.floor);
    expect(store.activeLeaseCount(workerHex)).toBe(0);
  });

  it("halve the quota of a key whose lease expired, and requeue the unit", async () => {
    const world = await setup();
    const { store, scheduler, workerHex, assignment } = world;
    store.limits.setLeaseQuota(workerHex, 16);
    store.shortenLeases([Buffer.from(assignment.assignmentId).toString("hex")], 0); // deadline passed
    expect(await scheduler.sweep()).toEqual([assignment.unitId]);
    expect(await scheduler.leaseQuota(workerHex)).toBe(8);
  });
});
