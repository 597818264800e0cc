import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { SCHEMA } from "../../../coordinator/store/sqlite-schema.js";
import { SqliteStore } from "../../../coordinator/store/sqlite-store.js";

describe("opening a database from before models and cooperation", () => {
  it("adds the columns with defaults that keep old rows' meaning", () => {
    const file = join(mkdtempSync(join(tmpdir(), "foldnet-migrate-")), "old.db");
    const old = new Database(file);
    old.exec(SCHEMA); // version 1's tables, without the added columns
    old
      .prepare(
        `INSERT INTO jobs (id, name, sequence, lattice, steps, trajectories, generations, unit_steps,
          checkpoint_interval, replicas, status, created_at)
         VALUES ('j1', '', 'HPPH', 'square2d', 2048, 2, 1, 1024, 1, 8, 'running', 1)`,
      )
      .run();
    old
      .prepare(
        "INSERT INTO units (id, job_id, trajectory, generation, start_state, steps, status) VALUES ('j1.t0.g1', 'j1', 0, 1, x'00', 1024, 'queued')",
      )
      .run();
    old.close();
    for (let open = 0; open < 2; open++) {
      const store = new SqliteStore(file); // twice: adding is done once
      expect(store.getJob("j1")).toMatchObject({ model: "hp", cooperate: false });
      expect(store.listUnits("j1")[0]).toMatchObject({ id: "j1.t0.g1", source: null });
      store.close();
    }
  });
});
