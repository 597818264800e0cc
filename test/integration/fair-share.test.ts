import { readdirSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { ApiClient } from "../../coordinator/api-client.js";
import { foldEnergy } from "../../sim/fold.js";
import { runFoldnet } from "../helpers/cli.js";
import { expectFoldnetError } from "../helpers/errors.js";
import {
  freePort,
  type Proc,
  startCoordinator,
  startWorker,
  tempDir,
  waitFor,
} from "../helpers/network.js";

const ADMIN = "fn_fair_share_admin";
const running: Proc[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((p) => p.kill("SIGKILL")));
});

/** Verified units to wait for: enough that the in-flight units at the end weigh little. */
const UNITS = 120;

describe("fair share end to end", () => {
  it("two researchers with two long jobs each share one worker 45–55 %; the higher-priority job gets more of its owner's part; ETA and best folds follow", async () => {
    const dir = tempDir("fair-share");
    const coordinator = await startCoordinator(`${dir}/c.db`, await freePort(), ADMIN);
    running.push(coordinator);
    const admin = new ApiClient(coordinator.url, ADMIN);
    const researcher = async (name: string) => {
      const { key } = await admin.call<{ key: string }>("POST", "/api/admin/keys", { name });
      return new ApiClient(coordinator.url, key);
    };
    const [alice, bob] = [await researcher("alice"), await researcher("bob")];
    // long jobs of tiny units: none ends during the run
    const job = (c: ApiClient, priority: number) =>
      c.submit({
        sequence: "HPHPPHHPHPPHPH",
        steps: 1024 * 10_000,
        trajectories: 1,
        unitSteps: 1024,
        priority,
      });
    const jobs = [await job(alice, 3), await job(alice, 1), await job(bob, 1), await job(bob, 1)];
    running.push(startWorker(coordinator.wsUrl, tempDir("fair-share-worker")));
    const done = await waitFor(
      `${UNITS} verified units`,
      async () => {
        const steps = await Promise.all(jobs.map(async (j) => (await admin.job(j.id)).stepsDone));
        return steps.reduce((a, b) => a + b, 0) >= UNITS * 1024 ? steps : undefined;
      },
      50_000,
      250,
    );
    const [a1, a2, b1, b2] = done as [number, number, number, number];
    const { eta } = await alice.job(jobs[0]!.id); // the job's verified steps/s so far
    expect(eta?.stepsPerSecond).toBeGreaterThan(0);
    expect(eta?.seconds).toBeGreaterThan(0);
    const aliceShare = (a1 + a2) / (a1 + a2 + b1 + b2);
    expect(aliceShare).toBeGreaterThanOrEqual(0.45);
    expect(aliceShare).toBeLessThanOrEqual(0.55);
    expect(a1 / (a1 + a2)).toBeGreaterThanOrEqual(0.6); // priority 3 against 1: ideally 75 %
    // the k best distinct folds of a job with many verified units, drawn by the CLI
    const svgDir = tempDir("fair-share-folds");
    const env = { FOLDNET_API_KEY: ADMIN, FOLDNET_COORDINATOR: coordinator.url };
    const out = await runFoldnet(
      ["job", "folds", jobs[0]!.id, "--top", "3", "--svg-dir", svgDir, "--json"],
      env,
    );
    expect(out.code, out.stderr).toBe(0);
    const { folds } = JSON.parse(out.stdout) as { folds: { fold: string; energy: number }[] };
    expect(folds.length).toBeGreaterThan(0);
    expect(folds.length).toBeLessThanOrEqual(3);
    expect(new Set(folds.map((f) => f.fold)).size).toBe(folds.length);
    const energies = folds.map((f) => f.energy);
    expect(energies).toEqual([...energies].sort((x, y) => x - y));
    for (const f of folds) expect(foldEnergy(jobs[0]!.sequence, f.fold, "square2d")).toBe(f.energy);
    expect(readdirSync(svgDir).sort()).toEqual(
      folds.map((_, i) => `${jobs[0]!.id}-${i + 1}.svg`).sort(),
    );
    await expectFoldnetError(admin.call("GET", `/api/jobs/${jobs[0]!.id}/folds?top=0`), {
      code: "API_ERROR_BAD_REQUEST",
      field: "top",
    });
    process.stderr.write(
      `fair share: alice ${(aliceShare * 100).toFixed(1)} % of ${(a1 + a2 + b1 + b2) / 1024} units; her priority-3 job ${((a1 / (a1 + a2)) * 100).toFixed(1)} % of hers\n`,
    );
  }, 60_000);
});
