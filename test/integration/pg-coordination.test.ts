import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LeaderLock } from "../../coordinator/store/pg/leader-lock.js";
import { type Migration, migrate } from "../../coordinator/store/pg/migrate.js";
import { PgCluster } from "../../testkit/pg-cluster.js";
import { expectFoldnetError } from "../helpers/errors.js";

let cluster: PgCluster;
beforeAll(async () => {
  cluster = await PgCluster.create();
});
afterAll(async () => {
  await cluster?.destroy();
});

const MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: "counters",
    sql: "CREATE TABLE counters (id TEXT PRIMARY KEY, n INTEGER NOT NULL)",
  },
  { version: 2, name: "seed", sql: "INSERT INTO counters VALUES ('runs', 1)" },
  { version: 3, name: "bump", sql: "UPDATE counters SET n = n + 1 WHERE id = 'runs'" },
];

describe("PostgreSQL migrations", () => {
  it("apply each version once, even when several coordinators start at once", async () => {
    const pools = Array.from({ length: 4 }, () => new pg.Pool({ connectionString: cluster.url }));
    const applied = await Promise.all(pools.map((p) => migrate(p, MIGRATIONS)));
    expect(applied.flat().sort()).toEqual([1, 2, 3]);
    const { rows } = await pools[0]!.query("SELECT n FROM counters WHERE id = 'runs'");
    expect(rows[0].n).toBe(2); // seeded once, bumped once
    expect(await migrate(pools[0]!, MIGRATIONS)).toEqual([]);
    // a build that knows fewer versions refuses the newer database
    await expectFoldnetError(() => migrate(pools[1]!, MIGRATIONS.slice(0, 2)), {
      code: "STORE_ERROR_SCHEMA_NEWER",
    });
    await expectFoldnetError(() => migrate(pools[1]!, [MIGRATIONS[1]!]), {
      code: "STORE_ERROR_BAD_MIGRATIONS",
    });
    await Promise.all(pools.map((p) => p.end()));
  });
});

describe("the leader lock", () => {
  it("has one holder at a time and passes to another within its retry period when the holder dies", async () => {
    const key = 42n;
    const events: string[] = [];
    const retryMs = 200;
    const a = new LeaderLock({ connectionString: cluster.url, key, retryMs }, (held) =>
      events.push(`a ${held}`),
    );
    a.start();
    await expect.poll(() => a.isHeld).toBe(true);
    const b = new LeaderLock({ connectionString: cluster.url, key, retryMs }, (held) =>
      events.push(`b ${held}`),
    );
    b.start();
    await new Promise((r) => setTimeout(r, 3 * retryMs));
    expect(b.isHeld).toBe(false);
    // the holder's connection dies (as when its process is killed)
    const admin = new pg.Client({ connectionString: cluster.url });
    await admin.connect();
    const died = Date.now();
    await admin.query(
      "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND objid = $1 AND granted",
      [Number(key)],
    );
    await expect.poll(() => b.isHeld, { timeout: 10_000 }).toBe(true);
    expect(Date.now() - died).toBeLessThan(10_000);
    expect(a.isHeld).toBe(false);
    expect(events).toEqual(["a true", "a false", "b true"]);
    await admin.end();
    await a.stop();
    await b.stop();
  });
});
