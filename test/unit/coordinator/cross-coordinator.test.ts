/**
 * Two coordinators sharing one database and one signing key (two stores on one SQLite file in
 * WAL mode, as several coordinators share PostgreSQL): a unit leased on A is accepted on B,
 * through B's real WorkerSession, with the challenge A would draw, and paid once.
 */
import { join } from "node:path";
import { bytesToHex } from "@noble/hashes/utils.js";
import { afterEach, describe, expect, it } from "vitest";
import { silentLogger } from "../../../common/log.js";
import { LeaseHolders } from "../../../coordinator/lease-holders.js";
import { settledStore } from "../../../coordinator/store/settled-store.js";
import { WorkWaitlist } from "../../../coordinator/work-waitlist.js";
import { DEFAULT_ENDPOINT_OPTIONS } from "../../../coordinator/worker-endpoint.js";
import { WorkerSession } from "../../../coordinator/worker-session.js";
import { authPayload } from "../../../protocol/canonical.js";
import type { Frame, FrameKind, FrameOf } from "../../../protocol/frames.js";
import { generateIdentity, type Identity, sign } from "../../../protocol/identity.js";
import { decodeFrame, encodeFrame } from "../../../protocol/wire.js";
import { buildOpenings, commitFields, sealResult } from "../../../worker/result.js";
import type { SpooledResult } from "../../../worker/spool.js";
import { runUnit } from "../../../worker/unit-task.js";
import { commitOn, coordinatorSide, setup, sink } from "../../helpers/intake.js";
import { tempDir } from "../../helpers/network.js";

type Side = ReturnType<typeof coordinatorSide>;
const opened: Side["store"][] = [];
afterEach(() => {
  for (const store of opened.splice(0)) store.close();
});

/** A worker's session on a coordinator side, driven frame by frame over a fake socket. */
async function sessionOn(side: Side, coordinatorKey: Identity, worker: Identity) {
  const frames: Frame[] = [];
  const socket = {
    OPEN: 1,
    readyState: 1,
    send: (bytes: Uint8Array) => frames.push(decodeFrame(bytes)),
    close: () => {},
  };
  const holders = new LeaseHolders();
  const session = new WorkerSession(
    socket as unknown as ConstructorParameters<typeof WorkerSession>[0],
    DEFAULT_ENDPOINT_OPTIONS,
    {
      coordinatorKey: coordinatorKey.publicKey,
      store: settledStore(side.store),
      scheduler: side.scheduler,
      results: side.intake,
      waitlist: new WorkWaitlist(1_000),
      holders,
      log: silentLogger,
      now: Date.now,
    },
  );
  const receive = (frame: Frame) => session.receive(Buffer.from(encodeFrame(frame)), true);
  const last = <K extends FrameKind>(kind: K) => {
    const frame = frames.at(-1);
    expect(frame?.kind).toBe(kind);
    return frame as FrameOf<K>;
  };
  await receive({
    kind: "hello",
    publicKey: worker.publicKey,
    client: "test",
    threads: 1,
    team: "",
  });
  const { nonce } = last("authChallenge");
  const payload = authPayload(nonce, coordinatorKey.publicKey, worker.publicKey, "");
  await receive({ kind: "authResponse", signature: sign(worker.secretKey, payload) });
  last("welcome");
  return {
    session,
    holders,
    /** Commits `result`; returns the challenge or the verdict that answered it. */
    async commit(result: SpooledResult) {
      await receive({ kind: "resultCommit", ...commitFields(result) });
      return frames.at(-1)!;
    },
    /** Opens the challenged segments; returns the verdict. */
    async open(result: SpooledResult, segments: readonly number[]) {
      await receive({
        kind: "openings",
        assignmentId: result.assignmentId,
        openings: buildOpenings(result, segments),
      });
      return last("verdict");
    },
  };
}

/** Coordinator A with a unit leased to a worker; B on the same file and key; A's session gone. */
async function twoCoordinators() {
  const file = join(tempDir("cross"), "shared.db");
  const a = await setup(undefined, file);
  const b = coordinatorSide(file, a.coordinatorKey);
  opened.push(a.store, b.store);
  const id = bytesToHex(a.result.assignmentId);
  await a.scheduler.sessionClosed([id]); // the worker's session on A ended (A closed it, or died)
  return { a, b, id };
}

describe("several coordinators on one store", () => {
  it("accept on B a unit leased on A, with A's challenge, take the lease over, and pay it once", async () => {
    const { a, b, id } = await twoCoordinators();
    const onA = await commitOn(a.intake, a.worker, a.result); // the draw A would make
    const onB = await sessionOn(b, a.coordinatorKey, a.worker);
    const challenge = (await onB.commit(a.result)) as FrameOf<"challenge">;
    expect(challenge.kind).toBe("challenge");
    expect(challenge.segments).toEqual(onA);
    expect(onB.holders.heldBy(onB.session)).toEqual([id]); // B's close would shorten it now

    const verdict = await onB.open(a.result, challenge.segments);
    expect(verdict).toMatchObject({ accepted: true, code: "" });
    expect(verdict.reward).toBeGreaterThan(0n);
    expect(onB.holders.heldBy(onB.session)).toEqual([]);

    // A sees the result; a re-send there is a duplicate, not paid again
    expect(a.store.getResultByAssignment(id)?.workerKey).toBe(a.workerHex);
    const again = sink();
    await a.intake.commit(
      a.worker.publicKey,
      { kind: "resultCommit", ...commitFields(a.result) },
      again,
    );
    expect(await again.settled).toMatchObject({
      kind: "verdict",
      accepted: true,
      reward: verdict.reward,
      message: "already accepted; not rewarded again",
    });
    expect(a.store.account(a.workerHex).balance).toBe(verdict.reward);
    expect(b.store.account(a.workerHex).balance).toBe(verdict.reward);
  });

  it("take a result on B only from the lease's own key: another key is struck, adopts nothing", async () => {
    const { a, b, id } = await twoCoordinators();
    const thief = generateIdentity();
    const thiefHex = bytesToHex(thief.publicKey);
    const deadline = a.store.getLease(id)!.assignment.deadline;
    const onB = await sessionOn(b, a.coordinatorKey, thief);
    // the honest result re-signed by another key
    const stolen = sealResult(a.assignment, runUnit(a.assignment), thief.secretKey, Date.now());
    expect(await onB.commit(stolen)).toMatchObject({
      kind: "verdict",
      accepted: false,
      code: "RESULT_ERROR_NOT_ASSIGNED",
    });
    expect(onB.holders.heldBy(onB.session)).toEqual([]);
    expect(b.store.getWorker(thiefHex)?.strikes).toBe(1);
    const lease = a.store.getLease(id)!;
    expect(lease.assignment).toMatchObject({ status: "active", workerKey: a.workerHex, deadline });
  });

  it("answer an assignment this network never issued without a strike", async () => {
    const { a, b } = await twoCoordinators();
    const onB = await sessionOn(b, a.coordinatorKey, a.worker);
    const resigned = sealResult(
      { ...a.assignment, assignmentId: new Uint8Array(16).fill(7) },
      runUnit(a.assignment),
      a.worker.secretKey,
      Date.now(),
    );
    expect(await onB.commit(resigned)).toMatchObject({
      kind: "verdict",
      accepted: false,
      code: "RESULT_ERROR_UNKNOWN_ASSIGNMENT",
    });
    expect(b.store.getWorker(a.workerHex)?.strikes).toBe(0);
  });
});
