import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { LeaseHolders } from "../../../coordinator/lease-holders.js";
import { failureReason, UnitFailures } from "../../../coordinator/unit-failures.js";
import type { FrameOf } from "../../../protocol/frames.js";

/** A session that records the revoke frames it is sent. */
function holder() {
  const sent: string[] = [];
  return {
    sent,
    send(frame: FrameOf<"revoke">) {
      sent.push(`${Buffer.from(frame.assignmentId).toString("hex")}:${frame.reason}`);
    },
  };
}

describe("LeaseHolders", () => {
  it("revokes a job's uncommitted leases on every session that holds one, once", () => {
    const reasons: string[] = [];
    const holders = new LeaseHolders((r) => reasons.push(r));
    const [s1, s2, s3] = [holder(), holder(), holder()];
    holders.hold("aa", s1, "j1", "j1.t0.g0");
    holders.hold("bb", s2, "j1", "j1.t1.g0");
    holders.hold("cc", s2, "j1", "j1.t2.g0");
    holders.hold("dd", s3, "j2", "j2.t0.g0");
    holders.committed("cc"); // its verdict follows instead
    expect(holders.revoke({ jobId: "j1", reason: "REVOKE_JOB_DONE" })).toBe(2);
    expect(s1.sent).toEqual(["aa:REVOKE_JOB_DONE"]);
    expect(s2.sent).toEqual(["bb:REVOKE_JOB_DONE"]);
    expect(s3.sent).toEqual([]);
    expect(holders.revoke({ jobId: "j1", reason: "REVOKE_JOB_DONE" })).toBe(0);
    expect(reasons).toEqual(["REVOKE_JOB_DONE", "REVOKE_JOB_DONE"]);
    expect(holders.heldBy(s2)).toEqual(["cc"]);
  });

  it("revokes a unit's other leases, not the one whose result was accepted", () => {
    const holders = new LeaseHolders();
    const [old, now] = [holder(), holder()];
    holders.hold("01", old, "j", "j.t0.g0");
    holders.hold("02", now, "j", "j.t0.g0");
    expect(holders.revoke({ unitId: "j.t0.g0", except: "02", reason: "REVOKE_UNIT_DONE" })).toBe(1);
    expect(old.sent).toEqual(["01:REVOKE_UNIT_DONE"]);
    expect(now.sent).toEqual([]);
  });

  it("moves a lease to the session that reports it, and forgets a closed session's leases", () => {
    const holders = new LeaseHolders();
    const [before, after] = [holder(), holder()];
    holders.hold("0a", before, "j", "u");
    holders.hold("0a", after, "j", "u");
    expect(holders.heldBy(before)).toEqual([]);
    expect(holders.releaseAll(after)).toEqual(["0a"]);
    expect(holders.size).toBe(0);
    expect(holders.revoke({ jobId: "j", reason: "REVOKE_JOB_CANCELLED" })).toBe(0);
  });

  it("agrees with a plain model of who holds what, whatever the order of calls (property)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(5), fc.nat(2), fc.nat(3), fc.nat(3)), { maxLength: 40 }),
        (ops) => {
          const holders = new LeaseHolders();
          const sessions = [holder(), holder(), holder()];
          const model = new Map<string, { s: number; job: number }>();
          for (const [id, s, job, op] of ops) {
            const aid = id.toString(16).padStart(2, "0");
            if (op === 0) {
              // an assignment always belongs to one unit of one job
              holders.hold(aid, sessions[s]!, `j${id % 4}`, `j${id % 4}.u${id}`);
              model.set(aid, { s, job: id % 4 });
            } else if (op === 1) {
              holders.release(aid);
              model.delete(aid);
            } else if (op === 2) {
              const ids = [...model].filter(([, m]) => m.job === job).map(([a]) => a);
              expect(holders.revoke({ jobId: `j${job}`, reason: "REVOKE_JOB_DONE" })).toBe(
                ids.length,
              );
              for (const a of ids) model.delete(a);
            } else {
              holders.releaseAll(sessions[s]!);
              for (const [a, m] of model) if (m.s === s) model.delete(a);
            }
            for (const [i, session] of sessions.entries()) {
              const mine = [...model].filter(([, m]) => m.s === i).map(([a]) => a);
              expect(holders.heldBy(session).sort()).toEqual(mine.sort());
            }
          }
          expect(holders.size).toBe(model.size);
        },
      ),
    );
  });
});

describe("UnitFailures", () => {
  it("blocks a key at the cap until its oldest failure leaves the window", () => {
    const failures = new UnitFailures({ maxPerWindow: 3, windowMs: 1_000, retryAfterMs: 0 });
    for (const t of [0, 100, 200]) failures.record("k", t);
    expect(failures.blocked("k", 200)).toBe(true);
    expect(failures.blocked("other", 200)).toBe(false);
    expect(failures.blocked("k", 999)).toBe(true);
    expect(failures.blocked("k", 1_000)).toBe(false);
    failures.prune(5_000);
    expect(failures.size).toBe(0);
  });

  it("counts an unknown reason as UNIT_FAILED_OTHER", () => {
    expect(failureReason("UNIT_FAILED_CRASHED")).toBe("UNIT_FAILED_CRASHED");
    expect(failureReason("UNIT_FAILED_FROM_THE_FUTURE")).toBe("UNIT_FAILED_OTHER");
  });
});
