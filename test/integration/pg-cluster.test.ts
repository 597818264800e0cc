import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PgCluster } from "../../testkit/pg-cluster.js";

describe("a throwaway PostgreSQL cluster", () => {
  let cluster: PgCluster;
  beforeAll(async () => {
    cluster = await PgCluster.create({ fast: false });
  });
  afterAll(async () => {
    await cluster?.destroy();
  });

  it("serves its database on loopback and keeps committed rows across a crash", async () => {
    expect(new URL(cluster.url).hostname).toBe("127.0.0.1");
    const client = new pg.Client({ connectionString: cluster.url });
    client.on("error", () => undefined); // the crash below cuts this connection
    await client.connect();
    await client.query("CREATE TABLE t (n INTEGER)");
    await client.query("INSERT INTO t VALUES (1), (2)");
    await cluster.stop("kill");
    expect(cluster.running).toBe(false);
    await expect(client.query("SELECT 1")).rejects.toThrow();
    await cluster.start();
    const again = new pg.Client({ connectionString: cluster.url });
    await again.connect();
    const { rows } = await again.query<{ n: number }>("SELECT n FROM t ORDER BY n");
    expect(rows.map((r) => r.n)).toEqual([1, 2]);
    await again.end();
  });
});
