/**
 * `npm run bench:store [-- --json] [-- --coordinators 1,2,3] [-- --lanes 8] [-- --seconds S]
 * [-- --durable]`: the store alone, without the network — how many results per second one
 * database takes, and what the lease and acceptance calls cost. A closed loop of `--lanes`
 * (8) concurrent workers per store, each leasing one unit and accepting a result of it (a
 * plan that ends every trajectory, a 64-byte ledger entry), for S seconds (default 5), against:
 * SQLite (today's SqliteStore on a temporary file, WAL with synchronous = FULL), then 1, 2, 3
 * PgStores (one pool each, as several coordinators) on one throwaway PostgreSQL cluster
 * (testkit/pg-cluster.ts; `fsync = off` unless `--durable`). Per level: results/s, p50/p99 of
 * `leaseUnits` and `acceptResult`, PostgreSQL transactions per result (pg_stat_database),
 * and the CPU of this process (all the stores' client side) and of the machine (with the
 * database server). Every acceptance of the network passes the ledger lock (docs/decisions.md
 * 80), so results/s flattening from 1 to 3 stores while the machine is not busy names it as
 * the bound; with the machine busy, the CPU is.
 *
 * Measured on the 2-core development VM while other engineers' tests kept it 100 % busy (load
 * 9–15), so these say little about capacity: SQLite 86–650 results/s; PostgreSQL (fsync off)
 * 1 store 102–118, 2 stores 65–130, 3 stores 73–134 results/s; lease p50 23–45 ms, accept
 * p50 35–190 ms; 2.1–2.2 transactions per result (a lease, an acceptance). Run it on an idle
 * machine for the figures.
 * @module
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { openPgStore } from "../coordinator/store/pg/pg-store.js";
import { settledStore } from "../coordinator/store/settled-store.js";
import { SqliteStore } from "../coordinator/store/sqlite-store.js";
import type { AcceptancePlan, JobRecord, Store } from "../coordinator/store/store.js";
import { PgCluster } from "../testkit/pg-cluster.js";
import { cpuBetween, sampleCpu } from "./lib/cpu-sample.js";
import { percentile } from "./lib/load-fleet.js";
import { argValue, note, report } from "./lib/report.js";

/** The calls the loop makes. */
type BenchStore = Pick<Store, "createJob" | "leaseUnits" | "acceptResult" | "close">;

const seconds = Number(argValue("seconds", "5"));
const lanes = Number(argValue("lanes", "8"));
const levels = argValue("coordinators", "1,2,3").split(",").map(Number);
const durable = process.argv.includes("--durable");
const UNITS_PER_JOB = 2_000;
const STATE = new Uint8Array(96).fill(7);
const ENTRY = new Uint8Array(64).fill(1);

/** Jobs enough for the window: units of one trajectory-generation each. */
async function seed(store: BenchStore, units: number): Promise<void> {
  for (let j = 0; j * UNITS_PER_JOB < units; j++) {
    const id = `j${j}`;
    const job: JobRecord = {
      id,
      name: id,
      sequence: "HPHPPHHPHH",
      lattice: "square2d",
      model: "hp",
      cooperate: false,
      steps: UNITS_PER_JOB * 1024,
      trajectories: UNITS_PER_JOB,
      generations: 1,
      unitSteps: 1024,
      checkpointInterval: 16,
      replicas: 1,
      targetEnergy: null,
      status: "running",
      bestEnergy: null,
      bestFold: null,
      bestUnit: null,
      stepsDone: 0,
      unitsDone: 0,
      createdAt: j,
      finishedAt: null,
    };
    const list = Array.from({ length: UNITS_PER_JOB }, (_, t) => ({
      id: `${id}-${t}`,
      jobId: id,
      trajectory: t,
      generation: 0,
      startState: STATE,
      steps: 1024,
      status: "queued" as const,
      source: null,
    }));
    await store.createJob({ job, units: list });
  }
}

const plan = (): AcceptancePlan => ({
  nextUnit: null,
  finishJob: false,
  credit: { entry: ENTRY, reward: 1n, work: 1n },
});

/** One worker's closed loop until `until`; latencies pushed to the arrays. */
async function lane(
  store: BenchStore,
  key: string,
  until: number,
  lease: number[],
  accept: number[],
) {
  let results = 0;
  while (performance.now() < until) {
    const t0 = performance.now();
    const [got] = await store.leaseUnits(key, 1, Date.now(), () => 600_000);
    const t1 = performance.now();
    lease.push(t1 - t0);
    if (got === undefined) break;
    const outcome = await store.acceptResult(
      {
        assignmentId: got.assignment.id,
        workerKey: key,
        bestEnergy: -1,
        bestFold: "RRUULLDDR",
        steps: 1024,
        finalState: STATE,
        finalStateHash: new Uint8Array(32),
        merkleRoot: new Uint8Array(32),
        segments: [0, 1],
        at: Date.now(),
      },
      plan,
    );
    accept.push(performance.now() - t1);
    if (outcome.kind === "accepted") results++;
  }
  return results;
}

/**
 * Runs the loop on `stores` (lanes each), closes them (their sessions' statistics reach
 * pg_stat_database when they end) and measures it.
 */
async function measure(backend: string, stores: BenchStore[], xacts: () => Promise<number>) {
  await seed(stores[0]!, 40_000);
  const lease: number[] = [];
  const accept: number[] = [];
  const x0 = await xacts();
  const cpu0 = sampleCpu(undefined);
  const start = performance.now();
  const until = start + seconds * 1_000;
  const done = await Promise.all(
    stores.flatMap((s, i) =>
      Array.from({ length: lanes }, (_, l) =>
        lane(s, (i * 1_000 + l).toString(16).padStart(64, "0"), until, lease, accept),
      ),
    ),
  );
  const wall = (performance.now() - start) / 1_000;
  const cpu = cpuBetween(cpu0, sampleCpu(undefined));
  const results = done.reduce((a, b) => a + b, 0);
  await Promise.all(stores.map((s) => s.close()));
  const x1 = await xacts();
  lease.sort((a, b) => a - b);
  accept.sort((a, b) => a - b);
  const ms = (x: number | null) => (x === null ? null : Math.round(x * 10) / 10);
  return {
    backend,
    coordinators: stores.length,
    resultsPerSecond: Math.round(results / wall),
    leaseP50Ms: ms(percentile(lease, 50)),
    leaseP99Ms: ms(percentile(lease, 99)),
    acceptP50Ms: ms(percentile(accept, 50)),
    acceptP99Ms: ms(percentile(accept, 99)),
    transactionsPerResult: x1 < 0 ? null : Math.round(((x1 - x0) / results) * 10) / 10,
    clientCpuPct: cpu.clientCpuPct,
    machineCpuPct: cpu.machineCpuPct,
  };
}

async function sqliteLevel() {
  const dir = mkdtempSync(join(tmpdir(), "foldnet-store-bench-"));
  const store = settledStore(new SqliteStore(join(dir, "bench.db")));
  try {
    return await measure("sqlite", [store], async () => -1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function pgLevel(cluster: PgCluster, n: number) {
  const name = `bench_${n}`;
  const admin = new pg.Client({ connectionString: cluster.url });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = cluster.url.replace(/\/[^/]+$/, `/${name}`);
  const stores = await Promise.all(
    Array.from({ length: n }, () => openPgStore(url, { maxConnections: lanes })),
  );
  const xacts = async () => {
    await new Promise((r) => setTimeout(r, 1_100)); // until the ended sessions have reported
    await admin.query("SELECT pg_stat_clear_snapshot()");
    const { rows } = await admin.query(
      "SELECT xact_commit + xact_rollback AS n FROM pg_stat_database WHERE datname = $1",
      [name],
    );
    return Number(rows[0].n);
  };
  try {
    return await measure("postgresql", stores, xacts);
  } finally {
    await admin.end();
  }
}

const cluster = await PgCluster.create({ fast: !durable });
try {
  const rows = [];
  note("sqlite…");
  rows.push(await sqliteLevel());
  for (const n of levels) {
    note(`postgresql × ${n}…`);
    rows.push(await pgLevel(cluster, n));
  }
  report(
    `store: ${lanes} lanes per store, ${seconds} s, PostgreSQL ${durable ? "durable" : "fsync off"}`,
    rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v ?? "–"]))),
    { lanes, seconds, durable, levels: rows },
  );
} finally {
  await cluster.destroy();
}
