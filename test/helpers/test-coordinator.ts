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
  type CoordinatorDeps,
  type CoordinatorOptions,
} from "../../coordinator/coordinator.js";
import { coordinatorFiles, openStore } from "../../coordinator/store/open-store.js";

/** A started coordinator, its address and its folder. */
export interface TestCoordinator {
  readonly coordinator: Coordinator;
  readonly address: CoordinatorAddress;
  readonly dir: string;
}

/** A coordinator (not started) on the database `dbFile` (SQLite or PostgreSQL), files beside it as the CLI puts them. */
export async function createCoordinator(
  { dbFile, ...options }: CoordinatorOptions & { readonly dbFile: string },
  deps: Omit<CoordinatorDeps, "store">,
): Promise<Coordinator> {
  return new Coordinator(
    { ...coordinatorFiles(dbFile, options.identityFile), ...options },
    { ...deps, ...(await openStore(dbFile)) },
  );
}

/** Starts a coordinator; `options` override the test defaults. */
export async function startTestCoordinator(
  options: Partial<CoordinatorOptions> & Pick<CoordinatorOptions, "apiKeys"> & { dbFile?: string },
): Promise<TestCoordinator> {
  const dir = mkdtempSync(join(tmpdir(), "foldnet-test-coordinator-"));
  const coordinator = await createCoordinator(
    { host: "127.0.0.1", port: 0, dbFile: join(dir, "c.db"), verifyThreads: 0, ...options },
    { log: silentLogger },
  );
  return { coordinator, address: await coordinator.start(), dir };
}
