import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bytesToHex } from "@noble/hashes/utils.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { silentLogger } from "../../common/log.js";
import { Coordinator, type CoordinatorAddress } from "../../coordinator/coordinator.js";
import { authPayload } from "../../protocol/canonical.js";
import { generateIdentity, keyId, saveIdentity, sign } from "../../protocol/identity.js";
import { runFoldnet } from "../helpers/cli.js";
import { signedEscrow } from "../helpers/ledger.js";
import { ScriptedWorker } from "../helpers/scripted-worker.js";

const API_KEY = "fn_economy_key";
const SEQ = "HPHPPHHPHPPHPHHPPHPH";
let coordinator: Coordinator;
let address: CoordinatorAddress;
let dir: string;

async function api(path: string, body?: unknown) {
  const res = await fetch(`${address.url}${path}`, {
    method: body === undefined ? "GET" : "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${API_KEY}` },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  // biome-ignore lint/suspicious/noExplicitAny: the tests read arbitrary JSON responses
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

/** `foldnet ARGS --coordinator URL --json` with the API key and `env`. */
async function foldnet(args: string[], env: Record<string, string> = {}) {
  const run = await runFoldnet([...args, "--coordinator", address.url, "--json"], {
    FOLDNET_API_KEY: API_KEY,
    ...env,
  });
  return { ...run, json: () => JSON.parse(run.stdout) };
}

/** A volunteer that runs one unit honestly; returns its verdict. */
async function runOneUnit(worker: ScriptedWorker) {
  const verdict = await worker.submit(worker.run(await worker.lease()));
  expect(verdict.accepted).toBe(true);
  return verdict;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "foldnet-economy-"));
  coordinator = new Coordinator(
    {
      host: "127.0.0.1",
      port: 0,
      dbFile: join(dir, "c.db"),
      apiKeys: [API_KEY],
      verifyThreads: 0,
      endpoint: { parkMs: 300 },
    },
    { log: silentLogger },
  );
  address = await coordinator.start();
});
afterAll(async () => {
  await coordinator.stop();
});

describe("the token economy over a real coordinator and the command line", () => {
  it("escrows a bounty with job submit, pays it to verified units, refunds the rest on cancel, and ledger verify agrees", async () => {
    // the funder earns tokens first
    const funder = await ScriptedWorker.connect(address.wsUrl);
    saveIdentity(join(dir, "funder.json"), funder.identity);
    const spec = ["--seq", SEQ, "--trajectories", "1", "--unit-steps", "65536"];
    await foldnet(["job", "submit", ...spec, "--steps", "65536"]);
    await runOneUnit(funder);
    const coordinatorKey = bytesToHex(coordinator.identity.publicKey);

    const submitted = await foldnet([
      "job",
      "submit",
      ...spec,
      "--steps",
      "262144",
      "--bounty",
      "0.001",
      "--wallet",
      join(dir, "funder.json"),
      "--coordinator-key",
      coordinatorKey,
    ]);
    expect(submitted.code, submitted.stderr).toBe(0);
    const job = submitted.json();
    expect(job.bounty).toMatchObject({ amount: "1000", paid: "0", refunded: null });

    const volunteer = await ScriptedWorker.connect(address.wsUrl);
    await runOneUnit(volunteer);
    const share = (1000n * 65_536n) / 262_144n;
    const running = (await api(`/api/jobs/${job.id}`)).body;
    // the first unit improves on the straight chain: share plus up to half of it
    expect(BigInt(running.bounty.paid)).toBeGreaterThanOrEqual(share);
    expect(BigInt(running.bounty.paid)).toBeLessThanOrEqual(share + share / 2n);

    const cancelled = (await foldnet(["job", "cancel", job.id])).json();
    expect(cancelled.status).toBe("cancelled");
    const refunded = BigInt(cancelled.bounty.refunded);
    expect(refunded + BigInt(cancelled.bounty.paid)).toBe(1000n);

    coordinator.sealer.sealAll();
    saveIdentity(join(dir, "volunteer.json"), volunteer.identity);
    const history = (
      await foldnet(["wallet", "history", "--identity", join(dir, "volunteer.json")])
    ).json();
    expect(history.history.map((h: { entry: { kind: string } }) => h.entry.kind)).toEqual([
      "bounty",
      "work",
    ]);
    const funderHistory = (
      await foldnet(["wallet", "history", "--key", keyId(funder.identity.publicKey)])
    ).json();
    expect(funderHistory.history.map((h: { entry: { kind: string } }) => h.entry.kind)).toEqual([
      "refund",
      "escrow",
      "work",
    ]);
    expect(funderHistory.history[0].change).toBe(refunded.toString());

    const file = join(dir, "chain.fnl");
    expect((await foldnet(["ledger", "export", "--out", file])).code).toBe(0);
    const verified = await runFoldnet([
      "ledger",
      "verify",
      file,
      "--json",
      "--producer",
      coordinatorKey,
    ]);
    expect(verified.code, verified.stdout).toBe(0);
    expect(JSON.parse(verified.stdout)).toMatchObject({
      valid: true,
      escrowed: "1000",
      paidOut: cancelled.bounty.paid,
      refunded: refunded.toString(),
      held: "0",
    });
    funder.close();
    volunteer.close();
  });

  it("refuses an escrow over the balance, one signed for another network, and a pinned key that is not the coordinator's (cancelling the job)", async () => {
    const poor = generateIdentity();
    saveIdentity(join(dir, "poor.json"), poor);
    const spec = ["--seq", SEQ, "--steps", "65536", "--trajectories", "1", "--unit-steps", "65536"];
    const submit = (...extra: string[]) =>
      foldnet([
        "job",
        "submit",
        ...spec,
        "--bounty",
        "1",
        "--wallet",
        join(dir, "poor.json"),
        ...extra,
      ]);
    const overdraft = await submit();
    expect(overdraft.code).toBe(1);
    expect(overdraft.stderr).toContain("API_ERROR_ESCROW_REFUSED");
    const wrongKey = await submit("--coordinator-key", bytesToHex(generateIdentity().publicKey));
    expect(wrongKey.stderr).toContain("CLIENT_ERROR_WRONG_COORDINATOR");
    const jobs = (await api("/api/jobs")).body.jobs as { status: string }[];
    expect(jobs.filter((j) => j.status === "running")).toEqual([]);

    // a rich funder's escrow, signed for another network, replayed here
    const rich = await ScriptedWorker.connect(address.wsUrl);
    const open = (
      await api("/api/jobs", { sequence: SEQ, steps: 131_072, trajectories: 1, unitSteps: 65_536 })
    ).body;
    await runOneUnit(rich);
    const elsewhere = generateIdentity().publicKey;
    const escrow = signedEscrow(
      { nonces: new Map() },
      elsewhere,
      rich.identity,
      open.id,
      10n,
      131_072n,
    );
    const body = {
      funder: bytesToHex(escrow.funder),
      jobId: escrow.jobId,
      amount: "10",
      budgetSteps: "131072",
      nonce: "1",
      signature: bytesToHex(escrow.signature),
    };
    const replay = await api("/api/ledger/escrows", body);
    expect(replay.status).toBe(409);
    expect(replay.body.error).toMatchObject({
      code: "API_ERROR_ESCROW_REFUSED",
      reason: "LEDGER_ERROR_BAD_ESCROW_SIGNATURE",
    });
    expect((await api(`/api/jobs/${open.id}`)).body.bounty).toBeNull();
    // malformed bodies are a 400 naming the field, never a 500
    for (const [bad, field] of [
      [{}, "funder"],
      [{ ...body, jobId: "\ud800" }, "jobId"],
      [{ ...body, amount: "-1" }, "amount"],
      [{ ...body, signature: "zz" }, "signature"],
    ] as const) {
      const res = await api("/api/ledger/escrows", bad);
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({ code: "API_ERROR_BAD_REQUEST", field });
    }
    for (const path of ["blocks/x9", "blocks/0/zz.svg", "history/nothex", "search?q=%00"]) {
      expect((await api(`/api/ledger/${path}`)).status).toBeLessThan(500);
    }
    rich.close();
  });

  it("counts a worker for the team its hello names only when its auth signature covers that team", async () => {
    const signedFor = async (declared: string, signed: string) => {
      const w = await ScriptedWorker.open(address.wsUrl);
      w.send({
        kind: "hello",
        publicKey: w.identity.publicKey,
        client: "t",
        threads: 1,
        team: declared,
      });
      const challenge = await w.next("authChallenge");
      const payload = authPayload(
        challenge.nonce,
        challenge.coordinatorKey,
        w.identity.publicKey,
        signed,
      );
      w.send({ kind: "authResponse", signature: sign(w.identity.secretKey, payload) });
      return w;
    };
    const forged = await signedFor("Team Rocket", "");
    expect((await forged.next("error")).code).toBe("AUTH_ERROR_BAD_SIGNATURE");
    const honest = await signedFor("Team Rocket", "Team Rocket");
    await honest.next("welcome");
    const stats = (await api("/api/stats")).body;
    const me = stats.keys.find(
      (k: { key: string }) => k.key === bytesToHex(honest.identity.publicKey),
    );
    expect(me.team).toBe("Team Rocket");
    expect(
      stats.keys.find((k: { key: string }) => k.key === bytesToHex(forged.identity.publicKey)),
    ).toBeUndefined();
    honest.close();
    forged.close();
  });

  it("transfers by key id, and backs a wallet up and restores it with a passphrase", async () => {
    const earner = await ScriptedWorker.connect(address.wsUrl);
    await api("/api/jobs", { sequence: SEQ, steps: 65_536, trajectories: 1, unitSteps: 65_536 });
    await runOneUnit(earner);
    saveIdentity(join(dir, "earner.json"), earner.identity);
    const friend = await ScriptedWorker.connect(address.wsUrl); // known to the coordinator by its key
    const sent = await foldnet([
      "wallet",
      "transfer",
      "--to",
      keyId(friend.identity.publicKey),
      "--amount",
      "0.000007",
      "--identity",
      join(dir, "earner.json"),
    ]);
    expect(sent.code, sent.stderr).toBe(0);
    expect(
      (await api(`/api/ledger/balances/${bytesToHex(friend.identity.publicKey)}`)).body.balance,
    ).toBe("7");

    const env = { FOLDNET_PASSPHRASE: "a long enough passphrase" };
    const backup = join(dir, "earner.backup.json");
    const made = await foldnet(
      ["wallet", "backup", "--identity", join(dir, "earner.json"), "--out", backup],
      env,
    );
    expect(made.code, made.stderr).toBe(0);
    expect(readFileSync(backup, "utf8")).not.toContain(bytesToHex(earner.identity.secretKey));
    const wrong = await foldnet(
      ["wallet", "restore", "--in", backup, "--identity", join(dir, "x.json")],
      {
        FOLDNET_PASSPHRASE: "not the passphrase",
      },
    );
    expect(wrong.stderr).toContain("BACKUP_ERROR_WRONG_PASSPHRASE");
    const restored = await foldnet(
      ["wallet", "restore", "--in", backup, "--identity", join(dir, "restored.json")],
      env,
    );
    expect(restored.json().publicKey).toBe(bytesToHex(earner.identity.publicKey));
    const balance = (
      await foldnet(["wallet", "balance", "--identity", join(dir, "restored.json")])
    ).json();
    expect(balance.key).toBe(bytesToHex(earner.identity.publicKey));
    earner.close();
    friend.close();
  });
});
