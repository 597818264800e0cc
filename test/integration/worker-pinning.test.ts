import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLineLogger } from "../../common/log.js";
import type { Coordinator, CoordinatorAddress } from "../../coordinator/coordinator.js";
import { generateIdentity } from "../../protocol/identity.js";
import { WorkerConnection } from "../../worker/connection.js";
import { startTestCoordinator } from "../helpers/test-coordinator.js";

let coordinator: Coordinator;
let address: CoordinatorAddress;

beforeAll(async () => {
  ({ coordinator, address } = await startTestCoordinator({ apiKeys: ["k"] }));
});
afterAll(async () => {
  await coordinator.stop();
});

/** Connects with `pinned`; resolves "connected" or the first error line logged. */
function attempt(pinned: Uint8Array): Promise<string> {
  return new Promise((resolve) => {
    let connection: WorkerConnection;
    const log = createLineLogger((line) => {
      if (line.includes(" error ")) {
        void connection.stop();
        resolve(line);
      }
    });
    connection = new WorkerConnection(
      {
        urls: [address.wsUrl],
        identity: generateIdentity(),
        client: "pin-test",
        threads: 1,
        coordinatorKey: pinned,
      },
      { log },
    );
    connection.on("connected", () => {
      void connection.stop();
      resolve("connected");
    });
    connection.start();
  });
}

describe("a worker that pins the coordinator's key", () => {
  it("authenticates to the coordinator with that key", async () => {
    expect(await attempt(coordinator.identity.publicKey)).toBe("connected");
  });

  it("refuses to answer the challenge of any other key", async () => {
    const line = await attempt(generateIdentity().publicKey);
    expect(line).toContain("not the pinned one");
    expect(await coordinator.store.listWorkers(10)).toHaveLength(1); // only the first test's worker
  });
});
