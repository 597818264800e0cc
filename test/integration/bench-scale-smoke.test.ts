import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";

// bench:scale at its smallest (20 workers, 2 s windows, SQLite and one PostgreSQL
// coordinator): the bench still runs end to end and reports every figure it promises. No
// figure's size is asserted — figures come from running the bench, not from tests.
describe("bench:scale smoke", () => {
  it("measures SQLite and PostgreSQL configurations and reports their figures", () => {
    const run = spawnSync(
      "npx",
      [
        "tsx",
        "bench/scale.bench.ts",
        "--no-build",
        "--json",
        "--workers",
        "20",
        "--active",
        "4",
        "--seconds",
        "2",
        "--pg",
        "1",
      ],
      { encoding: "utf8", timeout: 120_000 },
    );
    expect(run.status, run.stderr).toBe(0);
    const figures = JSON.parse(run.stdout) as {
      levels: Record<string, unknown>[];
      twoCoordinatorSpeedup: number | null;
    };
    expect(figures.levels.map((l) => l.config)).toEqual(["sqlite ×1", "postgresql ×1"]);
    for (const level of figures.levels) {
      expect(level.connected).toBe(20);
      expect(level.errors).toBe(0);
      expect(level.resultsPerSec).toBeGreaterThan(0);
      expect(level.schedulerTransactionsPerResult).toBeGreaterThan(0);
      expect(level.coordinatorCpuMsPerResult).toBeGreaterThan(0);
      expect(level.acceptTransactionMs).toBeGreaterThan(0);
    }
    const [sqlite, postgres] = figures.levels;
    expect(sqlite!.dbTransactionsPerResult).toBeNull();
    for (const k of ["dbTransactionsPerResult", "dbRowsWrittenPerResult", "walBytesPerResult"])
      expect(postgres![k]).toBeGreaterThan(0);
    expect(figures.twoCoordinatorSpeedup).toBeNull();
  });
});
