import { readFileSync } from "node:fs";
import { register as globalRegister, Registry } from "prom-client";
import { afterEach, describe, expect, it } from "vitest";
import { ErrorAction } from "../../../common/errors.js";
import { parseJobSpec } from "../../../coordinator/job-spec.js";
import {
  collectCoordinatorState,
  createCoordinatorMetrics,
  JOB_SERIES_RETENTION_MS,
} from "../../../coordinator/metrics.js";
import { DEFAULT_SCHEDULER_OPTIONS, Scheduler } from "../../../coordinator/scheduler.js";
import { settledStore } from "../../../coordinator/store/settled-store.js";
import { SqliteStore } from "../../../coordinator/store/sqlite-store.js";
import { createWorkerMetrics, serveMetrics } from "../../../worker/metrics.js";
import type { WorkerStatus } from "../../../worker/status.js";

/** The value of one series in a registry ("name{a="b"}" or "name"). */
async function value(register: Registry, series: string): Promise<number | undefined> {
  const text = await register.metrics();
  for (const line of text.split("\n")) {
    if (line.startsWith("#")) continue;
    const cut = line.lastIndexOf(" ");
    if (line.slice(0, cut) === series) return Number(line.slice(cut + 1));
  }
  return undefined;
}

const stores: SqliteStore[] = [];
afterEach(() => {
  for (const s of stores.splice(0)) s.close();
});

function network(now: { t: number }) {
  const sync = new SqliteStore(":memory:");
  stores.push(sync);
  const store = settledStore(sync);
  const metrics = createCoordinatorMetrics(new Registry());
  const scheduler = new Scheduler(
    { ...DEFAULT_SCHEDULER_OPTIONS, minLeaseMs: 1_000 },
    { store, now: () => now.t, metrics },
  );
  return { store, metrics, scheduler };
}

const spec = (trajectories: number) =>
  parseJobSpec({
    name: "metrics",
    sequence: "HPHPPHHPHPPHPHHPPHPH",
    steps: 2 * 65_536 * trajectories,
    trajectories,
    unitSteps: 65_536,
  });

describe("createCoordinatorMetrics", () => {
  it("registers every metric on its own registry, none on prom-client's global one", async () => {
    const register = new Registry();
    createCoordinatorMetrics(register);
    const names = (await register.getMetricsAsJSON()).map((m) => m.name);
    const foldnet = names.filter((n) => n.startsWith("foldnet_"));
    expect(foldnet.length).toBeGreaterThanOrEqual(17);
    for (const name of foldnet) expect(name).toMatch(/^foldnet_[a-z]+_[a-z_]+$/);
    expect(names).toContain("process_cpu_seconds_total"); // process metrics
    expect(globalRegister.getMetricsAsArray().some((m) => m.name.startsWith("foldnet_"))).toBe(
      false,
    );
    // A second process-wide factory on another registry does not collide.
    expect(() => createCoordinatorMetrics(new Registry())).not.toThrow();
  });

  it("counts outcomes by reason and action, and tokens given as bigints", async () => {
    const m = createCoordinatorMetrics(new Registry());
    m.intake.observeOutcome("accepted", "");
    m.intake.observeOutcome("duplicate", "");
    m.intake.observeOutcome(ErrorAction.REJECT, "RESULT_ERROR_ENERGY_MISMATCH");
    m.intake.observeOutcome(ErrorAction.REJECT, "RESULT_ERROR_ENERGY_MISMATCH");
    m.intake.observeOutcome(ErrorAction.IGNORE, "RESULT_ERROR_STALE");
    m.ledger.blocksSealed.inc();
    m.ledger.tokensIssued.inc(2_500_000n);
    m.ledger.tokensIssued.inc(500_000);
    const r = m.register;
    expect(await value(r, "foldnet_intake_results_accepted_total")).toBe(1);
    expect(await value(r, "foldnet_intake_results_duplicate_total")).toBe(1);
    expect(
      await value(
        r,
        'foldnet_intake_results_rejected_total{reason="RESULT_ERROR_ENERGY_MISMATCH",action="REJECT"}',
      ),
    ).toBe(2);
    expect(
      await value(
        r,
        'foldnet_intake_results_rejected_total{reason="RESULT_ERROR_STALE",action="IGNORE"}',
      ),
    ).toBe(1);
    expect(await value(r, "foldnet_ledger_blocks_sealed_total")).toBe(1);
    expect(await value(r, "foldnet_ledger_tokens_issued_total")).toBe(3_000_000);
  });

  it("times a verification from its first commit to its verdict, once", async () => {
    const m = createCoordinatorMetrics(new Registry());
    m.intake.verificationStarted("aa");
    m.intake.verificationStarted("aa"); // a re-sent commit keeps its first time
    m.intake.verificationStarted("bb");
    m.intake.verdictSent("aa", true);
    m.intake.verdictSent("aa", true); // a second verdict (duplicate answer) is not timed again
    m.intake.verdictSent("bb", false);
    m.intake.verdictSent("cc", true); // never committed on this coordinator
    const r = m.register;
    expect(await value(r, 'foldnet_intake_verification_seconds_count{verdict="accepted"}')).toBe(1);
    expect(await value(r, 'foldnet_intake_verification_seconds_count{verdict="rejected"}')).toBe(1);
  });

  it("bounds the verifications it times at once, dropping the oldest", async () => {
    const m = createCoordinatorMetrics(new Registry());
    for (let i = 0; i <= 10_000; i++) m.intake.verificationStarted(`a${i}`);
    m.intake.verdictSent("a0", true); // dropped to make room
    m.intake.verdictSent("a10000", true);
    expect(
      await value(m.register, 'foldnet_intake_verification_seconds_count{verdict="accepted"}'),
    ).toBe(1);
  });
});

describe("scheduler and scrape-time gauges", () => {
  it("count leases, reissues and completions, time store transactions, and fill job gauges", async () => {
    const now = { t: 1_000_000 };
    const { store, metrics, scheduler } = network(now);
    const job = await scheduler.submitJob(spec(3));
    let connected = ["k1", "k2", "k1"];
    collectCoordinatorState(metrics, {
      store,
      connectedWorkers: () => connected,
      connections: () => 4,
      parkedRequests: () => 1,
      now: () => now.t,
    });
    const r = metrics.register;
    expect(await value(r, 'foldnet_scheduler_units{status="queued"}')).toBe(3);
    expect(await value(r, 'foldnet_scheduler_jobs{status="running"}')).toBe(1);
    expect(await value(r, `foldnet_job_progress_ratio{job_id="${job.id}"}`)).toBe(0);
    expect(await value(r, `foldnet_job_best_energy{job_id="${job.id}"}`)).toBeUndefined();
    expect(await value(r, "foldnet_endpoint_connected_workers")).toBe(2); // distinct keys
    expect(await value(r, "foldnet_endpoint_connections")).toBe(4);
    expect(await value(r, "foldnet_endpoint_parked_requests")).toBe(1);

    const leases = await scheduler.lease("k1", 2);
    expect(leases).toHaveLength(2);
    expect(await value(r, "foldnet_scheduler_units_leased_total")).toBe(2);
    expect(await value(r, 'foldnet_scheduler_units{status="leased"}')).toBe(2);
    expect(await value(r, 'foldnet_store_transaction_seconds_count{op="lease_units"}')).toBe(1);

    now.t += 60_000; // past the 1 s minimum lease (65 536 steps at 200 k steps/s ≈ 0.33 s)
    expect(await scheduler.sweep()).toHaveLength(2);
    expect(await value(r, "foldnet_scheduler_units_reissued_total")).toBe(2);
    expect(await value(r, 'foldnet_store_transaction_seconds_count{op="expire_leases"}')).toBe(1);

    connected = [];
    expect(await value(r, "foldnet_endpoint_connected_workers")).toBe(0);
  });

  it("keeps per-job series for running jobs and for an hour after a job ends", async () => {
    const now = { t: 5_000_000 };
    const { store, metrics, scheduler } = network(now);
    const job = await scheduler.submitJob(spec(1));
    collectCoordinatorState(metrics, {
      store,
      connectedWorkers: () => [],
      connections: () => 0,
      parkedRequests: () => 0,
      now: () => now.t,
    });
    await store.cancelJob(job.id, now.t);
    const series = `foldnet_job_progress_ratio{job_id="${job.id}"}`;
    expect(await value(metrics.register, series)).toBe(0);
    now.t += JOB_SERIES_RETENTION_MS;
    expect(await value(metrics.register, series)).toBeUndefined();
  });
});

describe("worker metrics", () => {
  const status = (over: Partial<WorkerStatus> = {}): WorkerStatus => ({
    connection: "connected",
    coordinator: "ws://127.0.0.1:1/ws",
    keyId: "k",
    workerId: "k",
    threads: 4,
    units: [],
    stepsPerSecond: 1234.5,
    bestEnergy: undefined,
    resultsSubmitted: 0,
    resultsAccepted: 0,
    resultsRejected: 0,
    tokensEarned: 0n,
    spooled: 2,
    reconnects: 0,
    ...over,
  });

  it("reads gauges from the worker's status at scrape time and serves them on 127.0.0.1", async () => {
    let current = status();
    const m = createWorkerMetrics(new Registry(), () => current);
    m.steps.inc(1000);
    m.resultsAccepted.inc();
    m.resultsRejected.inc({ reason: "RESULT_ERROR_WORK_MISMATCH" });
    m.tokensEarned.inc(1_500_000n);
    m.reconnects.inc();
    const r = m.register;
    expect(await value(r, "foldnet_worker_threads")).toBe(4);
    expect(await value(r, "foldnet_worker_connected")).toBe(1);
    expect(await value(r, "foldnet_worker_results_spooled")).toBe(2);
    expect(await value(r, "foldnet_worker_steps_per_second")).toBe(1234.5);
    expect(await value(r, "foldnet_worker_steps_total")).toBe(1000);
    expect(await value(r, "foldnet_worker_tokens_earned_total")).toBe(1_500_000);
    expect(
      await value(r, 'foldnet_worker_results_rejected_total{reason="RESULT_ERROR_WORK_MISMATCH"}'),
    ).toBe(1);
    current = status({ connection: "waiting" });
    expect(await value(r, "foldnet_worker_connected")).toBe(0);

    const server = await serveMetrics(r, 0);
    try {
      expect(server.url).toBe(`http://127.0.0.1:${server.port}/metrics`);
      const res = await fetch(server.url);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toContain("text/plain");
      expect(await res.text()).toContain("foldnet_worker_steps_total 1000");
      expect((await fetch(`http://127.0.0.1:${server.port}/`)).status).toBe(404);
    } finally {
      await server.close();
    }
    await expect(serveMetrics(r, 70_000)).rejects.toThrow(RangeError);
  });
});

describe("docs/metrics.md", () => {
  it("lists every foldnet metric of the coordinator and the worker", async () => {
    const doc = readFileSync(new URL("../../../docs/metrics.md", import.meta.url), "utf8");
    const coordinator = createCoordinatorMetrics(new Registry()).register;
    const worker = createWorkerMetrics(new Registry(), () => status0).register;
    const names = [...(await coordinator.getMetricsAsJSON()), ...(await worker.getMetricsAsJSON())]
      .map((m) => m.name)
      .filter((n) => n.startsWith("foldnet_"));
    for (const name of names) expect(doc, name).toContain(`\`${name}\``);
  });
});

const status0: WorkerStatus = {
  connection: "idle",
  coordinator: "",
  keyId: "",
  workerId: undefined,
  threads: 1,
  units: [],
  stepsPerSecond: 0,
  bestEnergy: undefined,
  resultsSubmitted: 0,
  resultsAccepted: 0,
  resultsRejected: 0,
  tokensEarned: 0n,
  spooled: 0,
  reconnects: 0,
};
