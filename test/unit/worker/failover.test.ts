import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createLineLogger } from "../../../common/log.js";
import type { FrameOf } from "../../../protocol/frames.js";
import { generateIdentity } from "../../../protocol/identity.js";
import { Backoff } from "../../../worker/backoff.js";
import { CoordinatorRing, coordinatorUrls } from "../../../worker/failover.js";
import { VolunteerWorker } from "../../../worker/worker.js";
import { expectFoldnetError } from "../../helpers/errors.js";
import { FakeCoordinator } from "./fixtures/fake-coordinator.js";
import { hex, SMALL_UNIT, TASK_LOADER } from "./fixtures/unit.js";

describe("the --coordinator list", () => {
  it("takes one URL or several separated by commas, adds /ws, drops blanks and duplicates", () => {
    expect(coordinatorUrls("ws://a:7700")).toEqual(["ws://a:7700/ws"]);
    expect(coordinatorUrls(" ws://a:7700, wss://b/ws ,,ws://a:7700/ws")).toEqual([
      "ws://a:7700/ws",
      "wss://b/ws",
    ]);
  });

  it("refuses an empty list and any URL that is not ws(s)://", async () => {
    await expectFoldnetError(() => coordinatorUrls(" , "), { code: "WORKER_ERROR_BAD_URL" });
    await expectFoldnetError(() => coordinatorUrls("ws://a:1,http://b:2"), {
      code: "WORKER_ERROR_BAD_URL",
      url: "http://b:2",
    });
  });
});

describe("the coordinator ring", () => {
  const urls = ["ws://a/ws", "ws://b/ws", "ws://c/ws"];

  it("starts at a URL drawn by the random source", () => {
    expect(new CoordinatorRing(urls, {}, () => 0).current).toBe("ws://a/ws");
    expect(new CoordinatorRing(urls, {}, () => 0.5).current).toBe("ws://b/ws");
    expect(new CoordinatorRing(urls, {}, () => 0.999_999).current).toBe("ws://c/ws");
    expect(new CoordinatorRing(urls, {}, () => 1).current).toBe("ws://c/ws");
    expect(() => new CoordinatorRing([])).toThrow(RangeError);
  });

  it("moves on at once within a round and waits the backoff only after a full round", () => {
    const ring = new CoordinatorRing(urls, { initialMs: 100, maxMs: 1_000 }, () => 0);
    const steps = Array.from({ length: 9 }, () => [ring.failed(), ring.current]);
    expect(steps).toEqual([
      [0, "ws://b/ws"],
      [0, "ws://c/ws"],
      [50, "ws://a/ws"],
      [0, "ws://b/ws"],
      [0, "ws://c/ws"],
      [100, "ws://a/ws"],
      [0, "ws://b/ws"],
      [0, "ws://c/ws"],
      [200, "ws://a/ws"],
    ]);
    expect(ring.rounds).toBe(3);
  });

  it("starts a new round after a welcome: a lost session moves to the next URL at once", () => {
    const ring = new CoordinatorRing(urls, { initialMs: 100 }, () => 0);
    ring.failed();
    ring.failed();
    ring.failed(); // a full round: one backoff delay
    ring.connected(); // on a
    expect([ring.failed(), ring.current]).toEqual([0, "ws://b/ws"]);
    expect([ring.failed(), ring.current]).toEqual([0, "ws://c/ws"]);
    expect([ring.failed(), ring.current]).toEqual([50, "ws://a/ws"]); // the backoff starts over
  });

  it("with one URL, waits the plain backoff after every failure", () => {
    const ring = new CoordinatorRing(["ws://a/ws"], {}, () => 0.5);
    const backoff = new Backoff({ random: () => 0.5 });
    for (let i = 0; i < 8; i++) expect(ring.failed()).toBe(backoff.next());
    ring.connected();
    backoff.reset();
    expect(ring.failed()).toBe(backoff.next());
  });
});

/** A local port with nothing listening on it. */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe("a worker given several coordinators (real sockets)", () => {
  const identity = generateIdentity();
  let spoolDir: string;
  const workers: VolunteerWorker[] = [];
  const coordinators: FakeCoordinator[] = [];

  beforeEach(async () => {
    spoolDir = await mkdtemp(join(tmpdir(), "foldnet-failover-"));
  });
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((w) => w.stop()));
    await Promise.all(coordinators.splice(0).map((c) => c.crash().catch(() => {})));
    await rm(spoolDir, { recursive: true, force: true });
  });

  async function listen(): Promise<FakeCoordinator> {
    const c = await FakeCoordinator.listen();
    coordinators.push(c);
    return c;
  }

  /** A worker on `ports` in this order (random 0: the first is tried first), a 60 s backoff. */
  function newWorker(ports: readonly number[]): VolunteerWorker {
    const w = new VolunteerWorker(
      {
        coordinator: ports.map((p) => `ws://127.0.0.1:${p}`).join(","),
        threads: 1,
        spoolDir,
        progressIntervalMs: 0,
        // no round may end within these tests: a wait would outlast them
        backoff: { initialMs: 60_000, maxMs: 60_000 },
      },
      { identity, taskFilename: TASK_LOADER, random: () => 0, log: createLineLogger(() => {}) },
    );
    workers.push(w);
    return w;
  }

  it("connects to the second URL when the first cannot be reached, without waiting", async () => {
    const dead = await deadPort();
    const live = await listen();
    const worker = newWorker([dead, live.port]);
    const started = Date.now();
    await worker.start();
    const session = await live.accept();
    await session.handshake(live, "w-1");
    await session.next("workRequest");
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(worker.status()).toMatchObject({
      connection: "connected",
      coordinator: `ws://127.0.0.1:${live.port}/ws`,
    });
  });

  it("moves to the next coordinator when one dies mid-unit and re-sends its results there", async () => {
    const first = await listen();
    const second = await listen();
    const worker = newWorker([first.port, second.port]);
    await worker.start();
    const s1 = await first.accept();
    await s1.handshake(first, "w-1");
    await s1.next("workRequest");
    const done = assignment("unit-done", SMALL_UNIT);
    s1.send(done);
    await s1.next("resultCommit"); // committed on the first, no verdict yet
    await s1.next("workRequest");
    const running = assignment("unit-running", {
      ...SMALL_UNIT,
      steps: 16_000_000,
      checkpointInterval: 1_000_000,
    });
    s1.send(running);
    await s1.next("progress");
    await first.crash(); // mid-unit

    const s2 = await second.accept();
    await s2.handshake(second, "w-1");
    // the spooled commit is re-sent to the second coordinator, then the running unit's
    // progress (which takes its lease over there) and, once it finishes, its commit
    expect(hex((await s2.next("resultCommit")).assignmentId)).toBe(hex(done.assignmentId));
    expect(hex((await s2.next("progress")).assignmentId)).toBe(hex(running.assignmentId));
    const accept = (a: FrameOf<"assignment">) =>
      s2.send({
        kind: "verdict",
        assignmentId: a.assignmentId,
        accepted: true,
        code: "",
        reward: 7n,
        message: "",
      });
    accept(done);
    expect(hex((await s2.next("resultCommit")).assignmentId)).toBe(hex(running.assignmentId));
    accept(running);
    await expect.poll(() => worker.status().resultsAccepted, { timeout: 10_000 }).toBe(2);
    expect(worker.status()).toMatchObject({
      coordinator: `ws://127.0.0.1:${second.port}/ws`,
      reconnects: 1,
      spooled: 0,
    });
  });
});

function assignment(
  unitId: string,
  unit: { startState: Uint8Array; steps: number; checkpointInterval: number },
): FrameOf<"assignment"> {
  return {
    kind: "assignment",
    assignmentId: new Uint8Array(randomBytes(16)),
    unitId,
    jobId: "job-1",
    ...unit,
    deadlineMs: Date.now() + 60_000,
  };
}
