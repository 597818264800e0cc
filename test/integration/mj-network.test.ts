import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { auditStarts } from "../../coordinator/cooperation.js";
import { SqliteStore } from "../../coordinator/store/sqlite-store.js";
import { foldEnergy } from "../../sim/fold.js";
import { runFoldnet } from "../helpers/cli.js";
import { type Proc, startCoordinator, startWorker, tempDir, waitFor } from "../helpers/network.js";

const running: Proc[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((p) => p.kill("SIGKILL")));
});

const SEQ = "MKVLAAGIVGLLLAACSSEKWYFDRNQTPH";

describe("a Miyazawa-Jernigan job through a real coordinator and worker", () => {
  it("folds amino acids on FCC, with cooperating trajectories an audit recomputes, and a ledger that verifies", async () => {
    const dir = tempDir("mj-network");
    const key = "fn_mj_key";
    const db = join(dir, "c.db");
    const coordinator = await startCoordinator(db, 0, key);
    running.push(coordinator, startWorker(coordinator.wsUrl, join(dir, "w"), 2));
    const cli = (...args: string[]) =>
      runFoldnet([...args, "--coordinator", coordinator.url, "--json"], { FOLDNET_API_KEY: key });

    const submitted = await cli(
      "job",
      "submit",
      "--seq",
      SEQ,
      "--model",
      "mj",
      "--lattice",
      "fcc3d",
      "--trajectories",
      "3",
      "--unit-steps",
      "131072",
      "--steps",
      String(3 * 4 * 131072),
      "--wait",
    );
    expect(submitted.code, submitted.stderr).toBe(0);
    const job = JSON.parse(submitted.stdout);
    expect(job).toMatchObject({
      status: "done",
      model: "mj",
      cooperate: true,
      lattice: "fcc3d",
      sequence: SEQ,
      unitsVerified: 12,
    });
    expect(job.bestEnergy).toBeLessThan(-1_000); // MJ units: 0.01 RT, several contacts
    expect(foldEnergy(SEQ, job.bestFold, "fcc3d", "fold", "mj")).toBe(job.bestEnergy);

    const pdb = join(dir, "best.pdb");
    const result = await cli("job", "result", job.id, "--pdb", pdb);
    expect(result.code, result.stderr).toBe(0);
    expect(readFileSync(pdb, "utf8")).toContain("FOLDNET MJ MODEL, FCC3D LATTICE");

    const { units } = (await fetch(`${coordinator.url}/api/jobs/${job.id}/units`).then((r) =>
      r.json(),
    )) as { units: { source: string | null }[] };
    const sources = units.map((u) => u.source);
    expect(sources.filter((s) => s === null)).toHaveLength(3); // generation 0 only

    // every unit's ledger entry carries the model, and `ledger verify` recomputes its MJ energy
    const out = join(dir, "chain.fnl");
    const verified = await waitFor("the job's entries sealed", async () => {
      expect((await cli("ledger", "export", "--out", out)).code).toBe(0);
      const v = await runFoldnet(["ledger", "verify", out, "--json"]);
      const summary = JSON.parse(v.stdout);
      return v.code === 0 && summary.workEntries === 12 ? summary : undefined;
    });
    expect(verified.valid).toBe(true);

    await coordinator.kill("SIGTERM");
    const store = new SqliteStore(db);
    try {
      const stored = store.getJob(job.id)!;
      expect(stored.model).toBe("mj");
      // throws naming the unit whose recorded source or start the rule does not give
      auditStarts(
        stored,
        store.listUnits(job.id),
        store.acceptedStates(job.id, 0, Number.MAX_SAFE_INTEGER),
      );
    } finally {
      store.close();
    }
  }, 180_000);
});
