import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { silentLogger } from "../../common/log.js";
import { Coordinator, type CoordinatorAddress } from "../../coordinator/coordinator.js";
import { parseJobSpec } from "../../coordinator/job-spec.js";
import { resultCommitPayload } from "../../protocol/canonical.js";
import { generateIdentity, saveIdentity, sign } from "../../protocol/identity.js";
import { runSkipping } from "../../testkit/cheats.js";
import { commitFields } from "../../worker/result.js";
import { runFoldnet } from "../helpers/cli.js";
import { waitFor } from "../helpers/network.js";
import { ScriptedWorker } from "../helpers/scripted-worker.js";
import { startTestCoordinator } from "../helpers/test-coordinator.js";

const API_KEY = "fn_test_key";
/** Strikes before a ban: above the lies one test tells from one key. */
const BAN_AFTER = 6;
let coordinator: Coordinator;
let address: CoordinatorAddress;

async function api(path: string, init: RequestInit & { key?: string } = {}) {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (init.key !== undefined) headers.authorization = `Bearer ${init.key}`;
  const res = await fetch(`${address.url}${path}`, { ...init, headers });
  // biome-ignore lint/suspicious/noExplicitAny: the tests read arbitrary JSON responses
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

async function submitJob(extra: Record<string, unknown> = {}) {
  const res = await api("/api/jobs", {
    method: "POST",
    key: API_KEY,
    body: JSON.stringify({
      sequence: "HPHPPHHPHPPHPHHPPHPH",
      steps: 65_536,
      trajectories: 1,
      unitSteps: 65_536,
      ...extra,
    }),
  });
  expect(res.status).toBe(201);
  return res.body;
}

beforeAll(async () => {
  ({ coordinator, address } = await startTestCoordinator({
    apiKeys: [API_KEY],
    intake: { banAfterStrikes: BAN_AFTER },
    endpoint: { parkMs: 300 },
  }));
});
afterAll(async () => {
  await coordinator.stop();
});

describe("coordinator: the job API refuses bad requests and stores nothing", () => {
  it("answers a wrong API key with 401 and a malformed job with 400 naming the field", async () => {
    const before = (await api("/api/jobs")).body.jobs.length;
    const unauthorized = await api("/api/jobs", {
      method: "POST",
      key: "wrong",
      body: JSON.stringify({ sequence: "HPPH", steps: 2048 }),
    });
    expect(unauthorized.status).toBe(401);
    expect(unauthorized.body.error.code).toBe("API_ERROR_UNAUTHORIZED");
    const noKey = await api("/api/jobs", { method: "POST", body: "{}" });
    expect(noKey.status).toBe(401);
    for (const [body, field] of [
      [{ sequence: "HPXH", steps: 2048 }, "sequence"],
      [{ sequence: "HPPH", lattice: "hex", steps: 2048 }, "lattice"],
      [{ sequence: "HPPH", steps: 1.5 }, "steps"],
      [{ sequence: "HPPH", steps: 4096, unitSteps: 1000 }, "unitSteps"],
      [[1, 2], "body"],
    ] as const) {
      const res = await api("/api/jobs", {
        method: "POST",
        key: API_KEY,
        body: JSON.stringify(body),
      });
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({ code: "API_ERROR_BAD_REQUEST", field });
    }
    const garbage = await api("/api/jobs", { method: "POST", key: API_KEY, body: "{not json" });
    expect(garbage.body.error).toMatchObject({ code: "API_ERROR_BAD_REQUEST", field: "body" });
    expect((await api("/api/jobs")).body.jobs.length).toBe(before);
    expect((await api("/api/jobs/jnope")).status).toBe(404);
  });
});

describe("coordinator: results over a real socket", () => {
  it("accepts an honest result after its spot check, once, and finishes the job", async () => {
    const job = await submitJob();
    const worker = await ScriptedWorker.connect(address.wsUrl);
    const assignment = await worker.lease();
    expect(assignment.jobId).toBe(job.id);
    const result = worker.run(assignment);
    const verdict = await worker.submit(result);
    expect(verdict).toMatchObject({ accepted: true, code: "" });
    const again = await worker.submit(result);
    expect(again).toMatchObject({ accepted: true, reward: verdict.reward });
    const status = (await api(`/api/jobs/${job.id}`)).body;
    expect(status).toMatchObject({
      status: "done",
      unitsVerified: 1,
      bestEnergy: result.bestEnergy,
      bestFold: result.bestFold,
    });
    const units = (await api(`/api/jobs/${job.id}/units`)).body.units;
    expect(units).toHaveLength(1);
    expect(units[0].result.segmentsChecked).toBeGreaterThanOrEqual(32);
    worker.close();
  });

  it("rejects lies with their own codes, records nothing and keeps serving", async () => {
    const job = await submitJob();
    const honest = await ScriptedWorker.connect(address.wsUrl);
    const other = await ScriptedWorker.connect(address.wsUrl);
    const assignment = await honest.lease();
    const result = honest.run(assignment);

    // a result for a unit leased to another key
    expect(await other.submit(other.resign(result))).toMatchObject({
      accepted: false,
      code: "RESULT_ERROR_NOT_ASSIGNED",
    });
    // an assignment never issued
    const unknown = { ...result, assignmentId: new Uint8Array(16).fill(7) };
    expect(await honest.submit(honest.resign(unknown))).toMatchObject({
      accepted: false,
      code: "RESULT_ERROR_UNKNOWN_ASSIGNMENT",
    });
    // a wrong energy
    expect(
      await honest.submit(honest.resign({ ...result, bestEnergy: result.bestEnergy - 1 })),
    ).toMatchObject({
      accepted: false,
      code: "RESULT_ERROR_ENERGY_MISMATCH",
    });
    // a colliding fold
    const colliding = `RL${result.bestFold.slice(2)}`;
    expect(await honest.submit(honest.resign({ ...result, bestFold: colliding }))).toMatchObject({
      accepted: false,
      code: "RESULT_ERROR_BAD_FOLD",
    });
    // a signature by another key
    const forged = sign(generateIdentity().secretKey, resultCommitPayload(commitFields(result)));
    expect(await honest.submit(result, { signature: forged })).toMatchObject({
      accepted: false,
      code: "RESULT_ERROR_BAD_SIGNATURE",
    });
    // skipped work: a segment whose end leaf does not follow from its start
    const skipped = {
      ...result,
      anchorStates: result.anchorStates.map((s, j) => (j === 5 ? result.anchorStates[4]! : s)),
    };
    const cheat = await honest.submit(
      honest.resign({ ...skipped, merkleRoot: new Uint8Array(32) }),
    );
    expect(cheat.accepted).toBe(false);

    expect((await api(`/api/jobs/${job.id}`)).body).toMatchObject({
      status: "running",
      unitsVerified: 0,
      bestFold: null,
    });
    // garbage frames get typed errors, and the connection still works
    honest.sendRaw(new Uint8Array([0xff, 0xff, 0xff, 0x01]));
    expect((await honest.next("error")).code).toMatch(/^FRAME_ERROR_/);
    honest.sendRaw("text is not a frame");
    expect((await honest.next("error")).code).toBe("FRAME_ERROR_MALFORMED");
    // the first rejected result ended its lease at once: the unit is leased afresh, and an
    // honest run of the new lease is accepted (the old assignment stays bound to its root)
    const again = await honest.lease();
    expect(again.unitId).toBe(assignment.unitId);
    expect(await honest.submit(honest.run(again))).toMatchObject({ accepted: true });
    const worker = (await api("/api/workers")).body.workers.find(
      (w: { keyId: string; key: string }) =>
        w.key === Buffer.from(honest.identity.publicKey).toString("hex"),
    );
    expect(worker).toMatchObject({ accepted: 1, rejected: 5 });
    honest.close();
    other.close();
  });

  it("leases at most two units per announced thread, however often a worker asks", async () => {
    const job = await submitJob({ trajectories: 6 });
    const greedy = await ScriptedWorker.connect(address.wsUrl); // announces 1 thread
    greedy.send({ kind: "workRequest", slots: 6 });
    await greedy.next("assignment");
    await greedy.next("assignment");
    expect((await greedy.next("noWork")).retryAfterMs).toBeGreaterThan(0);
    greedy.send({ kind: "workRequest", slots: 6 });
    expect((await greedy.next("noWork")).kind).toBe("noWork");
    greedy.close();
    await api(`/api/jobs/${job.id}/cancel`, { method: "POST", key: API_KEY }); // leave no queue behind
  });

  it("closes a connection that keeps sending garbage, with a typed error first", async () => {
    const worker = await ScriptedWorker.connect(address.wsUrl);
    for (let i = 0; i < 12; i++) worker.sendRaw(new Uint8Array([8, 200, 1, 0xff]));
    const closed = await worker.closed();
    expect(closed.code).toBe(1008);
    expect(closed.reason).toBe("SESSION_ERROR_TOO_MANY_BAD_FRAMES");
    // and the server still serves others
    const next = await ScriptedWorker.connect(address.wsUrl);
    next.close();
  });

  it("refuses a worker whose auth signature does not verify", async () => {
    const worker = await ScriptedWorker.open(address.wsUrl);
    worker.send({ kind: "hello", publicKey: worker.identity.publicKey, client: "t", threads: 1 });
    await worker.next("authChallenge");
    worker.send({ kind: "authResponse", signature: new Uint8Array(64).fill(1) });
    expect((await worker.next("error")).code).toBe("AUTH_ERROR_BAD_SIGNATURE");
    expect((await worker.closed()).code).toBe(1008);
  });
});

describe("coordinator: cheating workers are caught, each with its own code, and earn nothing", () => {
  const balance = async (w: ScriptedWorker) =>
    BigInt(
      (await api(`/api/ledger/balances/${Buffer.from(w.identity.publicKey).toString("hex")}`)).body
        .balance,
    );

  it("catches a worker that skipped half of its segments", async () => {
    await submitJob();
    const cheater = await ScriptedWorker.connect(address.wsUrl);
    const assignment = await cheater.lease();
    const skip = new Set(Array.from({ length: 1024 }, (_, j) => j).filter((j) => j % 2 === 1));
    const verdict = await cheater.submit(runSkipping(assignment, skip, cheater.identity.secretKey));
    expect(verdict).toMatchObject({
      accepted: false,
      code: "RESULT_ERROR_WORK_MISMATCH",
      reward: 0n,
    });
    expect(await balance(cheater)).toBe(0n);
    cheater.close();
  });

  it("refuses a fold from another job and a replay of another worker's result", async () => {
    await submitJob();
    await submitJob({ sequence: "PPHHPPHHPHPHHPPHHPPH" }); // same length, other sequence
    const a = await ScriptedWorker.connect(address.wsUrl);
    const b = await ScriptedWorker.connect(address.wsUrl);
    const unitA = await a.lease();
    const unitB = await b.lease();
    expect(unitA.jobId).not.toBe(unitB.jobId);
    const resultA = a.run(unitA);
    const resultB = b.run(unitB);
    // B claims A's fold (with the energy it has on B's sequence) for its own unit; the two
    // searches can end on the same fold string, and then a straight chain stands in for it
    const { foldEnergy } = await import("../../sim/fold.js");
    const jobB = (await api(`/api/jobs/${unitB.jobId}`)).body;
    const claimed = resultA.bestFold !== resultB.bestFold ? resultA.bestFold : "R".repeat(19);
    const energyOnB = foldEnergy(jobB.sequence, claimed, "square2d");
    const foreignFold = b.resign({ ...resultB, bestFold: claimed, bestEnergy: energyOnB });
    expect(await b.submit(foreignFold)).toMatchObject({
      accepted: false,
      code: "RESULT_ERROR_BEST_MISMATCH",
    });
    // B replays A's whole result as the answer to its own lease
    const replayed = b.resign({
      ...resultA,
      assignmentId: unitB.assignmentId,
      unitId: unitB.unitId,
    });
    // refused by the structural check when the two start states differ in best energy, else
    // by the spot check (leaf 0 is not B's start state): a strike either way
    const replay = await b.submit(replayed);
    expect(replay.accepted).toBe(false);
    expect(["RESULT_ERROR_STATE_MISMATCH", "RESULT_ERROR_BAD_OPENINGS"]).toContain(replay.code);
    expect(await balance(b)).toBe(0n);
    // the honest results still go through and are paid once
    expect((await a.submit(resultA)).accepted).toBe(true);
    const paid = await balance(a);
    expect(paid).toBeGreaterThan(0n);
    expect((await a.submit(resultA)).accepted).toBe(true);
    expect(await balance(a)).toBe(paid);
    a.close();
    b.close();
  });

  it("bans a key after BAN_AFTER strikes and disconnects it at once", async () => {
    await submitJob();
    const liar = await ScriptedWorker.connect(address.wsUrl);
    const assignment = await liar.lease();
    const result = liar.run(assignment);
    for (let i = 0; i < BAN_AFTER; i++) {
      const verdict = await liar.submit(
        liar.resign({ ...result, bestEnergy: result.bestEnergy - 1 - i }),
      );
      expect(verdict.code).toBe("RESULT_ERROR_ENERGY_MISMATCH");
    }
    expect((await liar.next("error")).code).toBe("AUTH_ERROR_BANNED");
    expect((await liar.closed()).code).toBe(1008);
    const again = await ScriptedWorker.open(address.wsUrl, liar.identity);
    again.send({ kind: "hello", publicKey: liar.identity.publicKey, client: "t", threads: 1 });
    const challenge = await again.next("authChallenge");
    const { authPayload } = await import("../../protocol/canonical.js");
    again.send({
      kind: "authResponse",
      signature: sign(
        liar.identity.secretKey,
        authPayload(challenge.nonce, challenge.coordinatorKey, liar.identity.publicKey),
      ),
    });
    expect((await again.next("error")).code).toBe("AUTH_ERROR_BANNED");
    expect((await again.closed()).code).toBe(1008);
  });
});

describe("coordinator: the ledger, the wallet and their command lines", () => {
  it("pays an accepted result, moves tokens by signed transfer, refuses replays and overdrafts, and exports a chain that verifies", async () => {
    await submitJob();
    const dir = mkdtempSync(join(tmpdir(), "foldnet-wallet-"));
    const earner = await ScriptedWorker.connect(address.wsUrl);
    saveIdentity(join(dir, "earner.json"), earner.identity);
    const verdict = await earner.submit(earner.run(await earner.lease()));
    expect(verdict.accepted).toBe(true);
    expect(verdict.reward).toBeGreaterThan(0n);
    const earnerKey = Buffer.from(earner.identity.publicKey).toString("hex");
    const friend = generateIdentity();
    const friendKey = Buffer.from(friend.publicKey).toString("hex");
    const wallet = (...args: string[]) =>
      runFoldnet([
        "wallet",
        ...args,
        "--identity",
        join(dir, "earner.json"),
        "--coordinator",
        address.url,
        "--json",
      ]);

    const before = JSON.parse((await wallet("balance")).stdout);
    expect(BigInt(before.balance)).toBe(verdict.reward);
    const sent = await wallet("transfer", "--to", friendKey, "--amount", "0.000005");
    expect(sent.code).toBe(0);
    expect(BigInt(JSON.parse(sent.stdout).balance)).toBe(verdict.reward - 5n);
    expect((await api(`/api/ledger/balances/${friendKey}`)).body.balance).toBe("5");

    const overdraw = await wallet("transfer", "--to", friendKey, "--amount", "1000000");
    expect(overdraw.code).toBe(1);
    expect(overdraw.stderr).toContain("API_ERROR_TRANSFER_REFUSED");
    // the same signed transfer sent again is a replay
    const { networkId, transferPayload } = await import("../../protocol/canonical.js");
    const t = { from: earner.identity.publicKey, to: friend.publicKey, amount: 1n, nonce: 2n };
    const body = {
      from: earnerKey,
      to: friendKey,
      amount: "1",
      nonce: "2",
      signature: Buffer.from(
        sign(
          earner.identity.secretKey,
          transferPayload(t, networkId(coordinator.identity.publicKey)),
        ),
      ).toString("hex"),
    };
    expect(
      (await api("/api/ledger/transfers", { method: "POST", body: JSON.stringify(body) })).status,
    ).toBe(201);
    const replay = await api("/api/ledger/transfers", {
      method: "POST",
      body: JSON.stringify(body),
    });
    expect(replay.status).toBe(409);
    expect(replay.body.error).toMatchObject({
      code: "API_ERROR_TRANSFER_REFUSED",
      reason: "LEDGER_ERROR_BAD_NONCE",
    });

    coordinator.sealer.sealAll();
    const file = join(dir, "chain.fnl");
    expect(
      (await runFoldnet(["ledger", "export", "--coordinator", address.url, "--out", file])).code,
    ).toBe(0);
    const verified = await runFoldnet(["ledger", "verify", file, "--json"]);
    expect(verified.code).toBe(0);
    const summary = JSON.parse(verified.stdout);
    expect(summary).toMatchObject({ valid: true, transfers: 2 });
    for (const b of summary.balances as { key: string; balance: string }[]) {
      expect((await api(`/api/ledger/balances/${b.key}`)).body.balance).toBe(b.balance);
    }
    const bytes = readFileSync(file);
    bytes[bytes.length - 40]! ^= 1;
    writeFileSync(file, bytes);
    const tampered = await runFoldnet(["ledger", "verify", file, "--json"]);
    expect(tampered.code).toBe(1);
    expect(JSON.parse(tampered.stdout)).toMatchObject({ valid: false, block: summary.blocks - 1 });
    earner.close();
  });
});

describe("coordinator: heartbeat", () => {
  it("terminates a connection whose peer stopped answering pings, and gives its lease back", async () => {
    const dir = mkdtempSync(join(tmpdir(), "foldnet-heartbeat-"));
    const c = new Coordinator(
      {
        host: "127.0.0.1",
        port: 0,
        dbFile: join(dir, "h.db"),
        apiKeys: [API_KEY],
        verifyThreads: 0,
        endpoint: { heartbeatMs: 300 },
        scheduler: { disconnectGraceMs: 0, sweepIntervalMs: 50 },
      },
      { log: silentLogger },
    );
    const at = await c.start();
    try {
      const job = c.scheduler.submitJob(
        parseJobSpec({ sequence: "HPHPPHHPHPPH", steps: 4096, trajectories: 1 }),
      );
      const worker = await ScriptedWorker.connect(at.wsUrl);
      await worker.lease();
      // a peer that is gone without a FIN: its socket reads nothing, so it answers no ping
      (worker.socket as unknown as { _socket: { pause(): void } })._socket.pause();
      await waitFor("the silent connection to be terminated and its unit requeued", async () => {
        const status = (await (await fetch(`${at.url}/api/status`)).json()) as {
          connections: number;
        };
        const units = c.store.listUnits(job.id);
        return status.connections === 0 && units[0]?.status === "queued" ? true : undefined;
      });
    } finally {
      await c.stop();
    }
  });
});
