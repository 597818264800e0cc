import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ApiClient } from "../../coordinator/api-client.js";
import { runFoldnet } from "../helpers/cli.js";
import { expectFoldnetError } from "../helpers/errors.js";
import { freePort, type Proc, startCoordinator, tempDir } from "../helpers/network.js";

const ADMIN = "fn_admin_cli";
const running: Proc[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((p) => p.kill("SIGKILL")));
});

describe("foldnet admin", () => {
  it("adds, lists and revokes keys, sets weights, cancels jobs and reads the audit log, each with --json", async () => {
    const coordinator = await startCoordinator(
      join(tempDir("admin-cli"), "c.db"),
      await freePort(),
      ADMIN,
    );
    running.push(coordinator);
    const env = { FOLDNET_API_KEY: ADMIN, FOLDNET_COORDINATOR: coordinator.url };
    const admin = async (...args: string[]) => {
      const run = await runFoldnet(["admin", ...args, "--json"], env);
      expect(run.code, run.stderr).toBe(0);
      return JSON.parse(run.stdout) as Record<string, unknown>;
    };
    const help = await runFoldnet(["admin", "--help"]);
    expect(help.stdout).toContain("foldnet admin keys add --name ACCOUNT");

    const added = await admin("keys", "add", "--name", "dora", "--role", "researcher");
    expect(added.key).toMatch(/^fn_[0-9a-f]{32}$/);
    const dora = new ApiClient(coordinator.url, added.key as string);
    const job = await dora.submit({ sequence: "HPPHHP", steps: 1 << 20 });
    const { keys } = (await admin("keys", "list")) as { keys: { account: string }[] };
    expect(keys.map((k) => k.account)).toContain("dora");
    expect(await admin("accounts", "weight", "dora", "2")).toEqual({ account: "dora", weight: 2 });
    expect((await admin("jobs", "cancel", job.id)).status).toBe("cancelled");
    await admin("keys", "revoke", added.id as string);
    await expectFoldnetError(dora.jobs(), { code: "API_ERROR_UNAUTHORIZED" });
    const { entries } = (await admin("audit")) as { entries: { action: string }[] };
    expect(entries.map((e) => e.action)).toEqual([
      "keys.add",
      "accounts.weight",
      "jobs.cancel",
      "keys.revoke",
    ]);
    const refused = await runFoldnet(["admin", "audit"], {
      ...env,
      FOLDNET_API_KEY: added.key as string,
    });
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain("API_ERROR_UNAUTHORIZED");
  }, 60_000);
});
