import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { silentLogger } from "../../../common/log.js";
import { ApiClient } from "../../../coordinator/api-client.js";
import { Coordinator, type CoordinatorAddress } from "../../../coordinator/coordinator.js";
import { SqliteStore } from "../../../coordinator/store/sqlite-store.js";
import { expectFoldnetError } from "../../helpers/errors.js";
import { tempDir } from "../../helpers/network.js";

const KEY = "fn_reads";
let coordinator: Coordinator;
let address: CoordinatorAddress;

beforeAll(async () => {
  coordinator = new Coordinator(
    { host: "127.0.0.1", port: 0, dbFile: ":memory:", apiKeys: [KEY], verifyThreads: 0 },
    { log: silentLogger },
  );
  address = await coordinator.start();
});
afterAll(async () => {
  await coordinator.stop();
});

interface UnitsPage {
  units: { id: string }[];
  offset: number;
  next: number | null;
}

describe("public reads", () => {
  it("page a job's units (offset, limit, next) and refuse a page beyond the limit", async () => {
    const client = new ApiClient(address.url, KEY);
    const job = await client.submit({ sequence: "HPHPPHHPHPPH", steps: 5 << 20, trajectories: 5 });
    const units = (q: string) => client.call<UnitsPage>("GET", `/api/jobs/${job.id}/units${q}`);
    const first = await units("?limit=2");
    expect(first.units.map((u) => u.id)).toEqual([`${job.id}.t0.g0`, `${job.id}.t1.g0`]);
    expect(first.next).toBe(2);
    const last = await units("?offset=4&limit=2");
    expect(last.units.map((u) => u.id)).toEqual([`${job.id}.t4.g0`]);
    expect(last.next).toBeNull();
    expect((await units("")).units).toHaveLength(5);
    await expectFoldnetError(units("?limit=5000"), {
      code: "API_ERROR_BAD_REQUEST",
      field: "limit",
    });
    await expectFoldnetError(units("?offset=-1"), {
      code: "API_ERROR_BAD_REQUEST",
      field: "offset",
    });
  });

  it("build the ledger export once per chain head, not per request", async () => {
    const client = new ApiClient(address.url);
    const reads = vi.spyOn(coordinator.store, "listBlocks");
    const a = await client.exportChain();
    const b = await client.exportChain();
    expect(b).toEqual(a);
    expect(reads.mock.calls.filter(([from]) => from === 0)).toHaveLength(1);
    await expectFoldnetError(client.call("GET", "/api/ledger/export?from=x"), {
      code: "API_ERROR_BAD_REQUEST",
      field: "from",
    });
  });

  it("sort accounts richest first in SQL, numerically, with the limit applied there", () => {
    const file = join(tempDir("accounts"), "c.db");
    new SqliteStore(file).close(); // creates the schema
    const db = new Database(file);
    const insert = db.prepare("INSERT INTO accounts (key, balance, nonce) VALUES (?, ?, '0')");
    for (const [key, balance] of [
      ["a", "9"],
      ["b", "100"],
      ["c", "10"],
      ["d", "99"],
      ["e", "100"],
    ])
      insert.run(key, balance);
    db.close();
    const store = new SqliteStore(file);
    expect(store.accounts(4).map((a) => [a.key, a.balance])).toEqual([
      ["b", 100n],
      ["e", 100n],
      ["d", 99n],
      ["c", 10n],
    ]);
    store.close();
  });
});
