import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ApiClient, type JobView } from "../../coordinator/api-client.js";
import { verifyChain } from "../../ledger/verify-chain.js";
import { loadOrCreateIdentity } from "../../protocol/identity.js";
import { PgCluster } from "../../testkit/pg-cluster.js";
import { runFoldnet } from "../helpers/cli.js";
import {
  acknowledgedUnits,
  type CoordinatorProc,
  freePort,
  type Proc,
  startCoordinator,
  startWorker,
  tempDir,
  waitFor,
} from "../helpers/network.js";

const KEY = "fn_scale_out_test";
const SEQ_36 = "PPPHHPPHHPPPPPHHHHHHHPPHHPPPPHHPPHPP";
const UNIT = 1_048_576;
const running: Proc[] = [];
const clusters: PgCluster[] = [];
const track = <P extends Proc>(p: P) => {
  running.push(p);
  return p;
};

afterEach(async () => {
  await Promise.all(running.splice(0).map((p) => p.kill("SIGKILL")));
  await Promise.all(clusters.splice(0).map((c) => c.destroy()));
});

async function cluster(): Promise<PgCluster> {
  const c = await PgCluster.create();
  clusters.push(c);
  return c;
}

/** `n` coordinators on one database, sharing the network key made in `dir`. */
async function coordinators(db: string, dir: string, n: number): Promise<CoordinatorProc[]> {
  const keyFile = join(dir, "network.key.json");
  loadOrCreateIdentity(keyFile);
  const extra = ["--key", keyFile, "--grace-seconds", "1", "--lease-seconds", "20"];
  return Promise.all(
    Array.from({ length: n }, async () => track(await startCoordinator(db, 0, KEY, extra))),
  );
}

const isSealer = (c: CoordinatorProc) => c.log().includes("this coordinator seals the ledger");

const whenDone = (client: ApiClient, jobId: string) =>
  waitFor(
    `job ${jobId} to finish`,
    async () => {
      const job = await client.job(jobId);
      return job.status === "running" ? undefined : job;
    },
    170_000,
    250,
  );

/** The ledger export of `c` once nothing is pending. */
async function sealedExport(c: CoordinatorProc): Promise<Uint8Array> {
  const client = new ApiClient(c.url, KEY);
  await waitFor(
    "the ledger to seal every entry",
    async () =>
      (await client.call<{ pending: number }>("GET", "/api/ledger/blocks")).pending === 0
        ? true
        : undefined,
    30_000,
  ).catch((err: unknown) => {
    throw new Error(`${err}\n${c.log().slice(-3000)}`);
  });
  return new Uint8Array(await (await fetch(`${c.url}/api/ledger/export`)).arrayBuffer());
}

/**
 * Three coordinators, four workers given all three URLs, a job submitted on the first and
 * followed on the second; `victim` picks the coordinator killed with SIGKILL mid-job.
 */
async function killOneMidJob(victim: (cs: CoordinatorProc[]) => CoordinatorProc) {
  const dir = tempDir("scale-out");
  const db = await cluster();
  const cs = await coordinators(db.url, dir, 3);
  const urls = cs.map((c) => c.wsUrl).join(",");
  const workers = [0, 1, 2, 3].map((i) => track(startWorker(urls, join(dir, `w${i}`))));
  const submitted = await new ApiClient(cs[0]!.url, KEY).submit({
    sequence: SEQ_36,
    steps: 16 * UNIT,
    trajectories: 4,
    unitSteps: UNIT,
  });
  const watcher = new ApiClient(cs[1]!.url, KEY);
  await waitFor("a sealer among the coordinators", async () =>
    cs.some(isSealer) ? true : undefined,
  );
  await waitFor("four verified units", async () =>
    (await watcher.job(submitted.id)).unitsVerified >= 4 ? true : undefined,
  );
  const dead = victim(cs);
  const wasSealer = isSealer(dead);
  expect(await dead.kill("SIGKILL")).toBe("SIGKILL");
  const alive = cs.filter((c) => c !== dead);
  // a dead sealer's lock goes with its connection: another takes the role within 10 s
  if (wasSealer)
    await waitFor(
      "another coordinator to take sealing over",
      async () => (alive.some(isSealer) ? true : undefined),
      10_000,
    );
  const job: JobView = await whenDone(new ApiClient(alive[0]!.url, KEY), submitted.id);
  expect(job.status).toBe("done");
  expect(job.unitsVerified).toBe(16);
  expect(job.stepsDone).toBe(16 * UNIT);
  // every unit paid exactly once, in one chain that each survivor exports byte for byte
  const [first, second] = await Promise.all(alive.map(sealedExport));
  expect(Buffer.from(first!).equals(Buffer.from(second!))).toBe(true);
  const summary = verifyChain(first!);
  expect(summary.workEntries).toBe(16);
  const acked = workers.flatMap((w) => acknowledgedUnits(w.log()));
  expect(new Set(acked).size).toBe(acked.length); // no unit acknowledged twice
  const file = join(dir, "ledger.fnl");
  writeFileSync(file, first!);
  const verify = await runFoldnet(["ledger", "verify", file, "--json"]);
  expect(verify.code).toBe(0);
  return { dead, alive };
}

describe("several coordinators on one PostgreSQL", () => {
  it("finish a job when one coordinator is killed mid-job: paid once, identical exports", async () => {
    await killOneMidJob((cs) => cs.find((c) => !isSealer(c))!);
  });

  it("hand sealing to another coordinator when the sealer is killed, and never fork", async () => {
    const { alive } = await killOneMidJob((cs) => cs.find(isSealer)!);
    expect(alive.filter(isSealer)).toHaveLength(1);
  });
});

describe("a coordinator whose database goes away", () => {
  it("stays up, is not ready, acknowledges nothing, and recovers when the database returns", async () => {
    const dir = tempDir("db-loss");
    const db = await cluster();
    const [c] = await coordinators(db.url, dir, 1);
    const worker = track(startWorker(c!.wsUrl, join(dir, "w")));
    const client = new ApiClient(c!.url, KEY);
    const submitted = await client.submit({
      sequence: SEQ_36,
      steps: 8 * UNIT,
      trajectories: 2,
      unitSteps: UNIT,
    });
    await waitFor("a verified unit", async () =>
      (await client.job(submitted.id)).unitsVerified >= 1 ? true : undefined,
    );
    await db.stop("fast");
    const ackedAtLoss = acknowledgedUnits(worker.log()).length;
    await waitFor("/readyz to say not ready", async () =>
      (await fetch(`${c!.url}/readyz`)).status === 503 ? true : undefined,
    );
    expect((await fetch(`${c!.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${c!.url}/api/jobs/${submitted.id}`)).status).toBe(503);
    await new Promise((resolve) => setTimeout(resolve, 3_000)); // the worker keeps trying
    expect(acknowledgedUnits(worker.log())).toHaveLength(ackedAtLoss);
    expect(c!.child.exitCode).toBeNull();
    await db.start();
    await waitFor("/readyz to say ready again", async () =>
      (await fetch(`${c!.url}/readyz`)).status === 200 ? true : undefined,
    );
    const job = await whenDone(client, submitted.id);
    expect(job.unitsVerified).toBe(8);
    expect(verifyChain(await sealedExport(c!)).workEntries).toBe(8);
  });

  it("refuses to start with a clear error when the database cannot be reached", async () => {
    const dir = tempDir("db-none");
    const port = await freePort(); // nothing listens there
    const keyFile = join(dir, "network.key.json");
    const run = await runFoldnet([
      "coordinator",
      "--db",
      `postgres://foldnet@127.0.0.1:${port}/foldnet`,
      "--key",
      keyFile,
      "--port",
      "0",
    ]);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain("STORE_ERROR_UNAVAILABLE");
    expect(run.stderr).toContain(`127.0.0.1:${port}/foldnet`);
  });
});
