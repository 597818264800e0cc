import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ApiClient } from "../../coordinator/api-client.js";
import { foldEnergy } from "../../sim/fold.js";
import { runFoldnet } from "../helpers/cli.js";
import {
  freePort,
  type Proc,
  startCoordinator,
  startWorker,
  tempDir,
  waitFor,
} from "../helpers/network.js";

const KEY = "fn_batch_cli";
const SEQUENCES = 1_000;
const running: Proc[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((p) => p.kill("SIGKILL")));
});

/** The i-th sequence: 8–20 residues of H and P. */
const sequence = (i: number) =>
  Array.from({ length: 8 + (i % 13) }, (_, k) =>
    ((i >> (k % 10)) + k) % 3 === 0 ? "H" : "P",
  ).join("");

describe("a batch from the command line", () => {
  it("submits 1,000 sequences in one request, runs them to the end and exports one valid CSV row per sequence", async () => {
    const dir = tempDir("batch-cli");
    const coordinator = await startCoordinator(join(dir, "c.db"), await freePort(), KEY);
    running.push(coordinator);
    const env = { FOLDNET_API_KEY: KEY, FOLDNET_COORDINATOR: coordinator.url };
    const file = join(dir, "jobs.jsonl");
    const sequences = Array.from({ length: SEQUENCES }, (_, i) => sequence(i));
    writeFileSync(
      file,
      `${sequences.map((s) => JSON.stringify({ sequence: s, steps: 1024, trajectories: 1, unitSteps: 1024 })).join("\n")}\n`,
    );
    const bad = join(dir, "bad.jsonl");
    writeFileSync(
      bad,
      `${JSON.stringify({ sequence: "HPPH", steps: 1024 })}\n\n{"sequence":"HXPH","steps":1024}\nnot json\n`,
    );
    const refused = await runFoldnet(["job", "submit", "--file", bad], env);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain("line 4: line");

    const submitted = await runFoldnet(["job", "submit", "--file", file, "--json"], env);
    expect(submitted.code).toBe(0);
    const batch = JSON.parse(submitted.stdout) as { id: string; size: number };
    expect(batch.size).toBe(SEQUENCES);
    for (const n of [1, 2]) running.push(startWorker(coordinator.wsUrl, tempDir(`batch-w${n}`), 2));
    const client = new ApiClient(coordinator.url, KEY);
    await waitFor(
      "the batch to finish",
      async () => {
        const b = await client.call<{ running: number }>("GET", `/api/batches/${batch.id}`);
        return b.running === 0 ? true : undefined;
      },
      240_000, // ~55 s alone; twice that or more beside the soak test on 2 shared cores
      500,
    );
    const listed = await runFoldnet(["job", "list", "--batch", batch.id, "--json"], env);
    expect((JSON.parse(listed.stdout) as { jobs: unknown[] }).jobs).toHaveLength(SEQUENCES);
    const out = await runFoldnet(["job", "results", "--batch", batch.id, "--format", "csv"], env);
    expect(out.code).toBe(0);
    const [header, ...rows] = out.stdout.trimEnd().split("\n");
    expect(header).toBe("line,job,sequence,status,bestEnergy,fold,eStar,steps,timeMs");
    expect(rows).toHaveLength(SEQUENCES);
    rows.forEach((row, i) => {
      const [line, , seq, status, energy, fold, , steps, time] = row.split(",");
      expect(Number(line)).toBe(i + 1);
      expect(seq).toBe(sequences[i]);
      expect(status).toBe("done");
      expect(foldEnergy(seq!, fold!, "square2d")).toBe(Number(energy));
      expect(Number(steps)).toBe(1024);
      expect(Number(time)).toBeGreaterThanOrEqual(0);
    });
  }, 300_000);
});
