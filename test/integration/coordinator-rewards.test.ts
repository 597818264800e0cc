/**
 * Who earns on a running coordinator: cheating workers are caught, each with its own code,
 * and earn nothing; an accepted result is paid, and the ledger, wallet and their command
 * lines move and export the tokens.
 * @module
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { generateIdentity, saveIdentity, sign } from "../../protocol/identity.js";
import { runSkipping } from "../../testkit/cheats.js";
import { runFoldnet } from "../helpers/cli.js";
import { BAN_AFTER, useJobApiCoordinator } from "../helpers/job-api.js";
import { ScriptedWorker } from "../helpers/scripted-worker.js";

const served = useJobApiCoordinator();
const { api, submitJob } = served;

describe("coordinator: cheating workers are caught, each with its own code, and earn nothing", () => {
  const balance = async (w: ScriptedWorker) =>
    BigInt(
      (await api(`/api/ledger/balances/${Buffer.from(w.identity.publicKey).toString("hex")}`)).body
        .balance,
    );

  it("catches a worker that skipped half of its segments", async () => {
    await submitJob();
    const cheater = await ScriptedWorker.connect(served.address.wsUrl);
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
    const a = await ScriptedWorker.connect(served.address.wsUrl);
    const b = await ScriptedWorker.connect(served.address.wsUrl);
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
    const liar = await ScriptedWorker.connect(served.address.wsUrl);
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
    const again = await ScriptedWorker.open(served.address.wsUrl, liar.identity);
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
    const earner = await ScriptedWorker.connect(served.address.wsUrl);
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
        served.address.url,
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
          transferPayload(t, networkId(served.coordinator.identity.publicKey)),
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

    served.coordinator.sealer.sealAll();
    const file = join(dir, "chain.fnl");
    expect(
      (await runFoldnet(["ledger", "export", "--coordinator", served.address.url, "--out", file]))
        .code,
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
