import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { silentLogger } from "../../../common/log.js";
import { ApiClient } from "../../../coordinator/api-client.js";
import type { Coordinator, CoordinatorAddress } from "../../../coordinator/coordinator.js";
import { expectFoldnetError } from "../../helpers/errors.js";
import { createCoordinator } from "../../helpers/test-coordinator.js";

const KEY = "fn_batches";
let coordinator: Coordinator;
let address: CoordinatorAddress;
let client: ApiClient;

beforeAll(async () => {
  coordinator = await createCoordinator(
    {
      host: "127.0.0.1",
      port: 0,
      dbFile: ":memory:",
      apiKeys: [KEY],
      verifyThreads: 0,
      jobQuota: { runningJobs: 2, runningTrajectories: 1_024, stepsInFlight: 310 * 1024 },
    },
    { log: silentLogger },
  );
  address = await coordinator.start();
  client = new ApiClient(address.url, KEY);
});
afterAll(async () => {
  await coordinator.stop();
});

const job = (sequence: string) => ({ sequence, steps: 1024, trajectories: 1, unitSteps: 1024 });

describe("amino-acid jobs", () => {
  it("maps amino acids to H/P, keeps them and the scale with the job, and names an unknown letter's position", async () => {
    const made = await client.submit({ aminoAcids: "mkvlia", steps: 1024, trajectories: 1 });
    expect(made).toMatchObject({
      sequence: "HPHHHH",
      input: { aminoAcids: "MKVLIA", scale: "kyte-doolittle" },
    });
    await expectFoldnetError(client.submit({ aminoAcids: "MKBV", steps: 1024 }), {
      code: "API_ERROR_BAD_REQUEST",
      field: "aminoAcids",
      position: 2,
    });
    await expectFoldnetError(client.submit({ aminoAcids: "MKV", sequence: "HP", steps: 1024 }), {
      code: "API_ERROR_BAD_REQUEST",
      field: "aminoAcids",
    });
    await client.cancel(made.id);
  });
});

describe("steps in flight", () => {
  it("bound an account's running jobs by trajectories × unit steps", async () => {
    const big = { sequence: "HPPH", steps: 1024 * 400, trajectories: 1, unitSteps: 1024 * 400 };
    await expectFoldnetError(client.submit(big), {
      code: "API_ERROR_QUOTA",
      limit: "stepsInFlight",
    });
  });
});

describe("batches", () => {
  it("refuses a batch whole, naming the line and field of every bad request", async () => {
    const before = (await client.jobs()).jobs.length;
    const err = await expectFoldnetError(
      client.call("POST", "/api/batches", {
        jobs: [job("HPPH"), job("HPXH"), { ...job("HHPP"), steps: -1 }, job("PPHH"), "nope"],
      }),
      { code: "API_ERROR_BAD_BATCH" },
    );
    expect((err.type as unknown as { errors: unknown[] }).errors).toEqual([
      { line: 2, field: "sequence", message: expect.any(String) },
      { line: 3, field: "steps", message: expect.any(String) },
      { line: 5, field: "body", message: expect.any(String) },
    ]);
    expect((await client.jobs()).jobs.length).toBe(before);
    await expectFoldnetError(client.call("POST", "/api/batches", { jobs: [] }), {
      code: "API_ERROR_BAD_REQUEST",
      field: "jobs",
    });
    await expectFoldnetError(
      client.call("POST", "/api/batches", { jobs: Array(10_001).fill(job("HPPH")) }),
      { code: "API_ERROR_BAD_REQUEST", field: "jobs" },
    );
  });

  it("creates every job of a batch at once, counts it as one running job, lists and exports it", async () => {
    const sequences = Array.from({ length: 300 }, (_, i) => `HP${"PH".repeat(1 + (i % 5))}H`);
    const batch = await client.call<{ id: string; size: number; jobs: string[] }>(
      "POST",
      "/api/batches",
      { jobs: sequences.map((s, i) => ({ ...job(s), ...(i === 0 ? { targetEnergy: -1 } : {}) })) },
    );
    expect(batch.size).toBe(300);
    const second = await client.call<{ size: number }>("POST", "/api/batches", {
      jobs: [job("HPPH")],
    });
    expect(second.size).toBe(1);
    // two running "jobs" (batches) are this account's quota
    await expectFoldnetError(client.submit(job("HPPH")), {
      code: "API_ERROR_QUOTA",
      limit: "runningJobs",
    });
    const listed = await client.call<{ size: number; running: number; jobs: { id: string }[] }>(
      "GET",
      `/api/batches/${batch.id}`,
    );
    expect(listed.jobs.map((j) => j.id)).toEqual(batch.jobs);
    expect(listed.running).toBe(300);
    const csv = await client.call<string>("GET", `/api/batches/${batch.id}/results?format=csv`);
    const lines = csv.trimEnd().split("\n");
    expect(lines[0]).toBe("line,job,sequence,status,bestEnergy,fold,eStar,steps,timeMs");
    expect(lines).toHaveLength(301);
    expect(lines[1]).toBe(`1,${batch.jobs[0]},${sequences[0]},running,,,-1,0,`);
    const jsonl = await client.call<string>("GET", `/api/batches/${batch.id}/results`);
    const rows = jsonl
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(rows.map((r) => r.sequence)).toEqual(sequences);
    await expectFoldnetError(client.call("GET", `/api/batches/${batch.id}/results?format=xml`), {
      code: "API_ERROR_BAD_REQUEST",
      field: "format",
    });
    await expectFoldnetError(client.call("GET", "/api/batches/bnope"), {
      code: "API_ERROR_NOT_FOUND",
    });
  });
});
