import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { foldEnergy } from "../../sim/fold.js";
import { runFoldnet } from "../helpers/cli.js";
import { type Proc, startCoordinator, startWorker, tempDir } from "../helpers/network.js";

const running: Proc[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((p) => p.kill("SIGKILL")));
});

describe("the command line against a real network", () => {
  it("foldnet demo --once --json: folds the 64-mer to E* = -42 and ends with a ledger that verifies", async () => {
    const dir = tempDir("demo");
    const run = await runFoldnet([
      "demo",
      "--once",
      "--json",
      "--port",
      "0",
      "--db",
      join(dir, "demo.db"),
    ]);
    expect(run.code, run.stderr).toBe(0);
    const summary = JSON.parse(run.stdout);
    expect(summary).toMatchObject({
      status: "done",
      bestEnergy: -42,
      ledgerValid: true,
      lattice: "square2d",
    });
    expect(summary.unitsVerified).toBeGreaterThanOrEqual(1);
    expect(summary.blocks).toBeGreaterThanOrEqual(1);
    expect(foldEnergy(summary.sequence, summary.bestFold, "square2d")).toBe(-42);
    expect(readFileSync(join(dir, "best.svg"), "utf8")).toContain("<svg");
    const verified = await runFoldnet(["ledger", "verify", join(dir, "ledger.fnl"), "--json"]);
    expect(verified.code).toBe(0);
    expect(JSON.parse(verified.stdout)).toMatchObject({
      valid: true,
      workEntries: summary.unitsVerified,
    });
  });

  it("foldnet job submit --wait, status, result --svg/--pdb, list and cancel", async () => {
    const dir = tempDir("job-cli");
    const key = "fn_cli_key";
    const coordinator = await startCoordinator(join(dir, "c.db"), 0, key);
    running.push(coordinator, startWorker(coordinator.wsUrl, join(dir, "w")));
    const job = (...args: string[]) =>
      runFoldnet(["job", ...args, "--coordinator", coordinator.url, "--json"], {
        FOLDNET_API_KEY: key,
      });

    const submitted = await job(
      "submit",
      "--seq",
      "HPHPPHHPHPPHPHHPPHPH",
      "--steps",
      "2097152",
      "--trajectories",
      "1",
      "--unit-steps",
      "1048576",
      "--target",
      "-9",
      "--wait",
    );
    expect(submitted.code, submitted.stderr).toBe(0);
    const done = JSON.parse(submitted.stdout);
    expect(done.status).toBe("done");
    expect(JSON.parse((await job("status", done.id)).stdout)).toMatchObject({
      id: done.id,
      status: "done",
    });
    const result = await job(
      "result",
      done.id,
      "--svg",
      join(dir, "r.svg"),
      "--pdb",
      join(dir, "r.pdb"),
    );
    expect(result.code).toBe(0);
    expect(foldEnergy(done.sequence, JSON.parse(result.stdout).bestFold, "square2d")).toBe(
      done.bestEnergy,
    );
    expect(
      existsSync(join(dir, "r.svg")) && readFileSync(join(dir, "r.pdb"), "utf8").includes("ATOM"),
    ).toBe(true);

    const big = JSON.parse(
      (await job("submit", "--seq", "HPHPPHHPHPPHPHHPPHPH", "--steps", "1000000000")).stdout,
    );
    const cancelled = await job("cancel", big.id);
    expect(JSON.parse(cancelled.stdout).status).toBe("cancelled");
    const again = await job("cancel", big.id);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("API_ERROR_CONFLICT");
    const list = JSON.parse((await job("list")).stdout).jobs as { id: string }[];
    expect(list.map((j) => j.id).sort()).toEqual([done.id, big.id].sort());
    const noKey = await runFoldnet(
      ["job", "submit", "--seq", "HPPH", "--steps", "4096", "--coordinator", coordinator.url],
      { FOLDNET_API_KEY: "" },
    );
    expect(noKey.code).toBe(1);
    expect(noKey.stderr).toContain("API_ERROR_UNAUTHORIZED");
  });
});
