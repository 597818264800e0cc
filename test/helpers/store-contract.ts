/**
 * The store contract: `storeContract(name, open)` declares the tests every implementation of
 * the coordinator's store passes (SQLite through settledStore, PostgreSQL
 * through coordinator/store/pg): jobs, units, leases and their expiry, acceptance with its
 * duplicates and stale results, commit bindings, workers, rejections and bans, the ledger
 * (accounts, transfers, sealing, blocks, head), and each concern store
 * (store-contract-concerns.ts). Each test gets a fresh, empty store from `open`.
 * @module
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Store } from "../../coordinator/store/store.js";
import { concernContract } from "./store-contract-concerns.js";
import {
  acceptLease,
  createJob,
  fakeSeal,
  leaseMs,
  REWARD,
  unitRecord,
  WORK,
  workerKey,
} from "./store-fixtures.js";

/** What differs between implementations. */
export interface StoreContractOptions {
  /** True when `onUnitsQueued` hears the store's own queueing (PostgreSQL's LISTEN). */
  readonly notifiesQueued: boolean;
}

const W1 = workerKey(1);
const W2 = workerKey(2);

/** Declares the contract's tests for the store `open` creates. */
export function storeContract(
  name: string,
  open: () => Promise<Store>,
  opts: StoreContractOptions,
): void {
  describe(`store contract: ${name}`, () => {
    let store: Store;
    beforeEach(async () => {
      store = await open();
    });
    afterEach(async () => {
      await store.close();
    });
    const get = () => store;

    it("answers a ping", async () => {
      await expect(store.ping()).resolves.toBeUndefined();
    });

    it("stores jobs and lists them newest first", async () => {
      const a = await createJob(store, "ja", { createdAt: 1_000, targetEnergy: -9 });
      const b = await createJob(store, "jb", { createdAt: 2_000, steps: 2 ** 40 });
      expect(await store.getJob("ja")).toEqual(a);
      expect(await store.getJob("jb")).toEqual(b);
      expect(await store.getJob("nope")).toBeUndefined();
      expect((await store.listJobs(10)).map((j) => j.id)).toEqual(["jb", "ja"]);
      expect(await store.listJobs(1)).toHaveLength(1);
      const units = await store.listUnits("ja");
      expect(units).toEqual([
        { ...unitRecord("ja", 0, 0), result: null },
        { ...unitRecord("ja", 1, 0), result: null },
      ]);
      expect(await store.listUnits("ja", { offset: 1, limit: 5 })).toHaveLength(1);
      const counts = await store.counts();
      expect(counts.jobs).toEqual({ running: 2, done: 0, cancelled: 0 });
      expect(counts.units).toEqual({ queued: 4, leased: 0, done: 0, cancelled: 0 });
      expect([counts.results, counts.workers]).toEqual([0, 0]);
    });

    it("creates a job of thousands of units at once", async () => {
      await createJob(store, "big", { trajectories: 2_500, generations: 1 });
      expect((await store.counts()).units.queued).toBe(2_500);
      const page = await store.listUnits("big", { offset: 2_499, limit: 10 });
      expect(page.map((u) => u.id)).toEqual(["big-2499-0"]);
    });

    it("leases queued units by generation and trajectory, each once", async () => {
      const job = await createJob(store, "j1", { trajectories: 3 });
      const leases = await store.leaseUnits(W1, 2, 100, leaseMs);
      expect(leases.map((l) => l.unit.id)).toEqual(["j1-0-0", "j1-1-0"]);
      const [first] = leases;
      expect(first?.unit.status).toBe("leased");
      expect(first?.job).toEqual(job);
      expect(first?.assignment).toMatchObject({
        unitId: "j1-0-0",
        workerKey: W1,
        issuedAt: 100,
        deadline: 100 + leaseMs(1024),
        status: "active",
      });
      expect(first?.assignment.id).toMatch(/^[0-9a-f]{32}$/);
      expect(await store.getLease(first!.assignment.id)).toEqual({
        assignment: first!.assignment,
        unit: first!.unit,
        job,
      });
      expect(await store.getLease("nope")).toBeUndefined();
      expect((await store.leaseUnits(W2, 5, 100, leaseMs)).map((l) => l.unit.id)).toEqual([
        "j1-2-0",
      ]);
      expect(await store.leaseUnits(W2, 5, 100, leaseMs)).toEqual([]);
      expect(await store.activeLeaseCount(W1)).toBe(2);
      expect(await store.activeLeaseCount(W2)).toBe(1);
      expect((await store.counts()).units.leased).toBe(3);
    });

    it("requeues expired leases, and moves deadlines only as asked", async () => {
      await createJob(store, "j1");
      const [a, b] = await store.leaseUnits(W1, 2, 0, () => 1_000);
      expect(await store.expireLeases(999)).toEqual([]);
      expect(await store.extendLease(a!.assignment.id, W2, 5_000)).toBe(false); // not W2's
      expect(await store.extendLease(a!.assignment.id, W1, 500)).toBe(false); // earlier
      expect(await store.extendLease(a!.assignment.id, W1, 5_000)).toBe(true);
      await store.shortenLeases([a!.assignment.id], 9_000); // later: unchanged
      expect((await store.getLease(a!.assignment.id))?.assignment.deadline).toBe(5_000);
      await store.shortenLeases([a!.assignment.id], 2_000);
      expect((await store.getLease(a!.assignment.id))?.assignment.deadline).toBe(2_000);
      expect(await store.expireLeases(1_000)).toEqual([{ unitId: b!.unit.id, workerKey: W1 }]);
      expect((await store.getLease(b!.assignment.id))?.assignment.status).toBe("revoked");
      expect(await store.extendLease(b!.assignment.id, W1, 9_000)).toBe(false); // not active
      expect(await store.activeLeaseCount(W1)).toBe(1);
      const again = await store.leaseUnits(W2, 5, 1_000, leaseMs);
      expect(again.map((l) => l.unit.id)).toEqual([b!.unit.id]);
      expect(await store.expireLeases(2_000)).toEqual([{ unitId: a!.unit.id, workerKey: W1 }]);
      expect(await store.expireLeases(2_000)).toEqual([]);
    });

    it("accepts a result once: progress, reward, next generation; then duplicate", async () => {
      await createJob(store, "j1", { trajectories: 1, generations: 2 });
      await store.touchWorker(W1, "k1", 50);
      const [lease] = await store.leaseUnits(W1, 1, 100, leaseMs);
      const outcome = await acceptLease(store, lease!, { bestEnergy: -4, at: 700 });
      expect(outcome).toEqual({ kind: "accepted", jobFinished: false, reward: REWARD });
      expect(await acceptLease(store, lease!)).toEqual({ kind: "duplicate", reward: REWARD });
      const job = await store.getJob("j1");
      expect(job).toMatchObject({ stepsDone: 1024, unitsDone: 1, bestEnergy: -4 });
      expect(job).toMatchObject({ bestFold: "RRUL", bestUnit: "j1-0-0", status: "running" });
      expect(await store.getWorker(W1)).toMatchObject({
        accepted: 1,
        stepsVerified: 1024,
        lastSeen: 700,
      });
      expect(await store.account(W1)).toEqual({ key: W1, balance: REWARD, nonce: 0n });
      expect(await store.pendingEntries()).toBe(1);
      const result = await store.getResultByAssignment(lease!.assignment.id);
      expect(result).toEqual({
        unitId: "j1-0-0",
        assignmentId: lease!.assignment.id,
        workerKey: W1,
        bestEnergy: -4,
        bestFold: "RRUL",
        steps: 1024,
        segmentsChecked: 2,
        reward: REWARD,
        acceptedAt: 700,
      });
      expect((await store.getLease(lease!.assignment.id))?.assignment.status).toBe("completed");
      const units = await store.listUnits("j1");
      expect(units.map((u) => [u.id, u.status])).toEqual([
        ["j1-0-0", "done"],
        ["j1-0-1", "queued"],
      ]);
      expect(units[0]?.result).toEqual(result);
      // the second generation ends the job, and its plan saw the first one's work
      const [next] = await store.leaseUnits(W1, 1, 800, leaseMs);
      expect(next?.unit.id).toBe("j1-0-1");
      let seen = -1n;
      const last = await store.acceptResult(
        {
          assignmentId: next!.assignment.id,
          workerKey: W1,
          bestEnergy: -2,
          bestFold: "RRDD",
          steps: 1024,
          finalState: Uint8Array.of(1),
          finalStateHash: new Uint8Array(32),
          merkleRoot: new Uint8Array(32),
          segments: [1],
          at: 900,
        },
        ({ workBefore }) => {
          seen = workBefore;
          return {
            nextUnit: null,
            finishJob: false,
            credit: { entry: Uint8Array.of(5), reward: 1n, work: 1n },
          };
        },
      );
      expect(seen).toBe(WORK);
      expect(last).toEqual({ kind: "accepted", jobFinished: true, reward: 1n });
      expect(await store.getJob("j1")).toMatchObject({
        status: "done",
        finishedAt: 900,
        bestEnergy: -4,
      });
      expect(await store.energyHistory("j1", 10)).toEqual([{ acceptedAt: 700, bestEnergy: -4 }]);
      expect((await store.counts()).results).toBe(2);
    });

    it("takes the first valid result of a unit, even on a lease that expired", async () => {
      await createJob(store, "j1", { trajectories: 1, generations: 1 });
      const [old] = await store.leaseUnits(W1, 1, 0, () => 10);
      await store.expireLeases(10);
      const [fresh] = await store.leaseUnits(W2, 1, 10, leaseMs);
      expect(fresh?.unit.id).toBe(old?.unit.id);
      expect(await acceptLease(store, old!, { finishJob: true })).toMatchObject({
        kind: "accepted",
        jobFinished: true,
      });
      expect((await store.getLease(fresh!.assignment.id))?.assignment.status).toBe("revoked");
      expect(await acceptLease(store, fresh!)).toEqual({ kind: "stale" });
      expect(await store.activeLeaseCount(W2)).toBe(0);
    });

    it("ends a job that finishes early: open units cancelled, later results stale", async () => {
      await createJob(store, "j1", { trajectories: 3 });
      const [a, b] = await store.leaseUnits(W1, 2, 0, leaseMs);
      expect(await acceptLease(store, a!, { finishJob: true })).toMatchObject({
        jobFinished: true,
      });
      expect((await store.counts()).units).toEqual({ queued: 0, leased: 0, done: 1, cancelled: 2 });
      expect((await store.getLease(b!.assignment.id))?.assignment.status).toBe("revoked");
      expect(await acceptLease(store, b!)).toEqual({ kind: "stale" });
      expect(await store.leaseUnits(W1, 5, 0, leaseMs)).toEqual([]);
    });

    it("cancels a running job once", async () => {
      await createJob(store, "j1");
      const [lease] = await store.leaseUnits(W1, 1, 0, leaseMs);
      expect(await store.cancelJob("j1", 123)).toBe(true);
      expect(await store.cancelJob("j1", 456)).toBe(false);
      expect(await store.cancelJob("nope", 456)).toBe(false);
      expect(await store.getJob("j1")).toMatchObject({ status: "cancelled", finishedAt: 123 });
      expect((await store.counts()).units.cancelled).toBe(2);
      expect(await store.activeLeaseCount(W1)).toBe(0);
      expect(await acceptLease(store, lease!)).toEqual({ kind: "stale" });
      const unknown = { ...lease!, assignment: { ...lease!.assignment, id: "nope" } };
      expect(await acceptLease(store, unknown)).toEqual({ kind: "stale" });
    });

    it("binds an assignment to its first committed root", async () => {
      const root = new Uint8Array(32).fill(3);
      expect(await store.bindCommit("a1", root, 4)).toEqual({ merkleRoot: root, segments: 4 });
      expect(await store.bindCommit("a1", new Uint8Array(32), 9)).toEqual({
        merkleRoot: root,
        segments: 4,
      });
    });

    it("knows workers: seen, listed, struck and banned", async () => {
      const w = await store.touchWorker(W1, "k1", 100);
      expect(w).toEqual({
        key: W1,
        keyId: "k1",
        name: "",
        firstSeen: 100,
        lastSeen: 100,
        accepted: 0,
        rejected: 0,
        strikes: 0,
        banned: false,
        stepsVerified: 0,
      });
      expect((await store.touchWorker(W1, "k1", 50)).lastSeen).toBe(100);
      expect(await store.touchWorker(W1, "k1", 300, "lab box")).toMatchObject({
        lastSeen: 300,
        name: "lab box",
      });
      await store.touchWorker(W2, "k2", 200);
      expect((await store.listWorkers(10)).map((x) => x.key)).toEqual([W1, W2]);
      expect(await store.listWorkers(1)).toHaveLength(1);
      expect(await store.getWorker(workerKey(9))).toBeUndefined();
      expect(await store.recordRejection(W1, false, 2)).toMatchObject({ rejected: 1, strikes: 0 });
      expect(await store.recordRejection(W1, true, 2)).toMatchObject({ strikes: 1, banned: false });
      expect(await store.recordRejection(W1, true, 2)).toMatchObject({
        rejected: 3,
        strikes: 2,
        banned: true,
      });
      expect((await store.counts()).workers).toBe(2);
    });

    it("appends transfers its check allows, and orders accounts richest first", async () => {
      await createJob(store, "j1", { trajectories: 2, generations: 1 });
      for (const lease of await store.leaseUnits(W1, 2, 0, leaseMs))
        await acceptLease(store, lease);
      const transfer = { from: W1, to: W2, amount: 300n, nonce: 1n };
      const refused = await store.appendTransfer(Uint8Array.of(1), transfer, (sender) =>
        sender.balance < 10_000n ? { code: "POOR", balance: sender.balance } : undefined,
      );
      expect(refused).toEqual({ code: "POOR", balance: 2n * REWARD });
      expect(await store.pendingEntries()).toBe(2);
      expect(
        await store.appendTransfer(Uint8Array.of(2), transfer, () => undefined),
      ).toBeUndefined();
      expect(await store.account(W1)).toEqual({ key: W1, balance: 2n * REWARD - 300n, nonce: 1n });
      expect(await store.account(W2)).toEqual({ key: W2, balance: 300n, nonce: 0n });
      expect(await store.account(workerKey(7))).toEqual({
        key: workerKey(7),
        balance: 0n,
        nonce: 0n,
      });
      expect((await store.accounts(10)).map((a) => a.key)).toEqual([W1, W2]);
      expect(await store.pendingEntries()).toBe(3);
    });

    it("seals pending entries in order into a chain of blocks", async () => {
      expect(await store.sealPending(10, fakeSeal)).toBeUndefined();
      expect(await store.head()).toBeUndefined();
      const entries = [1, 2, 3].map((n) => Uint8Array.of(n, n));
      const check = () => undefined;
      for (const [i, e] of entries.entries())
        await store.appendTransfer(
          e,
          { from: W1, to: W2, amount: 0n, nonce: BigInt(i + 1) },
          check,
        );
      const seen: (number | undefined)[] = [];
      const seal: typeof fakeSeal = (es, prev) => {
        seen.push(prev?.height);
        return fakeSeal(es, prev);
      };
      const first = await store.sealPending(2, seal);
      expect(first?.entries).toEqual(entries.slice(0, 2));
      const second = await store.sealPending(2, seal);
      expect(second?.entries).toEqual(entries.slice(2));
      expect(seen).toEqual([undefined, 0]);
      expect(await store.sealPending(2, seal)).toBeUndefined();
      expect(await store.pendingEntries()).toBe(0);
      expect(await store.head()).toEqual({
        height: 1,
        hash: second!.hash,
        timestamp: second!.timestamp,
      });
      expect(await store.listBlocks(0, 10)).toEqual([first, second]);
      expect(await store.listBlocks(1, 10)).toEqual([second]);
      expect(await store.listBlocks(0, 1)).toEqual([first]);
      expect(await store.listBlocks(5, 10)).toEqual([]);
    });

    it("hears units queued, when the store notifies", async () => {
      let heard = 0;
      const off = store.onUnitsQueued(() => heard++);
      await createJob(store, "j1");
      if (opts.notifiesQueued) await expect.poll(() => heard).toBeGreaterThan(0);
      off();
      const before = heard;
      await createJob(store, "j2");
      await new Promise((r) => setTimeout(r, 50));
      expect(heard).toBe(before);
    });

    concernContract(get);
  });
}
