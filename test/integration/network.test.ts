import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ApiClient, type JobView } from "../../coordinator/api-client.js";
import { verifyChain } from "../../ledger/verify-chain.js";
import { foldEnergy } from "../../sim/fold.js";
import {
  acknowledgedUnits,
  type CoordinatorProc,
  freePort,
  type Proc,
  startCoordinator,
  startWorker,
  tempDir,
  waitFor,
} from "../helpers/network.js";

const KEY = "fn_network_test";
const SEQ_36 = "PPPHHPPHHPPPPPHHHHHHHPPHHPPPPHHPPHPP";
const running: Proc[] = [];
const track = <P extends Proc>(p: P) => {
  running.push(p);
  return p;
};

afterEach(async () => {
  await Promise.all(running.splice(0).map((p) => p.kill("SIGKILL")));
});

interface UnitView {
  id: string;
  status: string;
  result: { bestEnergy: number; steps: number; workerKey: string } | null;
}

const units = async (client: ApiClient, jobId: string) =>
  (await client.call<{ units: UnitView[] }>("GET", `/api/jobs/${jobId}/units`)).units;
const whenDone = (client: ApiClient, jobId: string, timeoutMs = 120_000) =>
  waitFor(
    `job ${jobId} to finish`,
    async () => {
      const job = await client.job(jobId);
      return job.status === "running" ? undefined : job;
    },
    timeoutMs,
    250,
  );

/** The job's best is a valid fold with its energy, and the best of its verified units. */
async function expectConsistentJob(client: ApiClient, job: JobView) {
  expect(job.status).toBe("done");
  expect(job.bestFold).not.toBeNull();
  expect(foldEnergy(job.sequence, job.bestFold!, job.lattice)).toBe(job.bestEnergy);
  const all = await units(client, job.id);
  const done = all.filter((u) => u.result !== null);
  expect(done.length).toBe(job.unitsVerified);
  expect(Math.min(...done.map((u) => u.result!.bestEnergy))).toBe(job.bestEnergy);
  expect(done.reduce((s, u) => s + u.result!.steps, 0)).toBe(job.stepsDone);
  return all;
}

describe("a real network: coordinator and worker processes on 127.0.0.1", () => {
  it("two workers finish a job; its fold is valid and the best of the checked units", async () => {
    const dir = tempDir("net");
    const coordinator = track(await startCoordinator(join(dir, "c.db"), 0, KEY));
    track(startWorker(coordinator.wsUrl, join(dir, "w0")));
    track(startWorker(coordinator.wsUrl, join(dir, "w1")));
    const client = new ApiClient(coordinator.url, KEY);
    const submitted = await client.submit({
      sequence: SEQ_36,
      steps: 4 * 1_048_576,
      trajectories: 2,
      unitSteps: 1_048_576,
    });
    const job = await whenDone(client, submitted.id);
    const all = await expectConsistentJob(client, job);
    expect(all).toHaveLength(4);
    expect(new Set(all.map((u) => u.result?.workerKey)).size).toBe(2);
  });

  it("reissues the unit of a worker killed with SIGKILL mid-unit, and the job completes", async () => {
    const dir = tempDir("kill-worker");
    const coordinator = track(
      await startCoordinator(join(dir, "c.db"), 0, KEY, ["--grace-seconds", "1"]),
    );
    const client = new ApiClient(coordinator.url, KEY);
    // one unit of ~100 M steps: long enough to be killed in the middle
    const submitted = await client.submit({
      sequence: SEQ_36,
      steps: 104_857_600,
      trajectories: 1,
      unitSteps: 104_857_600,
    });
    const victim = track(startWorker(coordinator.wsUrl, join(dir, "victim")));
    await waitFor("the unit to be leased", async () =>
      (await units(client, submitted.id))[0]?.status === "leased" ? true : undefined,
    );
    expect(await victim.kill("SIGKILL")).toBe("SIGKILL");
    track(startWorker(coordinator.wsUrl, join(dir, "rescuer")));
    const job = await whenDone(client, submitted.id, 170_000);
    await expectConsistentJob(client, job);
    expect(acknowledgedUnits(victim.log())).toEqual([]);
  });

  it("loses no acknowledged result and counts none twice when the coordinator is killed with SIGKILL", async () => {
    const dir = tempDir("kill-coordinator");
    const db = join(dir, "c.db");
    const port = await freePort();
    let coordinator: CoordinatorProc = track(await startCoordinator(db, port, KEY));
    const workers = [
      track(startWorker(coordinator.wsUrl, join(dir, "w0"))),
      track(startWorker(coordinator.wsUrl, join(dir, "w1"))),
    ];
    let client = new ApiClient(coordinator.url, KEY);
    const submitted = await client.submit({
      sequence: SEQ_36,
      steps: 16 * 1_048_576,
      trajectories: 2,
      unitSteps: 1_048_576,
    });
    await waitFor("three acknowledged results", async () =>
      workers.flatMap((w) => acknowledgedUnits(w.log())).length >= 3 ? true : undefined,
    );
    expect(await coordinator.kill("SIGKILL")).toBe("SIGKILL");
    const ackedBeforeKill = workers.flatMap((w) => acknowledgedUnits(w.log()));
    coordinator = track(await startCoordinator(db, port, KEY));
    client = new ApiClient(coordinator.url, KEY);
    const job = await whenDone(client, submitted.id, 170_000);
    const all = await expectConsistentJob(client, job);
    const verified = new Set(all.filter((u) => u.result !== null).map((u) => u.id));
    for (const unit of ackedBeforeKill)
      expect(verified.has(unit), `acknowledged ${unit} was lost`).toBe(true);
    expect(all).toHaveLength(16);
    expect(job.unitsVerified).toBe(16);
    expect(job.stepsDone).toBe(16 * 1_048_576);
    // the ledger pays each unit once: its export verifies (no unit twice) and holds 16 work entries
    await waitFor("the ledger to seal every entry", async () =>
      (await client.call<{ pending: number }>("GET", "/api/ledger/blocks")).pending === 0
        ? true
        : undefined,
    );
    const chain = new Uint8Array(
      await (await fetch(`${coordinator.url}/api/ledger/export`)).arrayBuffer(),
    );
    const summary = verifyChain(chain);
    expect(summary.workEntries).toBe(16);
    const rewards = all.reduce(
      (sum, u) => sum + BigInt((u.result as unknown as { reward: string }).reward),
      0n,
    );
    expect(summary.issued).toBe(rewards);
  });
});
