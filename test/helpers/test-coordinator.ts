/**
 * A coordinator in the test's own process on 127.0.0.1 (a free port, verification on the main
 * thread, a silent log), its database in a fresh temporary folder unless the test asks for
 * ":memory:": what the tests that drive a coordinator through its sockets share.
 * @module
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { silentLogger } from "../../common/log.js";
import {
  Coordinator,
  type CoordinatorAddress,
  type CoordinatorOptions,
} from "../../coordinator/coordinator.js";

/** A started coordinator, its address and its folder. */
export interface TestCoordinator {
  readonly coordinator: Coordinator;
  readonly address: CoordinatorAddress;
  readonly dir: string;
}

/** Starts a coordinator; `options` override the test defaults. */
export async function startTestCoordinator(
  options: Partial<CoordinatorOptions> & Pick<CoordinatorOptions, "apiKeys">,
): Promise<TestCoordinator> {
  const dir = mkdtempSync(join(tmpdir(), "foldnet-test-coordinator-"));
  const coordinator = new Coordinator(
    { host: "127.0.0.1", port: 0, dbFile: join(dir, "c.db"), verifyThreads: 0, ...options },
    { log: silentLogger },
  );
  return { coordinator, address: await coordinator.start(), dir };
}
