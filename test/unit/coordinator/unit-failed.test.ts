import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bytesToHex } from "@noble/hashes/utils.js";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { silentLogger } from "../../../common/log.js";
import type { Coordinator, CoordinatorAddress } from "../../../coordinator/coordinator.js";
import { parseJobSpec } from "../../../coordinator/job-spec.js";
import { SqliteStore } from "../../../coordinator/store/sqlite-store.js";
import type { FrameOf } from "../../../protocol/frames.js";
import { generateIdentity } from "../../../protocol/identity.js";
import { waitFor } from "../../helpers/network.js";
import { ScriptedWorker } from "../../helpers/scripted-worker.js";
import { createCoordinator } from "../../helpers/test-coordinator.js";

// A coordinator in this process on real sockets, its clock injected: units a worker cannot run
// (unitFailed), revocations and what they cost the worker's key.
const MAX_FAILURES = 3;
const RETRY_AFTER_MS = 60_000;
let clock = 1_000_000;
let dir: string;
let coordinator: Coordinator;
let address: CoordinatorAddress;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "foldnet-unit-failed-"));
  coordinator = await createCoordinator(
    {
      host: "127.0.0.1",
      port: 0,
      dbFile: join(dir, "u.db"),
      apiKeys: ["k"],
      verifyThreads: 0,
      endpoint: { parkMs: 50 },
      scheduler: {
        sweepIntervalMs: 3_600_000,
        unitFailures: {
          maxPerWindow: MAX_FAILURES,
          windowMs: 600_000,
          retryAfterMs: RETRY_AFTER_MS,
        },
      },
    },
    { log: silentLogger, now: () => clock },
  );
  address = await coordinator.start();
});
afterAll(async () => {
  await coordinator.stop();
});

/** A job of 4,096-step units; each test cancels its job at its end. */
const submit = (trajectories: number, generations = 1) =>
  coordinator.scheduler.submitJob(
    parseJobSpec({
      sequence: "HPHPPHHPHPPH",
      steps: 4096 * trajectories * generations,
      trajectories,
      unitSteps: 4096,
    }),
  );

const failed = (a: FrameOf<"assignment">, reason = "UNIT_FAILED_UNSUPPORTED") =>
  ({ kind: "unitFailed", assignmentId: a.assignmentId, reason, message: "no" }) as const;

/** The value of one series of the coordinator's metrics. */
async function metric(name: string, reason: string): Promise<number> {
  const all = await coordinator.metrics.register.getSingleMetric(name)?.get();
  return all?.values.find((v) => v.labels.reason === reason)?.value ?? 0;
}

/** Asks for one unit: its assignment, or undefined on noWork. */
async function ask(w: ScriptedWorker): Promise<FrameOf<"assignment"> | undefined> {
  w.send({ kind: "workRequest", slots: 1 });
  const frame = await w.nextOf(["assignment", "noWork"]);
  return frame.kind === "assignment" ? frame : undefined;
}

const keyOf = (w: ScriptedWorker) => bytesToHex(w.identity.publicKey);

describe("unitFailed: a unit its worker cannot run is queued again at once", () => {
  it("gives the unit to another key at once, not back to the failing key; no strike, half the quota", async () => {
    const job = await submit(1);
    const a = await ScriptedWorker.connect(address.wsUrl);
    const b = await ScriptedWorker.connect(address.wsUrl);
    const leased = (await ask(a))!;
    a.send(failed(leased));
    await waitFor("the unit to be queued again", async () =>
      (await coordinator.store.listUnits(job.id))[0]!.status === "queued" ? true : undefined,
    );
    expect(await ask(a)).toBeUndefined(); // kept from the key that failed it
    const again = (await ask(b))!;
    expect(again.unitId).toBe(leased.unitId);
    expect(
      (await coordinator.store.getLease(bytesToHex(leased.assignmentId)))!.assignment.status,
    ).toBe("failed");
    expect(await coordinator.store.getWorker(keyOf(a))).toMatchObject({ strikes: 0, rejected: 0 });
    expect(await coordinator.store.limits.leaseQuota(keyOf(a))).toBe(1); // 2 halved, as a miss
    expect(await metric("foldnet_scheduler_units_failed_total", "UNIT_FAILED_UNSUPPORTED")).toBe(1);

    // after the retry time the key may have the unit again
    b.send(failed(again, "SOMETHING_NEWER"));
    await waitFor("the unit to be queued again", async () =>
      (await coordinator.store.listUnits(job.id))[0]!.status === "queued" ? true : undefined,
    );
    expect(await metric("foldnet_scheduler_units_failed_total", "UNIT_FAILED_OTHER")).toBe(1);
    clock += RETRY_AFTER_MS;
    expect((await ask(a))?.unitId).toBe(leased.unitId);
    a.close();
    b.close();
    await coordinator.scheduler.cancelJob(job.id);
  });

  it("caps a key that fails everything: past the cap it gets nothing, others still get work", async () => {
    const job = await submit(8);
    const x = await ScriptedWorker.connect(address.wsUrl);
    const y = await ScriptedWorker.connect(address.wsUrl);
    for (let i = 0; i < MAX_FAILURES; i++) {
      const a = (await ask(x))!;
      x.send(failed(a));
      await waitFor("the failure to count", async () =>
        (await coordinator.store.getLease(bytesToHex(a.assignmentId)))!.assignment.status ===
        "failed"
          ? true
          : undefined,
      );
    }
    expect(await ask(x)).toBeUndefined();
    const other = (await ask(y))!;
    // failing another key's lease changes nothing (x's next answer comes after it is handled)
    x.send(failed(other));
    expect(await ask(x)).toBeUndefined();
    const lease = (await coordinator.store.getLease(bytesToHex(other.assignmentId)))!;
    expect(lease.assignment.status).toBe("active");
    expect(await coordinator.store.getWorker(keyOf(x))).toMatchObject({
      strikes: 0,
      banned: false,
    });
    x.close();
    y.close();
    await coordinator.scheduler.cancelJob(job.id);
  });
});

describe("revoke frames and stale results", () => {
  it("revokes the leases of a cancelled job on their session, and on a reconnected worker's progress", async () => {
    const job = await submit(2);
    const identity = generateIdentity();
    const kept = await ScriptedWorker.connect(address.wsUrl);
    const gone = await ScriptedWorker.connect(address.wsUrl, identity);
    const a = (await ask(kept))!;
    const b = (await ask(gone))!;
    gone.close();
    await gone.closed();
    const before = await metric("foldnet_units_revoked_total", "REVOKE_JOB_CANCELLED");
    expect(await coordinator.scheduler.cancelJob(job.id)).toBe(true);
    expect(await kept.next("revoke")).toEqual({
      kind: "revoke",
      assignmentId: a.assignmentId,
      reason: "REVOKE_JOB_CANCELLED",
    });
    const back = await ScriptedWorker.connect(address.wsUrl, identity);
    back.send({ kind: "progress", assignmentId: b.assignmentId, stepsDone: 8, bestEnergy: 0 });
    expect((await back.next("revoke")).reason).toBe("REVOKE_JOB_CANCELLED");
    expect(await metric("foldnet_units_revoked_total", "REVOKE_JOB_CANCELLED")).toBe(before + 2);
    // an old worker that computes on is told once: its later reports are ignored
    for (const [w, x] of [
      [kept, a],
      [back, b],
    ] as const) {
      w.send({ kind: "progress", assignmentId: x.assignmentId, stepsDone: 16, bestEnergy: 0 });
      expect(await ask(w)).toBeUndefined(); // answered after the report
      expect(w.revoked).toEqual([]);
    }
    expect(await metric("foldnet_units_revoked_total", "REVOKE_JOB_CANCELLED")).toBe(before + 2);

    // a result computed anyway is stale: answered, not counted against the key
    const verdict = await kept.submit(kept.run(a));
    expect(verdict).toMatchObject({ accepted: false, code: "RESULT_ERROR_STALE" });
    expect(await coordinator.store.getWorker(keyOf(kept))).toMatchObject({
      rejected: 0,
      strikes: 0,
    });
    kept.close();
    back.close();
  });

  it.each([
    [2, "REVOKE_UNIT_DONE"],
    [1, "REVOKE_JOB_DONE"], // the accepted unit was the last of the budget
  ])(
    "revokes a superseded lease when another lease's result for its unit is accepted (%i generations: %s)",
    async (generations, reason) => {
      const job = await submit(1, generations);
      const slow = await ScriptedWorker.connect(address.wsUrl);
      const fast = await ScriptedWorker.connect(address.wsUrl);
      const first = (await ask(slow))!;
      clock += 10 * 60_000; // past its deadline: the sweep queues the unit again
      await coordinator.scheduler.sweep();
      const second = (await ask(fast))!;
      expect(second.unitId).toBe(first.unitId);
      expect(await fast.submit(fast.run(second))).toMatchObject({ accepted: true });
      expect(await slow.next("revoke")).toEqual({
        kind: "revoke",
        assignmentId: first.assignmentId,
        reason,
      });
      slow.close();
      fast.close();
      await coordinator.scheduler.cancelJob(job.id);
    },
  );
});

describe("worker names", () => {
  it("stores the sanitised name of the last hello and lists it in /api/workers", async () => {
    const identity = generateIdentity();
    const named = await ScriptedWorker.connect(address.wsUrl, identity, {
      name: "  lab\tbox \u202e7\u0000 ",
    });
    const key = bytesToHex(identity.publicKey);
    expect(await (await coordinator.store.getWorker(key))!.name).toBe("lab box 7");
    const listed = (await (await fetch(`${address.url}/api/workers`)).json()) as {
      workers: { key: string; name: string; connected: boolean }[];
    };
    expect(listed.workers.find((w) => w.key === key)).toMatchObject({
      name: "lab box 7",
      connected: true,
    });
    named.close();
    (await ScriptedWorker.connect(address.wsUrl, identity)).close(); // a hello without a name
    expect(await (await coordinator.store.getWorker(key))!.name).toBe("");
  });

  it("opens a database made before names, its workers unnamed", () => {
    const file = join(dir, "old.db");
    const old = new Database(file);
    old.exec(`CREATE TABLE workers (
      key TEXT PRIMARY KEY, key_id TEXT NOT NULL, first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL,
      accepted INTEGER NOT NULL DEFAULT 0, rejected INTEGER NOT NULL DEFAULT 0,
      strikes INTEGER NOT NULL DEFAULT 0, banned INTEGER NOT NULL DEFAULT 0,
      steps_verified INTEGER NOT NULL DEFAULT 0)`);
    old
      .prepare("INSERT INTO workers (key, key_id, first_seen, last_seen) VALUES ('k1', 'i1', 1, 2)")
      .run();
    old.close();
    const store = new SqliteStore(file);
    expect(store.getWorker("k1")).toMatchObject({ keyId: "i1", name: "", lastSeen: 2 });
    expect(store.touchWorker("k1", "i1", 3, "renamed").name).toBe("renamed");
    store.close();
  });
});
