/**
 * The store contract's tests of the concern stores (store-contract.ts declares them inside
 * its suite, on the store of each test): limits, access, fair share, batches, inputs, folds,
 * webhooks, escrows and stats.
 * @module
 */
import { bytesToHex } from "@noble/hashes/utils.js";
import { expect, it } from "vitest";
import type { Lease, Store } from "../../coordinator/store/store.js";
import { bountyFor } from "../../ledger/escrow-rules.js";
import { networkId } from "../../protocol/canonical.js";
import { generateIdentity, keyId } from "../../protocol/identity.js";
import { signedEscrow } from "./ledger.js";
import { acceptLease, createJob, leaseMs, newJob, REWARD, workerKey } from "./store-fixtures.js";

const W1 = workerKey(1);
const W2 = workerKey(2);
const producer = generateIdentity();
const NETWORK = networkId(producer.publicKey);

/** Leases one unit to `worker` and accepts it with `bestEnergy` and `fold`. */
async function runUnit(store: Store, worker: string, bestEnergy = -3, fold = "RRUL") {
  const [lease] = await store.leaseUnits(worker, 1, 0, leaseMs);
  expect(lease).toBeDefined();
  await acceptLease(store, lease as Lease, { bestEnergy, fold, at: 1_000 + bestEnergy });
  return lease as Lease;
}

/** Declares the concern stores' tests on the store `get` gives in each test. */
export function concernContract(get: () => Store): void {
  it("limits: lease quotas, owners' load (a batch is one job), revoking a lease", async () => {
    const store = get();
    expect(await store.limits.leaseQuota(W1)).toBeUndefined();
    await store.limits.setLeaseQuota(W1, 3);
    await store.limits.setLeaseQuota(W1, 5);
    expect(await store.limits.leaseQuota(W1)).toBe(5);
    for (const id of ["j1", "j2"]) {
      await createJob(store, id);
      await store.limits.ownJob(id, "alice");
    }
    await store.limits.ownJob("j1", "bob"); // the first owner stays
    await store.batches.create(
      { id: "b1", owner: "alice", size: 2, createdAt: 5 },
      ["j3", "j4"].map((id) => ({ ...newJob(id), owner: "alice" })),
    );
    expect(await store.batches.jobIds("b1")).toEqual(["j3", "j4"]);
    expect(await store.limits.ownerLoad("alice")).toEqual({
      jobs: 3,
      trajectories: 8,
      steps: 8 * 1024,
    });
    await store.cancelJob("j2", 9);
    expect(await store.limits.ownerLoad("alice")).toMatchObject({ jobs: 2, trajectories: 6 });
    expect(await store.limits.ownerLoad("bob")).toEqual({ jobs: 0, trajectories: 0, steps: 0 });
    const [lease] = await store.leaseUnits(W1, 1, 0, leaseMs);
    const id = lease!.assignment.id;
    expect(await store.limits.revokeLease(id, W2)).toBe(false);
    expect(await store.limits.revokeLease(id, W1)).toBe(true);
    expect(await store.limits.revokeLease(id, W1)).toBe(false);
    expect((await store.getLease(id))?.unit.status).toBe("queued");
    expect(await store.limits.revokeLease("nope", W1)).toBe(false);
  });

  it("access: keys and roles, revocation, private jobs, owners, bans, the audit log", async () => {
    const { access } = get();
    await access.addKey("ab12", "alice", "researcher", 10);
    await access.addKey("ab12", "mallory", "admin", 11);
    await access.addKey("ab34", "root", "admin", 12);
    const alice = { hash: "ab12", id: "ab12", account: "alice", role: "researcher" };
    expect(await access.key("ab12")).toEqual({ ...alice, createdAt: 10, revokedAt: null });
    expect(await access.key("cd")).toBeUndefined();
    expect((await access.keys()).map((k) => k.account)).toEqual(["alice", "root"]);
    expect(await access.revokeKey("AB", 20)).toBeUndefined(); // two match
    expect(await access.revokeKey("ab1", 20)).toEqual({ ...alice, createdAt: 10, revokedAt: 20 });
    expect((await access.revokeKey("ab12", 30))?.revokedAt).toBe(20);
    await createJob(get(), "j1");
    expect(await access.isPrivate("j1")).toBe(false);
    await access.setPrivate("j1");
    await access.setPrivate("j1");
    expect(await access.isPrivate("j1")).toBe(true);
    expect(await access.jobOwner("j1")).toBeUndefined();
    await get().limits.ownJob("j1", "alice");
    expect(await access.jobOwner("j1")).toBe("alice");
    expect(await access.setBanned(W1, true)).toBe(false);
    await get().touchWorker(W1, "k1", 1);
    await get().recordRejection(W1, true, 10);
    expect(await access.setBanned(W1, true)).toBe(true);
    expect(await get().getWorker(W1)).toMatchObject({ banned: true, strikes: 1 });
    await access.setBanned(W1, false);
    expect(await get().getWorker(W1)).toMatchObject({ banned: false, strikes: 0 });
    for (const n of [1, 2, 3]) await access.audit(n, "root", `act${n}`, `t${n}`);
    expect(await access.auditLog(1, 5)).toEqual([
      { seq: 2, at: 2, actor: "root", action: "act2", target: "t2" },
      { seq: 3, at: 3, actor: "root", action: "act3", target: "t3" },
    ]);
  });

  it("fair share: accounts by weight, jobs by priority, and plan", async () => {
    const store = get();
    await store.shares.setWeight("b", 1);
    await store.shares.setWeight("a", 3);
    await store.shares.setWeight("a", 2);
    expect(await store.shares.weights()).toEqual([
      { account: "a", weight: 2 },
      { account: "b", weight: 1 },
    ]);
    const owners = { ja: "a", jb: "b", jb2: "b" } as const;
    for (const [id, owner] of Object.entries(owners)) {
      await createJob(store, id, { trajectories: 12, generations: 1 });
      await store.limits.ownJob(id, owner);
    }
    await store.shares.setPriority("jb2", 3);
    const picks: string[] = [];
    for (let i = 0; i < 12; i++) {
      const [lease] = await store.leaseUnits(W1, 1, i, leaseMs);
      picks.push(lease!.unit.jobId);
    }
    const count = (id: string) => picks.filter((p) => p === id).length;
    expect([count("ja"), count("jb") + count("jb2")]).toEqual([8, 4]);
    expect([count("jb"), count("jb2")]).toEqual([1, 3]);
  });

  it("batches: all of it or none, jobs in line order", async () => {
    const store = get();
    const batch = { id: "b1", owner: "alice", size: 3, createdAt: 7 };
    const jobs = (...ids: string[]) =>
      ids.map((id) => ({ ...newJob(id), owner: "alice", notify: `http://127.0.0.1/${id}` }));
    await store.batches.create(batch, jobs("j1", "j2", "j3"));
    expect(await store.batches.batch("b1")).toEqual(batch);
    expect(await store.batches.jobIds("b1")).toEqual(["j1", "j2", "j3"]);
    expect(await store.access.jobOwner("j2")).toBe("alice");
    // line 2 names a job that exists: nothing of the batch is kept, not even line 1
    await expect(
      store.batches.create({ ...batch, id: "b2" }, jobs("k1", "j1", "k3")),
    ).rejects.toThrow();
    expect(await store.batches.batch("b2")).toBeUndefined();
    expect(await store.batches.jobIds("b2")).toEqual([]);
    expect(await store.getJob("k1")).toBeUndefined();
    expect(await store.webhooks.webhookState("k1")).toBeUndefined();
  });

  it("inputs and best folds", async () => {
    const store = get();
    await createJob(store, "j1", { trajectories: 4, generations: 1 });
    await store.inputs.setInput("j1", { aminoAcids: "MKV", scale: "kd" });
    await store.inputs.setInput("j1", { aminoAcids: "MKVL", scale: "kd" });
    expect(await store.inputs.input("j1")).toEqual({ aminoAcids: "MKVL", scale: "kd" });
    expect(await store.inputs.input("j2")).toBeUndefined();
    await runUnit(store, W1, -2, "RRUU");
    await runUnit(store, W1, -5, "RRDD");
    await runUnit(store, W2, -2, "RRUU");
    await runUnit(store, W2, -1, "RRRR");
    expect(await store.folds.topFolds("j1", 2)).toEqual([
      { fold: "RRDD", energy: -5, foundAt: 995, units: 1 },
      { fold: "RRUU", energy: -2, foundAt: 998, units: 2 },
    ]);
    expect(await store.energyHistory("j1", 10)).toEqual([{ acceptedAt: 995, bestEnergy: -5 }]);
  });

  it("webhooks: due once the job ended, retried, delivered or given up", async () => {
    const store = get();
    const { webhooks } = store;
    for (const id of ["j1", "j2"]) {
      await createJob(store, id);
      await webhooks.setWebhook(id, `https://x.test/${id}`);
    }
    expect(await webhooks.dueWebhooks(100, 10)).toEqual([]);
    await store.cancelJob("j1", 5);
    await store.cancelJob("j2", 5);
    const due = await webhooks.dueWebhooks(100, 10);
    expect(due).toEqual([
      { jobId: "j1", url: "https://x.test/j1", attempts: 0 },
      { jobId: "j2", url: "https://x.test/j2", attempts: 0 },
    ]);
    await webhooks.webhookSent("j1", false, 500);
    expect(await webhooks.webhookState("j1")).toEqual({ state: "pending", attempts: 1 });
    expect((await webhooks.dueWebhooks(499, 10)).map((d) => d.jobId)).toEqual(["j2"]);
    expect((await webhooks.dueWebhooks(500, 1)).map((d) => d.jobId)).toEqual(["j2"]);
    await webhooks.webhookSent("j1", false, null);
    await webhooks.webhookSent("j2", true, null);
    expect(await webhooks.webhookState("j1")).toEqual({ state: "failed", attempts: 2 });
    expect(await webhooks.webhookState("j2")).toEqual({ state: "delivered", attempts: 1 });
    expect(await webhooks.dueWebhooks(10_000, 10)).toEqual([]);
    expect(await webhooks.webhookState("j3")).toBeUndefined();
  });

  it("escrows: funded, refused, a bounty per accepted unit, the rest refunded", async () => {
    const store = get();
    const funder = generateIdentity();
    const F = bytesToHex(funder.publicKey);
    await createJob(store, "seed", { trajectories: 3, generations: 1 });
    for (let i = 0; i < 3; i++) await runUnit(store, F);
    await createJob(store, "j1", { trajectories: 2, generations: 1 });
    const nonces = { nonces: new Map<string, bigint>() };
    const escrow = (amount: bigint, budget = 2048n, job = "j1") =>
      signedEscrow(nonces, producer.publicKey, funder, job, amount, budget);
    expect(await store.escrows.fund(escrow(100n, 999n), NETWORK)).toMatchObject({
      code: "LEDGER_ERROR_WRONG_BUDGET",
    });
    expect(await store.escrows.fund(escrow(100n, 3072n, "seed"), NETWORK)).toMatchObject({
      code: "LEDGER_ERROR_JOB_NOT_OPEN",
    });
    expect(await store.escrows.fund(escrow(10n * REWARD), NETWORK)).toMatchObject({
      code: "LEDGER_ERROR_OVERDRAFT",
    });
    expect(await store.escrows.fund(escrow(1_500n), new Uint8Array(32))).toMatchObject({
      code: "LEDGER_ERROR_BAD_ESCROW_SIGNATURE",
    });
    expect(await store.escrows.fund(escrow(1_500n), NETWORK)).toBeUndefined();
    expect(await store.escrows.fund(escrow(1_500n), NETWORK)).toMatchObject({
      code: "LEDGER_ERROR_BAD_NONCE", // the same nonce again
    });
    const opened = { funder: F, amount: 1_500n, budgetSteps: 2048n, paid: 0n, refunded: null };
    expect(await store.escrows.escrow("j1")).toEqual(opened);
    expect(await store.escrows.escrow("seed")).toBeUndefined();
    expect(await store.account(F)).toEqual({ key: F, balance: 3n * REWARD - 1_500n, nonce: 1n });
    const pending = await store.pendingEntries();
    await runUnit(store, W2, -3);
    const bounty = bountyFor(opened, { jobId: "j1", worker: W2, steps: 1024, improvement: 3 });
    expect(await store.escrows.escrow("j1")).toMatchObject({ paid: bounty, refunded: null });
    expect(await store.account(W2)).toMatchObject({ balance: REWARD + bounty });
    expect(await store.pendingEntries()).toBe(pending + 2); // the work entry and its bounty
    const stolen = {
      kind: "bounty" as const,
      jobId: "j1",
      unitId: "seed-0-0",
      worker: funder.publicKey,
      amount: 1n,
    };
    expect(await store.escrows.append(stolen, NETWORK)).toMatchObject({
      code: "LEDGER_ERROR_BOUNTY_WRONG_UNIT",
    });
    await store.cancelJob("j1", 50);
    expect(await store.escrows.escrow("j1")).toEqual({
      ...opened,
      paid: bounty,
      refunded: 1_500n - bounty,
    });
    expect(await store.account(F)).toMatchObject({ balance: 3n * REWARD - bounty });
  });

  it("stats: teams and standings from results, bounties and best folds", async () => {
    const store = get();
    await createJob(store, "j1", { trajectories: 3, generations: 1 });
    for (const w of [W1, W2, workerKey(3)]) await store.touchWorker(w, w.slice(-4), 1);
    await store.stats.setTeam(W1, "red", 1);
    await store.stats.setTeam(W2, "blue", 1);
    await store.stats.setTeam(W2, "red", 2);
    await store.stats.setTeam(workerKey(3), "green", 2);
    await store.stats.setTeam(workerKey(3), "", 3);
    await runUnit(store, W1, -2);
    await runUnit(store, W2, -6);
    await runUnit(store, W2, -1);
    const keys = await store.stats.keyStats();
    expect(keys.map((k) => [k.key, k.team, k.tokens, k.results, k.jobBests, k.bestEnergy])).toEqual(
      [
        [W2, "red", 2n * REWARD, 2, 1, -6],
        [W1, "red", REWARD, 1, 0, -2],
        [workerKey(3), null, 0n, 0, 0, null],
      ],
    );
    expect(keys[0]).toMatchObject({ keyId: keyId(Buffer.from(W2, "hex")), stepsVerified: 2048 });
    expect(await store.stats.teamStats()).toEqual([
      {
        team: "red",
        members: 2,
        tokens: 3n * REWARD,
        results: 3,
        stepsVerified: 3072,
        jobBests: 1,
      },
    ]);
  });
}
