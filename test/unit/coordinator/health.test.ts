import { afterEach, describe, expect, it } from "vitest";
import { silentLogger } from "../../../common/log.js";
import type { Coordinator, CoordinatorAddress } from "../../../coordinator/coordinator.js";
import { READY_TIMEOUT_MS, type ReadinessCheck } from "../../../coordinator/health.js";
import { createCoordinator } from "../../helpers/test-coordinator.js";

const running: Coordinator[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((c) => c.stop()));
});

async function start(ready?: ReadinessCheck): Promise<CoordinatorAddress> {
  const c = await createCoordinator(
    { host: "127.0.0.1", port: 0, dbFile: ":memory:", apiKeys: ["fn_health"], verifyThreads: 0 },
    { log: silentLogger, ...(ready === undefined ? {} : { ready }) },
  );
  running.push(c);
  return c.start();
}

async function probe(address: CoordinatorAddress, path: string, method = "GET") {
  const res = await fetch(`${address.url}${path}`, { method });
  const text = await res.text();
  return {
    status: res.status,
    cache: res.headers.get("cache-control"),
    body: text === "" ? undefined : (JSON.parse(text) as Record<string, unknown>),
  };
}

describe("health probes", () => {
  it("answer alive and ready with the store's own check", async () => {
    const address = await start();
    expect(await probe(address, "/healthz")).toEqual({
      status: 200,
      cache: "no-store",
      body: { status: "alive" },
    });
    expect(await probe(address, "/readyz")).toEqual({
      status: 200,
      cache: "no-store",
      body: { status: "ready" },
    });
    expect(await probe(address, "/readyz", "HEAD")).toMatchObject({ status: 200, body: undefined });
    expect((await probe(address, "/readyz", "POST")).status).toBe(405);
  });

  it("report not ready, with the reason, while the database check fails, and ready again after", async () => {
    let down = true;
    const address = await start(async () => {
      if (down) throw new Error("connection refused");
    });
    expect(await probe(address, "/readyz")).toEqual({
      status: 503,
      cache: "no-store",
      body: { status: "unready", reason: "the database does not answer: connection refused" },
    });
    expect((await probe(address, "/healthz")).status).toBe(200); // alive all the same
    down = false;
    expect((await probe(address, "/readyz")).status).toBe(200);
  });

  it("report not ready when the check hangs, within its timeout", async () => {
    const address = await start(() => new Promise<void>(() => {}));
    const started = Date.now();
    expect(await probe(address, "/readyz")).toMatchObject({
      status: 503,
      body: { reason: `the database did not answer within ${READY_TIMEOUT_MS} ms` },
    });
    expect(Date.now() - started).toBeLessThan(READY_TIMEOUT_MS + 1_000);
  });
});
