import { randomBytes } from "node:crypto";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createLineLogger } from "../../../common/log.js";
import { resultCommitPayload } from "../../../protocol/canonical.js";
import type { FrameOf } from "../../../protocol/frames.js";
import { generateIdentity, verifySignature } from "../../../protocol/identity.js";
import { merkleRoot, verifyMerkleProof } from "../../../protocol/merkle.js";
import { stateHash } from "../../../sim/state-codec.js";
import { replaySegment, runWorkUnit } from "../../../sim/work-unit.js";
import { coordinatorUrl } from "../../../worker/failover.js";
import type { VolunteerWorkerEvents, VolunteerWorkerOptions } from "../../../worker/options.js";
import { LOCK_FILE } from "../../../worker/spool-lock.js";
import { VolunteerWorker } from "../../../worker/worker.js";
import { expectFoldnetError } from "../../helpers/errors.js";
import { FakeCoordinator, type FakeSession } from "./fixtures/fake-coordinator.js";
import { hex, SMALL_UNIT, TASK_LOADER } from "./fixtures/unit.js";

/** The spool's result files (its lock file aside). */
const spoolFiles = async (dir: string) => (await readdir(dir)).filter((n) => n !== LOCK_FILE);

const reference = runWorkUnit(SMALL_UNIT);
const identity = generateIdentity();

/** A unit that runs for a good fraction of a second, to lose the coordinator meanwhile. */
const MEDIUM_UNIT = { ...SMALL_UNIT, steps: 8_000_000, checkpointInterval: 1_000_000 };

function assignment(
  unitId: string,
  unit: { steps: number; checkpointInterval: number } = SMALL_UNIT,
): FrameOf<"assignment"> {
  return {
    kind: "assignment",
    assignmentId: new Uint8Array(randomBytes(16)),
    unitId,
    jobId: "job-1",
    startState: SMALL_UNIT.startState,
    steps: unit.steps,
    checkpointInterval: unit.checkpointInterval,
    deadlineMs: Date.now() + 60_000,
  };
}

/** Checks a commit as the coordinator would: signature, claims, and the root of the leaves. */
function expectValidCommit(
  commit: FrameOf<"resultCommit">,
  a: FrameOf<"assignment">,
  expected = reference,
): void {
  expect(hex(commit.assignmentId)).toBe(hex(a.assignmentId));
  expect(commit.unitId).toBe(a.unitId);
  expect(verifySignature(identity.publicKey, resultCommitPayload(commit), commit.signature)).toBe(
    true,
  );
  expect(commit.bestEnergy).toBe(expected.bestEnergy);
  expect(commit.bestFold).toBe(expected.bestFold);
  expect(commit.steps).toBe(a.steps);
  expect(hex(commit.finalState)).toBe(hex(expected.finalState));
  expect(hex(commit.finalStateHash)).toBe(hex(stateHash(commit.finalState)));
  expect(hex(commit.merkleRoot)).toBe(hex(merkleRoot(expected.leaves)));
}

/** Challenges `segments` and checks the openings as the verifier does, replay included. */
async function challengeAndVerify(
  session: FakeSession,
  commit: FrameOf<"resultCommit">,
  segments: number[],
  checkpointInterval = SMALL_UNIT.checkpointInterval,
): Promise<void> {
  session.send({ kind: "challenge", assignmentId: commit.assignmentId, segments });
  const answer = await session.next("openings");
  expect(hex(answer.assignmentId)).toBe(hex(commit.assignmentId));
  expect(answer.openings.map((o) => o.segment)).toEqual(segments);
  const leafCount = commit.steps / checkpointInterval + 1;
  for (const o of answer.openings) {
    const startLeaf = stateHash(o.state);
    expect(
      verifyMerkleProof(commit.merkleRoot, startLeaf, o.segment, leafCount, o.startProof),
    ).toBe(true);
    expect(
      verifyMerkleProof(commit.merkleRoot, o.endLeaf, o.segment + 1, leafCount, o.endProof),
    ).toBe(true);
    expect(hex(replaySegment(o.state, checkpointInterval))).toBe(hex(o.endLeaf));
  }
}

function once<K extends keyof VolunteerWorkerEvents>(
  worker: VolunteerWorker,
  event: K,
): Promise<VolunteerWorkerEvents[K]> {
  return new Promise((resolve) => {
    // biome-ignore lint/suspicious/noExplicitAny: EventEmitter's generic listener signature.
    worker.once(event, ((...args: VolunteerWorkerEvents[K]) => resolve(args)) as any);
  });
}

let spoolDir: string;
let logs: string[];
const workers: VolunteerWorker[] = [];
const coordinators: FakeCoordinator[] = [];

beforeEach(async () => {
  spoolDir = await mkdtemp(join(tmpdir(), "foldnet-worker-"));
  logs = [];
});
afterEach(async () => {
  await Promise.all(workers.splice(0).map((w) => w.stop()));
  await Promise.all(coordinators.splice(0).map((c) => c.crash().catch(() => {})));
  await rm(spoolDir, { recursive: true, force: true });
});

async function listen(port = 0): Promise<FakeCoordinator> {
  const c = await FakeCoordinator.listen(port);
  coordinators.push(c);
  return c;
}

function newWorker(
  port: number,
  heartbeatTimeoutMs?: number,
  extra: Partial<VolunteerWorkerOptions> = {},
): VolunteerWorker {
  const w = new VolunteerWorker(
    {
      coordinator: `ws://127.0.0.1:${port}`,
      threads: 1,
      spoolDir,
      name: "test",
      progressIntervalMs: 0,
      backoff: { initialMs: 10, maxMs: 50 },
      ...(heartbeatTimeoutMs === undefined ? {} : { heartbeatTimeoutMs }),
      ...extra,
    },
    {
      identity,
      taskFilename: TASK_LOADER,
      log: createLineLogger((l) => logs.push(l), { level: "debug" }),
    },
  );
  workers.push(w);
  return w;
}

/** A worker started against a new fake coordinator, past its handshake and first work request. */
async function startedWorker(): Promise<{
  coordinator: FakeCoordinator;
  worker: VolunteerWorker;
  session: FakeSession;
}> {
  const coordinator = await listen();
  const worker = newWorker(coordinator.port);
  await worker.start();
  const session = await coordinator.accept();
  await session.handshake(coordinator, "w-1");
  await session.next("workRequest");
  return { coordinator, worker, session };
}

describe("the volunteer worker against a scripted coordinator (real sockets)", () => {
  it("authenticates, runs a unit, commits it signed, answers a challenge, books the verdict", async () => {
    const coordinator = await listen();
    const worker = newWorker(coordinator.port);
    await worker.start();
    const session = await coordinator.accept();
    const hello = await session.handshake(coordinator, "w-1");
    expect(hex(hello.publicKey)).toBe(hex(identity.publicKey));
    expect(hello.threads).toBe(1);
    expect(hello.client).toMatch(/^foldnet-worker\//);
    expect(hello.name).toBe("test");

    expect(await session.next("workRequest")).toEqual({ kind: "workRequest", slots: 1 });
    const a = assignment("unit-1");
    session.send(a);
    const commit = await session.next("resultCommit");
    expectValidCommit(commit, a);
    for (const p of session.frames.filter((f) => f.kind === "progress")) {
      expect(hex(p.assignmentId)).toBe(hex(a.assignmentId));
      expect(p.stepsDone).toBeLessThan(a.steps);
    }
    // The result is durable before it was committed.
    expect(await spoolFiles(spoolDir)).toEqual([`${hex(a.assignmentId)}.json`]);

    await challengeAndVerify(session, commit, [0, 2, 3]);
    const verdict = once(worker, "verdict");
    session.send({
      kind: "verdict",
      assignmentId: a.assignmentId,
      accepted: true,
      code: "",
      reward: 42n,
      message: "",
    });
    await verdict;
    expect(await spoolFiles(spoolDir)).toEqual([]);
    const status = worker.status();
    expect(status).toMatchObject({
      connection: "connected",
      workerId: "w-1",
      resultsSubmitted: 1,
      resultsAccepted: 1,
      resultsRejected: 0,
      tokensEarned: 42n,
      spooled: 0,
      bestEnergy: reference.bestEnergy,
      units: [],
    });
    expect(logs.some((l) => l.includes("result accepted") && l.includes('"reward":"42"'))).toBe(
      true,
    );

    // It asks for the freed slot; a noWork defers the next request.
    expect((await session.next("workRequest")).slots).toBe(1);
    session.send({ kind: "noWork", retryAfterMs: 600_000 });
    await worker.stop();
    expect((await session.closed).code).toBe(1000);
  });

  it("refuses an assignment whose result would need more spool than its bound, as a unitFailed", async () => {
    const coordinator = await listen();
    const worker = newWorker(coordinator.port, undefined, { maxUnitSpoolBytes: 100 });
    await worker.start();
    const session = await coordinator.accept();
    await session.handshake(coordinator, "w-big");
    await session.next("workRequest");
    const huge = assignment("unit-huge");
    session.send(huge);
    const refusal = await session.next("unitFailed");
    expect(refusal.reason).toBe("UNIT_FAILED_TOO_LARGE");
    expect(hex(refusal.assignmentId)).toBe(hex(huge.assignmentId));
    expect((await session.next("workRequest")).slots).toBe(1); // the slot is free again
    expect(worker.status().units).toHaveLength(0);
    expect(await spoolFiles(spoolDir)).toEqual([]);
  });

  it("keeps its result through a coordinator crash and re-sends it after reconnecting", async () => {
    const { coordinator: first, worker, session: s1 } = await startedWorker();
    const port = first.port;
    const a = assignment("unit-2");
    s1.send(a);
    const commit1 = await s1.next("resultCommit");
    expectValidCommit(commit1, a);

    const disconnected = once(worker, "disconnected");
    await first.crash();
    await disconnected;
    expect(worker.status().spooled).toBe(1);

    const second = await listen(port);
    const resent = once(worker, "committed");
    const s2 = await second.accept();
    await s2.handshake(second, "w-1");
    const commit2 = await s2.next("resultCommit");
    expect((await resent)[0]).toMatchObject({ unitId: "unit-2", resend: true });
    expectValidCommit(commit2, a);
    // The re-send comes before the request for new work (-1, not yet received, counts as later).
    expect(s2.frames.findIndex((f) => f.kind === "resultCommit")).toBeLessThan(
      s2.frames.findIndex((f) => f.kind === "workRequest") >>> 0,
    );
    await challengeAndVerify(s2, commit2, [1]);
    const verdict = once(worker, "verdict");
    s2.send({
      kind: "verdict",
      assignmentId: a.assignmentId,
      accepted: false,
      code: "RESULT_ERROR_DUPLICATE",
      reward: 0n,
      message: "seen",
    });
    await verdict;
    expect(worker.status()).toMatchObject({ resultsRejected: 1, spooled: 0, reconnects: 1 });
    expect(await spoolFiles(spoolDir)).toEqual([]);
  });

  it("finishes a unit while the coordinator is down and submits it once it is back", async () => {
    const { coordinator: first, worker, session: s1 } = await startedWorker();
    const port = first.port;
    const a = assignment("unit-medium", MEDIUM_UNIT);
    const assigned = once(worker, "assignment");
    s1.send(a);
    await assigned;
    const disconnected = once(worker, "disconnected");
    await first.crash();
    await disconnected;
    // Nothing listens on the port now: this result is finished and spooled while disconnected.
    const [result] = await once(worker, "spooled");
    expect(hex(result.assignmentId)).toBe(hex(a.assignmentId));
    expect(worker.status().connection).not.toBe("connected");

    const second = await listen(port);
    const s2 = await second.accept();
    await s2.handshake(second, "w-1");
    const commit = await s2.next("resultCommit");
    expectValidCommit(commit, a, runWorkUnit({ ...MEDIUM_UNIT }));
    await challengeAndVerify(s2, commit, [0, 7], MEDIUM_UNIT.checkpointInterval);
    expect(s1.frames.some((f) => f.kind === "resultCommit")).toBe(false);
  });

  it("aborts running units on stop, commits nothing and closes cleanly", async () => {
    const { worker, session } = await startedWorker();
    const a = assignment("unit-long", { steps: 2_000_000_000, checkpointInterval: 100_000 });
    session.send(a);
    const progress = await session.next("progress");
    expect(hex(progress.assignmentId)).toBe(hex(a.assignmentId));
    expect(worker.status().units).toHaveLength(1);
    await worker.stop();
    expect((await session.closed).code).toBe(1000);
    expect(session.frames.some((f) => f.kind === "resultCommit")).toBe(false);
    expect(await spoolFiles(spoolDir)).toEqual([]);
    expect(logs.some((l) => l.includes("unit aborted"))).toBe(true);
  });

  it("re-sends a spooled result after a worker restart and opens it from disk", async () => {
    const { coordinator, worker: w1, session: s1 } = await startedWorker();
    const a = assignment("unit-3");
    s1.send(a);
    await s1.next("resultCommit");
    await w1.stop();
    expect(await spoolFiles(spoolDir)).toEqual([`${hex(a.assignmentId)}.json`]);

    const w2 = newWorker(coordinator.port);
    await w2.start();
    expect(w2.status().spooled).toBe(1);
    const s2 = await coordinator.accept();
    await s2.handshake(coordinator, "w-1");
    const commit = await s2.next("resultCommit");
    expectValidCommit(commit, a);
    await challengeAndVerify(s2, commit, [0, 1, 2, 3]);
  });

  it("terminates a silent connection and reconnects", async () => {
    const coordinator = await listen();
    const worker = newWorker(coordinator.port, 150);
    await worker.start();
    const s1 = await coordinator.accept();
    await s1.handshake(coordinator, "w-1");
    // No pings, no frames: the worker gives up on this socket and dials again.
    const s2 = await coordinator.accept();
    expect((await s1.closed).code).toBe(1006);
    await s2.handshake(coordinator, "w-1");
    await s2.next("workRequest");
    expect(logs.some((l) => l.includes("no message or ping"))).toBe(true);
  });

  it("retries when the coordinator refuses the handshake", async () => {
    const coordinator = await listen();
    const worker = newWorker(coordinator.port);
    await worker.start();
    const s1 = await coordinator.accept();
    await s1.next("hello");
    s1.send({ kind: "error", code: "AUTH_ERROR_BANNED", message: "go away" });
    s1.ws.close(4003, "banned");
    const s2 = await coordinator.accept();
    await s2.handshake(coordinator, "w-2");
    await s2.next("workRequest");
    expect(logs.some((l) => l.includes("AUTH_ERROR_BANNED"))).toBe(true);
  });
});

describe("coordinator URLs", () => {
  it("adds the /ws path when missing and keeps one given", () => {
    expect(coordinatorUrl("ws://127.0.0.1:7700")).toBe("ws://127.0.0.1:7700/ws");
    expect(coordinatorUrl("ws://127.0.0.1:7700/")).toBe("ws://127.0.0.1:7700/ws");
    expect(coordinatorUrl("wss://example.org/ws")).toBe("wss://example.org/ws");
    expect(coordinatorUrl("ws://h:1/custom")).toBe("ws://h:1/custom");
  });

  it("refuses what is not ws:// or wss://", async () => {
    await expectFoldnetError(() => coordinatorUrl("http://h:1"), {
      code: "WORKER_ERROR_BAD_URL",
      url: "http://h:1",
    });
    await expectFoldnetError(() => coordinatorUrl("nonsense"), { code: "WORKER_ERROR_BAD_URL" });
  });
});
