import { statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ensureApiKeys } from "../../../coordinator/api-keys.js";
import { settledStore } from "../../../coordinator/store/settled-store.js";
import { SqliteStore } from "../../../coordinator/store/sqlite-store.js";
import { tempDir } from "../../helpers/network.js";

describe("the minted API key file", () => {
  it("is 0600 even when a world-readable file was already there", async () => {
    const file = join(tempDir("api-key"), "c.db.api-key");
    writeFileSync(file, "stale\n", { mode: 0o644 });
    const store = settledStore(new SqliteStore(":memory:"));
    const key = await ensureApiKeys(store, [], file, Date.now());
    expect(key).toBeDefined();
    expect(statSync(file).mode & 0o777).toBe(0o600);
    await store.close();
  });
});
