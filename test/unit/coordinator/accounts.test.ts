import { bytesToHex } from "@noble/hashes/utils.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { silentLogger } from "../../../common/log.js";
import { ApiClient } from "../../../coordinator/api-client.js";
import type { Coordinator, CoordinatorAddress } from "../../../coordinator/coordinator.js";
import { generateIdentity } from "../../../protocol/identity.js";
import { expectFoldnetError } from "../../helpers/errors.js";
import { ScriptedWorker } from "../../helpers/scripted-worker.js";
import { createCoordinator } from "../../helpers/test-coordinator.js";

const ADMIN = "fn_accounts_admin";
let coordinator: Coordinator;
let address: CoordinatorAddress;
let admin: ApiClient;

beforeAll(async () => {
  coordinator = await createCoordinator(
    { host: "127.0.0.1", port: 0, dbFile: ":memory:", apiKeys: [ADMIN], verifyThreads: 0 },
    { log: silentLogger },
  );
  address = await coordinator.start();
  admin = new ApiClient(address.url, ADMIN);
});
afterAll(async () => {
  await coordinator.stop();
});

interface NewKey {
  key: string;
  id: string;
  account: string;
  role: string;
}

const addKey = async (name: string, role = "researcher") => {
  const added = await admin.call<NewKey>("POST", "/api/admin/keys", { name, role });
  return { ...added, client: new ApiClient(address.url, added.key) };
};

const spec = (extra: Record<string, unknown> = {}) => ({
  sequence: "HPHPPHHPHPPH",
  steps: 1 << 20,
  trajectories: 1,
  ...extra,
});

describe("accounts, ownership and admin actions", () => {
  it("keys belong to accounts with roles; a configured key is an admin; researchers are refused admin routes", async () => {
    const alice = await addKey("alice");
    expect(alice).toMatchObject({ account: "alice", role: "researcher" });
    expect(alice.key).toMatch(/^fn_[0-9a-f]{32}$/);
    const { keys } = await admin.call<{ keys: Record<string, unknown>[] }>(
      "GET",
      "/api/admin/keys",
    );
    expect(keys.map((k) => [k.account, k.role])).toEqual(
      expect.arrayContaining([
        ["alice", "researcher"],
        [expect.stringMatching(/^key-/), "admin"],
      ]),
    );
    expect(keys.every((k) => !("hash" in k) && !("key" in k))).toBe(true);
    await expectFoldnetError(alice.client.call("GET", "/api/admin/keys"), {
      code: "API_ERROR_FORBIDDEN",
    });
    await expectFoldnetError(alice.client.call("GET", "/api/audit"), {
      code: "API_ERROR_FORBIDDEN",
    });
    await expectFoldnetError(new ApiClient(address.url).call("GET", "/api/audit"), {
      code: "API_ERROR_UNAUTHORIZED",
    });
    await expectFoldnetError(admin.call("POST", "/api/admin/keys", { name: "x y" }), {
      code: "API_ERROR_BAD_REQUEST",
      field: "name",
    });
    await expectFoldnetError(admin.call("POST", "/api/admin/keys", { name: "x", role: "root" }), {
      code: "API_ERROR_BAD_REQUEST",
      field: "role",
    });
  });

  it("B cannot cancel A's job nor read A's private job (403); the owner and an admin can", async () => {
    const a = await addKey("ana");
    const b = await addKey("ben");
    const open = await a.client.submit(spec());
    const hidden = await a.client.submit(spec({ private: true }));
    expect(await a.client.job(hidden.id)).toMatchObject({ owner: "ana", private: true });
    await expectFoldnetError(b.client.cancel(open.id), { code: "API_ERROR_FORBIDDEN" });
    for (const path of ["", "/result", "/result.svg", "/units"]) {
      await expectFoldnetError(b.client.call("GET", `/api/jobs/${hidden.id}${path}`), {
        code: "API_ERROR_FORBIDDEN",
      });
      await expectFoldnetError(
        new ApiClient(address.url).call("GET", `/api/jobs/${hidden.id}${path}`),
        { code: "API_ERROR_FORBIDDEN" },
      );
    }
    await expectFoldnetError(b.client.cancel(hidden.id), { code: "API_ERROR_FORBIDDEN" });
    const listed = async (c: ApiClient) => (await c.jobs()).jobs.map((j) => j.id);
    expect(await listed(b.client)).toContain(open.id);
    expect(await listed(b.client)).not.toContain(hidden.id);
    expect(await listed(new ApiClient(address.url))).not.toContain(hidden.id);
    expect(await listed(a.client)).toContain(hidden.id);
    expect(await listed(admin)).toContain(hidden.id);
    expect(
      (await a.client.call<{ units: unknown[] }>("GET", `/api/jobs/${hidden.id}/units`)).units,
    ).toHaveLength(1);
    expect((await a.client.cancel(open.id)).status).toBe("cancelled");
    expect((await admin.cancel(hidden.id)).status).toBe("cancelled");
    await expectFoldnetError(a.client.submit(spec({ private: "yes" })), {
      code: "API_ERROR_BAD_REQUEST",
      field: "private",
    });
  });

  it("a revoked key gets 401 at once; revoking needs one matching id", async () => {
    const c = await addKey("carol");
    await c.client.submit(spec());
    const revoked = await admin.call<Record<string, unknown>>(
      "POST",
      `/api/admin/keys/${c.id.slice(0, 10)}/revoke`,
    );
    expect(revoked).toMatchObject({ id: c.id, account: "carol" });
    expect(revoked.revokedAt).toEqual(expect.any(Number));
    await expectFoldnetError(c.client.submit(spec()), { code: "API_ERROR_UNAUTHORIZED" });
    await expectFoldnetError(c.client.call("GET", "/api/jobs"), {
      code: "API_ERROR_UNAUTHORIZED",
    });
    await expectFoldnetError(admin.call("POST", "/api/admin/keys/ffffffffffff/revoke"), {
      code: "API_ERROR_NOT_FOUND",
    });
  });

  it("a banned worker key is cut off and refused; unban lets it back; the audit log lists every action", async () => {
    const identity = generateIdentity();
    const worker = await ScriptedWorker.connect(address.wsUrl, identity);
    const key = bytesToHex(identity.publicKey);
    const banned = await admin.call<{ worker: { banned: boolean } }>(
      "POST",
      `/api/admin/workers/${key}/ban`,
    );
    expect(banned.worker.banned).toBe(true);
    expect((await worker.next("error")).code).toBe("AUTH_ERROR_BANNED");
    expect((await worker.closed()).code).toBe(1008);
    const again = await ScriptedWorker.authenticate(address.wsUrl, identity);
    expect((await again.next("error")).code).toBe("AUTH_ERROR_BANNED");
    await admin.call("POST", `/api/admin/workers/${key}/unban`);
    const back = await ScriptedWorker.connect(address.wsUrl, identity);
    back.socket.close();
    await expectFoldnetError(admin.call("POST", `/api/admin/workers/${"ab".repeat(32)}/ban`), {
      code: "API_ERROR_NOT_FOUND",
    });

    const { entries } = await admin.call<{ entries: { action: string; target: string }[] }>(
      "GET",
      "/api/audit",
    );
    const actions = entries.map((e) => e.action);
    expect(actions.filter((a) => a === "keys.add")).toHaveLength(4);
    expect(actions).toContain("keys.revoke");
    expect(actions).toContain("jobs.cancel");
    expect(entries.filter((e) => e.target === key).map((e) => e.action)).toEqual([
      "workers.ban",
      "workers.unban",
    ]);
    expect(entries.every((e) => typeof (e as { actor?: unknown }).actor === "string")).toBe(true);
  });
});
