import { EventEmitter } from "node:events";
import type { IncomingMessage, ServerResponse } from "node:http";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { clientAddress } from "../../../coordinator/client-address.js";
import {
  bestEnergyHistory,
  DEFAULT_LIVE_FEED_OPTIONS,
  LiveFeed,
  type LiveFeedOptions,
  type Snapshot,
} from "../../../coordinator/live-feed.js";
import type {
  JobRecord,
  ResultRecord,
  StoreCounts,
  WorkerRecord,
} from "../../../coordinator/store/store.js";

/** Just enough of a ServerResponse for the feed: records what is written. */
class FakeResponse extends EventEmitter {
  status = 0;
  headers: Record<string, unknown> = {};
  chunks: string[] = [];
  writableLength = 0;
  ended = false;
  destroyed = false;
  writeHead(status: number, headers: Record<string, unknown> = {}) {
    this.status = status;
    this.headers = headers;
    return this;
  }
  write(chunk: string) {
    this.chunks.push(chunk);
    return true;
  }
  end(chunk?: string) {
    if (chunk !== undefined) this.chunks.push(chunk);
    this.ended = true;
    return this;
  }
  destroy() {
    this.destroyed = true;
    this.emit("close");
    return this;
  }
  /** The snapshots sent so far. */
  snapshots(): Snapshot[] {
    return this.chunks
      .filter((c) => c.startsWith("event: snapshot\n"))
      .map((c) => JSON.parse(c.slice(c.indexOf("data: ") + 6)) as Snapshot);
  }
}

const getFrom = (remoteAddress: string) =>
  ({ method: "GET", socket: { remoteAddress } }) as unknown as IncomingMessage;
const get = getFrom("127.0.0.1");
const asRes = (r: FakeResponse) => r as unknown as ServerResponse;

function job(over: Partial<JobRecord> = {}): JobRecord {
  return {
    id: "j1",
    name: "test",
    sequence: "HPHPPHHPHPPHPHHPPHPH",
    lattice: "square2d",
    model: "hp",
    cooperate: false,
    steps: 4 * 65_536,
    trajectories: 2,
    generations: 2,
    unitSteps: 65_536,
    checkpointInterval: 64,
    replicas: 4,
    targetEnergy: -9,
    status: "running",
    bestEnergy: null,
    bestFold: null,
    bestUnit: null,
    stepsDone: 0,
    unitsDone: 0,
    createdAt: 0,
    finishedAt: null,
    ...over,
  };
}

function worker(key: string, stepsVerified: number): WorkerRecord {
  return {
    key,
    keyId: `id-${key}`,
    name: "",
    firstSeen: 0,
    lastSeen: 0,
    accepted: 0,
    rejected: 0,
    strikes: 0,
    banned: false,
    stepsVerified,
  };
}

const result = (acceptedAt: number, bestEnergy: number): ResultRecord => ({
  unitId: `u${acceptedAt}`,
  assignmentId: "a",
  workerKey: "k1",
  bestEnergy,
  bestFold: "",
  steps: 65_536,
  segmentsChecked: 8,
  reward: 0n,
  acceptedAt,
});

const counts: StoreCounts = {
  jobs: { running: 1, done: 0, cancelled: 0 },
  units: { queued: 2, leased: 0, done: 0, cancelled: 0 },
  results: 0,
  workers: 1,
};

/** A feed over a fake store whose contents the test changes. */
function setup(opts: Partial<LiveFeedOptions> = {}) {
  const state = {
    jobs: [job()] as JobRecord[],
    workers: [worker("k1", 0), worker("k2", 0)] as WorkerRecord[],
    results: [] as ResultRecord[],
    connected: ["k2"] as string[],
    historyReads: 0,
  };
  const feed = new LiveFeed(
    { ...DEFAULT_LIVE_FEED_OPTIONS, ...opts },
    {
      store: {
        listJobs: async () => state.jobs,
        listWorkers: async () => state.workers,
        energyHistory: async () => {
          state.historyReads++;
          return state.results;
        },
        counts: async () => counts,
      },
      status: () => ({
        coordinatorKeyId: "ck",
        connections: state.connected.length,
        connectedWorkers: state.connected,
      }),
      now: () => Date.now(),
      addressOf: clientAddress([]),
    },
  );
  return { feed, state };
}

beforeEach(() => {
  vi.useFakeTimers({ now: 1_000_000 });
});
afterEach(() => {
  vi.useRealTimers();
});

describe("bestEnergyHistory", () => {
  it("keeps one point per improvement, in acceptance order", async () => {
    expect(
      bestEnergyHistory([result(30, -5), result(10, -3), result(20, -3), result(40, -7)]),
    ).toEqual([
      [10, -3],
      [30, -5],
      [40, -7],
    ]);
    expect(bestEnergyHistory([])).toEqual([]);
  });
});

describe("LiveFeed", () => {
  it("opens an event stream with a snapshot of jobs, workers and counts", async () => {
    const { feed } = setup();
    const res = new FakeResponse();
    feed.handle(get, asRes(res));
    await vi.advanceTimersByTimeAsync(0); // the first snapshot is read from the store
    expect(res.status).toBe(200);
    expect(res.headers["content-type"]).toContain("text/event-stream");
    const [first] = res.snapshots();
    expect(first).toMatchObject({
      at: 1_000_000,
      coordinator: { keyId: "ck", connections: 1 },
      workersConnected: 1,
      counts,
      jobs: [{ id: "j1", status: "running", progress: 0, history: [], targetEnergy: -9 }],
    });
    // Connected workers come first.
    expect(first?.workers.map((w) => [w.keyId, w.connected])).toEqual([
      ["id-k2", true],
      ["id-k1", false],
    ]);
    expect(feed.clientCount).toBe(1);
    res.emit("close");
    expect(feed.clientCount).toBe(0);
  });

  it("coalesces a burst of changes into one snapshot and sends at most one per interval", async () => {
    const { feed, state } = setup({ minIntervalMs: 500 });
    const res = new FakeResponse();
    feed.handle(get, asRes(res));
    await vi.advanceTimersByTimeAsync(0);
    expect(res.snapshots()).toHaveLength(1);
    for (let i = 0; i < 10; i++) feed.changed();
    await vi.advanceTimersByTimeAsync(0);
    expect(res.snapshots()).toHaveLength(2);
    state.jobs = [job({ unitsDone: 1, stepsDone: 65_536 })];
    feed.changed();
    feed.changed();
    await vi.advanceTimersByTimeAsync(499);
    expect(res.snapshots()).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(res.snapshots()).toHaveLength(3);
    expect(res.snapshots()[2]?.jobs[0]).toMatchObject({ unitsVerified: 1, progress: 0.25 });
    await vi.advanceTimersByTimeAsync(2_000); // nothing changed, no heartbeat started
    expect(res.snapshots()).toHaveLength(3);
  });

  it("sends a heartbeat snapshot while clients listen, and nothing without clients", async () => {
    const { feed } = setup({ heartbeatMs: 5_000 });
    feed.start();
    const res = new FakeResponse();
    feed.handle(get, asRes(res));
    await vi.advanceTimersByTimeAsync(15_100);
    expect(res.snapshots()).toHaveLength(4);
    res.emit("close");
    feed.changed();
    await vi.advanceTimersByTimeAsync(15_000);
    expect(res.snapshots()).toHaveLength(4);
    const late = new FakeResponse();
    feed.handle(get, asRes(late));
    feed.stop();
    expect(late.ended).toBe(true);
    await vi.advanceTimersByTimeAsync(15_000);
    expect(late.snapshots()).toHaveLength(1);
  });

  it("refuses streams beyond its limit with 503 and other methods with 405", async () => {
    const { feed } = setup({ maxClients: 1 });
    feed.handle(get, asRes(new FakeResponse()));
    const second = new FakeResponse();
    feed.handle(get, asRes(second));
    expect(second.status).toBe(503);
    const post = new FakeResponse();
    feed.handle({ method: "POST" } as IncomingMessage, asRes(post));
    expect(post.status).toBe(405);
  });

  it("refuses one address's streams beyond its share with 429, not another address's", async () => {
    const { feed } = setup({ maxClientsPerAddress: 2 });
    const mine = [new FakeResponse(), new FakeResponse(), new FakeResponse()];
    for (const res of mine) feed.handle(getFrom("10.0.0.1"), asRes(res));
    expect(mine.map((r) => r.status)).toEqual([200, 200, 429]);
    const other = new FakeResponse();
    feed.handle(getFrom("10.0.0.2"), asRes(other));
    expect(other.status).toBe(200);
    expect(feed.clientCount).toBe(3);
  });

  it("drops a client that stopped reading", async () => {
    const { feed } = setup({ maxBufferedBytes: 100 });
    const res = new FakeResponse();
    feed.handle(get, asRes(res));
    res.writableLength = 101;
    feed.changed();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(res.destroyed).toBe(true);
    expect(feed.clientCount).toBe(0);
  });

  it("measures each worker's verified steps per second over its window", async () => {
    const { feed, state } = setup({ throughputWindowMs: 60_000 });
    expect((await feed.snapshot()).workers.map((w) => w.stepsPerSecond)).toEqual([0, 0]);
    await vi.advanceTimersByTimeAsync(2_000);
    state.workers = [worker("k1", 0), worker("k2", 1_000_000)];
    // One unit verified 2 s after the first sample: divided by the 10 s floor, not 2 s.
    expect((await feed.snapshot()).workers.find((w) => w.keyId === "id-k2")?.stepsPerSecond).toBe(
      100_000,
    );
    await vi.advanceTimersByTimeAsync(18_000);
    state.workers = [worker("k1", 0), worker("k2", 2_000_000)];
    const snap = await feed.snapshot();
    expect(snap.workers.find((w) => w.keyId === "id-k2")?.stepsPerSecond).toBe(100_000); // 2 M / 20 s
    expect(snap.stepsPerSecond).toBe(100_000);
    // Two minutes on without new work: the window has moved past every verified step.
    for (let i = 0; i < 12; i++) {
      await vi.advanceTimersByTimeAsync(10_000);
      await feed.snapshot();
    }
    expect((await feed.snapshot()).workers.find((w) => w.keyId === "id-k2")?.stepsPerSecond).toBe(
      0,
    );
  });

  it("rebuilds a job's history from its results only when its best energy changes", async () => {
    const { feed, state } = setup();
    expect((await feed.snapshot()).jobs[0]?.history).toEqual([]);
    expect(state.historyReads).toBe(0); // nothing verified yet: nothing to read
    state.results = [result(1_000, -4)];
    state.jobs = [job({ bestEnergy: -4, unitsDone: 1 })];
    expect((await feed.snapshot()).jobs[0]?.history).toEqual([[1_000, -4]]);
    state.results.push(result(2_000, -4));
    state.jobs = [job({ bestEnergy: -4, unitsDone: 2 })];
    await feed.snapshot();
    expect(state.historyReads).toBe(1);
    state.results.push(result(3_000, -6));
    state.jobs = [job({ bestEnergy: -6, unitsDone: 3 })];
    expect((await feed.snapshot()).jobs[0]?.history).toEqual([
      [1_000, -4],
      [3_000, -6],
    ]);
    expect(state.historyReads).toBe(2);
  });
});
