/**
 * A real Prometheus server (Debian's `prometheus` package: /usr/bin/prometheus and promtool,
 * installed by npm test) scrapes a real coordinator process every second on 127.0.0.1; the
 * test reads foldnet metrics back through Prometheus's HTTP query API and checks them
 * against what it made happen (a job, a connected worker, one accepted and one rejected
 * result), then from a real worker process started with `--metrics-port`, scraped too, as it
 * finishes the job. promtool lints the coordinator's exposition and checks and unit-tests the
 * alerting rules.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FOLDNET_BIN } from "../helpers/cli.js";
import {
  type CoordinatorProc,
  freePort,
  startCoordinator,
  tempDir,
  waitFor,
} from "../helpers/network.js";
import { ScriptedWorker } from "../helpers/scripted-worker.js";

const PROMETHEUS = "/usr/bin/prometheus";
const PROMTOOL = "/usr/bin/promtool";
const RULES = fileURLToPath(new URL("../../ops/prometheus/alerts.yml", import.meta.url));
const RULE_TESTS = fileURLToPath(new URL("../../ops/prometheus/alerts.test.yml", import.meta.url));
const KEY = "fn_prometheus_test";

let coordinator: CoordinatorProc | undefined;
let prometheus: ChildProcess | undefined;
let workerProc: ChildProcess | undefined;
let workerLog = "";
let workerMetricsPort = 0;
let prometheusLog = "";
let promUrl = "";
let dir = "";
const workers: ScriptedWorker[] = [];

/** Prometheus's instant query: the series of `query` with their values. */
async function query(q: string): Promise<{ metric: Record<string, string>; value: number }[]> {
  const res = await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(q)}`);
  const body = (await res.json()) as {
    status: string;
    data: { result: { metric: Record<string, string>; value: [number, string] }[] };
  };
  if (body.status !== "success") throw new Error(`query ${q} failed: ${JSON.stringify(body)}`);
  return body.data.result.map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
}

/** Waits until Prometheus has scraped `q` with exactly `expected`. */
const scraped = (q: string, expected: number) =>
  waitFor(
    `Prometheus to report ${q} = ${expected}`,
    async () => {
      const series = await query(q);
      return series.length === 1 && series[0]?.value === expected ? series : undefined;
    },
    30_000,
    250,
  );

beforeAll(async () => {
  if (!existsSync(PROMETHEUS) || !existsSync(PROMTOOL)) {
    throw new Error(
      `this test needs a real Prometheus: ${PROMETHEUS} and ${PROMTOOL} are missing. ` +
        "Install Debian's package: apt-get install prometheus (npm test does: test/system-deps.sh).",
    );
  }
  dir = tempDir("prometheus");
  coordinator = await startCoordinator(join(dir, "c.db"), 0, KEY);
  const target = new URL(coordinator.url).host;
  workerMetricsPort = await freePort();
  const config = join(dir, "prometheus.yml");
  writeFileSync(
    config,
    [
      "global:",
      "  scrape_interval: 1s",
      "  scrape_timeout: 1s",
      "  evaluation_interval: 1s",
      `rule_files: [${JSON.stringify(RULES)}]`,
      "scrape_configs:",
      "  - job_name: foldnet-coordinator",
      `    static_configs: [{ targets: [${JSON.stringify(target)}] }]`,
      "  - job_name: foldnet-worker",
      `    static_configs: [{ targets: ["127.0.0.1:${workerMetricsPort}"] }]`,
      "",
    ].join("\n"),
  );
  const port = await freePort();
  promUrl = `http://127.0.0.1:${port}`;
  prometheus = spawn(
    PROMETHEUS,
    [
      `--config.file=${config}`,
      `--storage.tsdb.path=${join(dir, "tsdb")}`,
      `--web.listen-address=127.0.0.1:${port}`,
      "--log.level=warn",
    ],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  prometheus.stderr?.on("data", (d: Buffer) => {
    prometheusLog += d.toString();
  });
  const proc = prometheus;
  await waitFor(
    "Prometheus to be ready",
    async () => {
      if (proc.exitCode !== null) throw new Error(`prometheus exited:\n${prometheusLog}`);
      return (await fetch(`${promUrl}/-/ready`)).ok ? true : undefined;
    },
    30_000,
    200,
  ).catch((err: unknown) => {
    throw new Error(`${(err as Error).message}\nprometheus log:\n${prometheusLog}`);
  });
});

afterAll(async () => {
  for (const w of workers.splice(0)) w.close();
  if (workerProc !== undefined && workerProc.exitCode === null) {
    const exited = new Promise((resolve) => workerProc?.once("exit", resolve));
    workerProc.kill("SIGKILL");
    await exited;
  }
  if (prometheus !== undefined && prometheus.exitCode === null) {
    const exited = new Promise((resolve) => prometheus?.once("exit", resolve));
    prometheus.kill("SIGKILL");
    await exited;
  }
  await coordinator?.kill("SIGKILL");
  if (dir !== "") rmSync(dir, { recursive: true, force: true });
});

describe("a real Prometheus scraping a coordinator process", () => {
  it("reads foldnet metrics that match the coordinator's state through the query API", async () => {
    const c = coordinator!;
    await scraped(`up{job="foldnet-coordinator"}`, 1);
    await scraped("foldnet_endpoint_connected_workers", 0);

    const submitted = await fetch(`${c.url}/api/jobs`, {
      method: "POST",
      headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
      body: JSON.stringify({
        name: "prometheus",
        sequence: "HPHPPHHPHPPHPHHPPHPH",
        steps: 2 * 65_536,
        trajectories: 1,
        unitSteps: 65_536,
      }),
    });
    expect(submitted.status).toBe(201);
    const job = (await submitted.json()) as { id: string };
    await scraped(`foldnet_job_progress_ratio{job_id="${job.id}"}`, 0);
    await scraped('foldnet_scheduler_units{status="queued"}', 1);

    const worker = await ScriptedWorker.connect(c.wsUrl);
    workers.push(worker);
    await scraped("foldnet_endpoint_connected_workers", 1);

    const assignment = await worker.lease();
    const result = worker.run(assignment);
    const lie = await worker.submit(
      worker.resign({ ...result, bestEnergy: result.bestEnergy - 1 }),
    );
    expect(lie).toMatchObject({ accepted: false, code: "RESULT_ERROR_ENERGY_MISMATCH" });
    expect(await worker.submit(result)).toMatchObject({ accepted: true });

    await scraped("foldnet_scheduler_units_leased_total", 1);
    await scraped("foldnet_scheduler_units_completed_total", 1);
    await scraped(
      'foldnet_intake_results_rejected_total{reason="RESULT_ERROR_ENERGY_MISMATCH",action="REJECT"}',
      1,
    );
    await scraped(`foldnet_job_progress_ratio{job_id="${job.id}"}`, 0.5);
    await scraped(`foldnet_job_best_energy{job_id="${job.id}"}`, result.bestEnergy);
    await scraped('foldnet_intake_verification_seconds_count{verdict="accepted"}', 1);
    await scraped("foldnet_endpoint_assignment_latency_seconds_count", 1);
    await scraped('foldnet_store_transaction_seconds_count{op="accept_result"}', 1);

    // A worker process with its own metrics endpoint takes the job's last unit.
    workerProc = spawn(
      process.execPath,
      [
        FOLDNET_BIN,
        "worker",
        "--coordinator",
        c.wsUrl,
        "--threads",
        "1",
        "--identity",
        join(dir, "worker.json"),
        "--spool",
        join(dir, "spool"),
        "--metrics-port",
        String(workerMetricsPort),
      ],
      { stdio: ["ignore", "ignore", "pipe"] },
    );
    workerProc.stderr?.on("data", (d: Buffer) => {
      workerLog += d.toString();
    });
    await scraped(`up{job="foldnet-worker"}`, 1).catch((err: unknown) => {
      throw new Error(`${(err as Error).message}\nworker log:\n${workerLog}`);
    });
    expect(workerLog).toContain(
      `metrics listening {"url":"http://127.0.0.1:${workerMetricsPort}/metrics"}`,
    );
    await scraped("foldnet_worker_results_accepted_total", 1);
    await scraped("foldnet_worker_steps_total", 65_536);
    await scraped("foldnet_worker_connected", 1);
    await scraped("foldnet_worker_threads", 1);
    await scraped("foldnet_scheduler_units_completed_total", 2);
    await scraped(`foldnet_job_progress_ratio{job_id="${job.id}"}`, 1);
    await scraped("foldnet_endpoint_connected_workers", 2);

    // Prometheus loaded the alerting rules it was given.
    const rules = (await (await fetch(`${promUrl}/api/v1/rules`)).json()) as {
      data: { groups: { name: string; rules: { name: string; health: string }[] }[] };
    };
    const loaded = rules.data.groups.flatMap((g) => g.rules);
    expect(loaded.map((r) => r.name)).toContain("FoldnetNoWorkersConnected");
    expect(loaded.every((r) => r.health !== "err")).toBe(true);
  });

  it("passes promtool's checks: both expositions, the rules and their unit tests", async () => {
    for (const [url, metric] of [
      [`${coordinator!.url}/metrics`, "foldnet_endpoint_connected_workers"],
      [`http://127.0.0.1:${workerMetricsPort}/metrics`, "foldnet_worker_steps_total"],
    ] as const) {
      const exposition = await (await fetch(url)).text();
      expect(exposition).toContain(metric);
      const lint = spawnSync(PROMTOOL, ["check", "metrics"], {
        input: exposition,
        encoding: "utf8",
      });
      expect(`${lint.stdout}${lint.stderr}`, url).toBe("");
      expect(lint.status).toBe(0);
    }

    const rules = spawnSync(PROMTOOL, ["check", "rules", RULES], { encoding: "utf8" });
    expect(rules.stdout + rules.stderr).toContain("SUCCESS");
    expect(rules.status).toBe(0);
    const tests = spawnSync(PROMTOOL, ["test", "rules", RULE_TESTS], { encoding: "utf8" });
    expect(tests.stdout + tests.stderr).toContain("SUCCESS");
    expect(tests.status).toBe(0);
  });
});
