import { afterAll, beforeAll, describe, it } from "vitest";
import { ApiClient } from "../../../coordinator/api-client.js";
import type { Coordinator, CoordinatorAddress } from "../../../coordinator/coordinator.js";
import { expectFoldnetError } from "../../helpers/errors.js";
import { startTestCoordinator } from "../../helpers/test-coordinator.js";

const A = "fn_quota_a";
const B = "fn_quota_b";
let coordinator: Coordinator;
let address: CoordinatorAddress;

beforeAll(async () => {
  ({ coordinator, address } = await startTestCoordinator({
    apiKeys: [A, B],
    dbFile: ":memory:",
    jobQuota: { runningJobs: 2, runningTrajectories: 5 },
  }));
});
afterAll(async () => {
  await coordinator.stop();
});

const spec = (trajectories: number) => ({ sequence: "HPHPPHHPHPPH", steps: 1 << 20, trajectories });

describe("per-account job quotas", () => {
  it("bound an API key's running jobs and trajectories, not another key's; a finished job frees its share", async () => {
    const a = new ApiClient(address.url, A);
    const first = await a.submit(spec(2));
    await a.submit(spec(2));
    await expectFoldnetError(a.submit(spec(1)), { code: "API_ERROR_QUOTA", limit: "runningJobs" });
    await a.cancel(first.id);
    await expectFoldnetError(a.submit(spec(4)), {
      code: "API_ERROR_QUOTA",
      limit: "runningTrajectories",
    });
    await a.submit(spec(1));
    const b = new ApiClient(address.url, B);
    await b.submit(spec(5));
  });
});
