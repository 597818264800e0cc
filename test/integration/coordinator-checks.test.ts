/**
 * The coordinator checked over its real interfaces: the job API refuses bad requests, results
 * over a real socket (spot checks, lies, lease limits, garbage, bad auth), and the heartbeat.
 * Cheating workers and payment: coordinator-rewards.test.ts.
 * @module
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { silentLogger } from "../../common/log.js";
import { parseJobSpec } from "../../coordinator/job-spec.js";
import { resultCommitPayload } from "../../protocol/canonical.js";
import { generateIdentity, sign } from "../../protocol/identity.js";
import { commitFields } from "../../worker/result.js";
import { API_KEY, useJobApiCoordinator } from "../helpers/job-api.js";
import { waitFor } from "../helpers/network.js";
import { ScriptedWorker } from "../helpers/scripted-worker.js";
import { createCoordinator } from "../helpers/test-coordinator.js";

const served = useJobApiCoordinator();
const { api, submitJob } = served;

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
    const worker = await ScriptedWorker.connect(served.address.wsUrl);
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
    const honest = await ScriptedWorker.connect(served.address.wsUrl);
    const other = await ScriptedWorker.connect(served.address.wsUrl);
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
    // the never-issued assignment is no strike and counts for nothing: 4 lies rejected
    expect(worker).toMatchObject({ accepted: 1, rejected: 4 });
    honest.close();
    other.close();
  });

  it("leases at most two units per announced thread, however often a worker asks", async () => {
    const job = await submitJob({ trajectories: 6 });
    const greedy = await ScriptedWorker.connect(served.address.wsUrl); // announces 1 thread
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
    const worker = await ScriptedWorker.connect(served.address.wsUrl);
    for (let i = 0; i < 12; i++) worker.sendRaw(new Uint8Array([8, 200, 1, 0xff]));
    const closed = await worker.closed();
    expect(closed.code).toBe(1008);
    expect(closed.reason).toBe("SESSION_ERROR_TOO_MANY_BAD_FRAMES");
    // and the server still serves others
    const next = await ScriptedWorker.connect(served.address.wsUrl);
    next.close();
  });

  it("refuses a worker whose auth signature does not verify", async () => {
    const worker = await ScriptedWorker.open(served.address.wsUrl);
    worker.send({ kind: "hello", publicKey: worker.identity.publicKey, client: "t", threads: 1 });
    await worker.next("authChallenge");
    worker.send({ kind: "authResponse", signature: new Uint8Array(64).fill(1) });
    expect((await worker.next("error")).code).toBe("AUTH_ERROR_BAD_SIGNATURE");
    expect((await worker.closed()).code).toBe(1008);
  });
});

describe("coordinator: heartbeat", () => {
  it("terminates a connection whose peer stopped answering pings, and gives its lease back", async () => {
    const dir = mkdtempSync(join(tmpdir(), "foldnet-heartbeat-"));
    const c = await createCoordinator(
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
      const job = await c.scheduler.submitJob(
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
        const units = await c.store.listUnits(job.id);
        return status.connections === 0 && units[0]?.status === "queued" ? true : undefined;
      });
    } finally {
      await c.stop();
    }
  });
});
