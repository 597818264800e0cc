import { afterAll, beforeAll, describe, it } from "vitest";
import { silentLogger } from "../../../common/log.js";
import { ApiClient } from "../../../coordinator/api-client.js";
import { Coordinator, type CoordinatorAddress } from "../../../coordinator/coordinator.js";
import { expectFoldnetError } from "../../helpers/errors.js";

const A = "fn_quota_a";
const B = "fn_quota_b";
let coordinator: Coordinator;
let address: CoordinatorAddress;

beforeAll(async () => {
  coordinator = new Coordinator(
    {
      host: "127.0.0.1",
      port: 0,
      dbFile: ":memory:",
      apiKeys: [A, B],
      verifyThreads: 0,
      jobQuota: { runningJobs: 2, runningTrajectories: 5 },
    },
    { log: silentLogger },
  );
  address = await coordinator.start();
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
