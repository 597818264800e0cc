import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** `npm run bench:network -- …args --json`, parsed. */
function bench(args: string[]): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ["--import", "tsx", "bench/network.bench.ts", ...args, "--no-build", "--json"],
      { cwd: ROOT, timeout: 120_000 },
      (err, stdout, stderr) => (err ? reject(new Error(stderr)) : resolve(JSON.parse(stdout))),
    );
  });
}

describe("bench:network in its quickest mode", () => {
  it("folds the 2D 20-mer to E* through a real coordinator and worker, and with simulated workers", async () => {
    const real = await bench(["--quick"]);
    expect(real).toMatchObject({ instance: "2D-20", eStar: -9, mode: "processes" });
    expect(real.configs).toEqual([
      expect.objectContaining({ threads: 1, cooperate: true, runs: 1, reached: 1 }),
    ]);
    const simulated = await bench(["--quick", "--simulate", "1,2"]);
    expect(simulated).toMatchObject({ mode: "simulated", timeUnit: "unit-times" });
    const configs = simulated.configs as { threads: number; reached: number }[];
    expect(configs.map((c) => [c.threads, c.reached])).toEqual([
      [1, 1],
      [2, 1],
    ]);
    expect(Object.keys(simulated.speedups as object)).toEqual(["cooperate=true 1→2 threads"]);
  });
});
