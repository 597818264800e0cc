/**
 * `npm run bench:scale [-- --json] [-- --pg 1,2,3] [-- --no-sqlite] [-- --workers N]
 * [-- --active A] [-- --seconds S] [-- --durable] [-- --no-build]`: the same load against
 * (a) one coordinator on SQLite and (b) 1, 2, 3 coordinators sharing one PostgreSQL database
 * (a throwaway cluster, testkit/pg-cluster.ts; a fresh database per configuration). Each
 * coordinator is `foldnet coordinator` from dist/ in a child process (coordinator-process.ts);
 * the simulated workers (load-client.ts: the real protocol, tiny units — a 10-mer, 1,024
 * steps, K = 1 — so that the coordinators, not folding, are the bottleneck) run in a load
 * process of their own (load-process.ts), N of them (default 2,000) connected and spread
 * evenly over the coordinators' URLs.
 *
 * Per configuration: a closed loop of A (default 100) workers cycling as fast as they can for
 * a window of S seconds (default 8) after a warm-up, then ½ load — all N workers in turn,
 * paced at half the closed loop's results/s — for S seconds. Over the closed loop's window:
 * results accepted per second, assignment latency p50/p99 (workRequest → assignment), the
 * coordinators' CPU ms per accepted result (summed over their processes, from /proc), store
 * transactions per result — the scheduler's (foldnet_store_transaction_seconds_count on every
 * coordinator's /metrics: leases, acceptances, expiries; with the mean acceptance transaction
 * as the coordinators time it: pool wait, locks, commit) for both backends, and on PostgreSQL
 * every committed transaction of the database (pg_stat_database xact_commit, which also counts
 * each statement run outside a transaction: touches, commit bindings, reads), with the rows
 * written, the database's growth and the WAL per result — and the CPU of the PostgreSQL
 * server (postmaster and backends), of the load process and of the machine. A side above
 * 85 % of a core, or the machine above 90 %, is named the bottleneck. Latencies include the
 * load process's own event-loop lag (`clientLoopDelayP99Ms`).
 *
 * Targets (issue 13): p99 < 50 ms with 2,000 connected workers on PostgreSQL; 2 coordinators
 * ≥ 1.6 × the results/s of one where the machine allows — on 2 cores shared by the
 * coordinators, PostgreSQL and the load process it does not, and the report says which side
 * was saturated. PostgreSQL runs with fsync off unless `--durable` (the SQLite coordinator
 * keeps its own durability). Figures: docs/scale.md.
 * @module
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { ApiClient } from "../coordinator/api-client.js";
import { MAX_TRAJECTORIES, MIN_SEGMENTS_PER_UNIT } from "../coordinator/job-spec.js";
import { DEFAULT_JOB_QUOTA } from "../coordinator/job-submit.js";
import { generateIdentity, saveIdentity } from "../protocol/identity.js";
import { PgCluster } from "../testkit/pg-cluster.js";
import {
  buildDist,
  type CoordinatorAddress,
  CoordinatorProcess,
} from "./lib/coordinator-process.js";
import { parentPid, processCpuSeconds, processTreeCpuSeconds } from "./lib/cpu-sample.js";
import { LoadProcess, type SentWindow } from "./lib/load-process.js";
import { argValue, note, report } from "./lib/report.js";
import { type DbCounters, databaseCounters, storeCounters } from "./lib/scale-counters.js";

const TARGET_WORKERS = 2_000;
const TARGET_P99_MS = 50;
const TARGET_SPEEDUP = 1.6;
const SATURATED_PCT = 85;
const SEQUENCE = "HPHPPHHPHH";
const GENERATIONS = 1_000;

const intList = (name: string, fallback: string) =>
  argValue(name, fallback)
    .split(",")
    .filter((s) => s.trim() !== "")
    .map((s) => {
      const n = Number(s);
      if (!Number.isSafeInteger(n) || n < 1) throw new RangeError(`--${name}: ${s}`);
      return n;
    });
const PG_LEVELS = intList("pg", "1,2,3");
const SQLITE = !process.argv.includes("--no-sqlite");
const [WORKERS] = intList("workers", String(TARGET_WORKERS));
const [ACTIVE] = intList("active", "100");
const [SECONDS] = intList("seconds", "8");
const WARMUP_S = Math.min(2, SECONDS! / 4);
const DURABLE = process.argv.includes("--durable");

/** Trajectories one account may have running (DEFAULT_JOB_QUOTA): jobs go to several accounts. */
const ACCOUNT_TRAJECTORIES = DEFAULT_JOB_QUOTA.runningTrajectories;
/** Enough trajectories that every connected worker and every abandoned lease has one. */
const TRAJECTORIES = WORKERS! * 1.5 + ACTIVE! * 4;
const API_KEYS = Array.from(
  { length: Math.ceil(TRAJECTORIES / ACCOUNT_TRAJECTORIES) },
  (_, i) => `fn_${"5ca1e".repeat(6)}${String(i).padStart(2, "0")}`,
);

const WORK_DIR = mkdtempSync(join(tmpdir(), "foldnet-scale-"));
const KEY_FILE = join(WORK_DIR, "network.key.json");

/** Counters sampled at a window's edges by this process. */
interface Counters {
  readonly at: number;
  readonly coordinatorCpuS: number;
  readonly dbCpuS: number | null;
  readonly schedulerTx: number;
  /** Acceptance transactions: their seconds in all and their number. */
  readonly acceptS: number;
  readonly acceptN: number;
  readonly db: DbCounters | null;
}

/** One configuration under test: its coordinators and how to read its database's counters. */
interface Setup {
  readonly label: string;
  readonly coordinators: CoordinatorProcess[];
  readonly addresses: CoordinatorAddress[];
  readonly dbCpuS: () => number | null;
  readonly db: () => Promise<DbCounters | null>;
}

/** foldnet_store_transaction_seconds_count of a coordinator, all operations. */

async function sample(setup: Setup): Promise<Counters> {
  const at = performance.now();
  const coordinatorCpuS = setup.coordinators.reduce(
    (a, c) => a + (c.pid === undefined ? 0 : (processCpuSeconds(c.pid) ?? 0)),
    0,
  );
  const dbCpuS = setup.dbCpuS();
  const [tx, db] = await Promise.all([Promise.all(setup.addresses.map(storeCounters)), setup.db()]);
  const sum = (k: "tx" | "acceptS" | "acceptN") => tx.reduce((s, t) => s + t[k], 0);
  return {
    at,
    coordinatorCpuS,
    dbCpuS,
    schedulerTx: sum("tx"),
    acceptS: sum("acceptS"),
    acceptN: sum("acceptN"),
    db,
  };
}

async function startCoordinators(label: string, dbArgs: (i: number) => string[], n: number) {
  const coordinators: CoordinatorProcess[] = [];
  const addresses: CoordinatorAddress[] = [];
  for (let i = 0; i < n; i++) {
    const c = new CoordinatorProcess({
      workDir: WORK_DIR,
      name: `${label}-${i + 1}`,
      args: [...dbArgs(i), ...API_KEYS.flatMap((k) => ["--api-key", k]), "--lease-seconds", "600"],
      onUnexpectedExit: (code) => note(`${label} coordinator ${i + 1} exited (${code})`),
    });
    coordinators.push(c);
    addresses.push(await c.start()); // one after another: the first migrates the schema
  }
  return { coordinators, addresses };
}

/** Jobs of TRAJECTORIES trajectories in all, each account up to its quota. */
async function submitJobs(address: CoordinatorAddress): Promise<void> {
  const jobs = Math.ceil(TRAJECTORIES / MAX_TRAJECTORIES);
  const perAccount = ACCOUNT_TRAJECTORIES / MAX_TRAJECTORIES;
  for (let j = 0; j < jobs; j++)
    await new ApiClient(address.url, API_KEYS[Math.floor(j / perAccount)]!).submit({
      name: `scale ${j + 1}`,
      sequence: SEQUENCE,
      lattice: "square2d",
      steps: MAX_TRAJECTORIES * MIN_SEGMENTS_PER_UNIT * GENERATIONS,
      trajectories: MAX_TRAJECTORIES,
      unitSteps: MIN_SEGMENTS_PER_UNIT,
      replicas: 1,
    });
}

const per = (x: number | null, results: number, digits = 1) =>
  x === null || results === 0 ? null : Math.round((x / results) * 10 ** digits) / 10 ** digits;
const pctOf = (seconds: number | null, wall: number) =>
  seconds === null ? null : Math.round((seconds / wall) * 100);

function bottleneck(
  coordinatorPctEach: number,
  dbPct: number | null,
  client: number,
  machine: number | null,
) {
  const sides: string[] = [];
  if (coordinatorPctEach >= SATURATED_PCT) sides.push("coordinator");
  if ((dbPct ?? 0) >= SATURATED_PCT) sides.push("postgresql");
  if (client >= SATURATED_PCT) sides.push("load process");
  if (sides.length > 0) return sides.join(" + ");
  return (machine ?? 0) >= 90 ? "machine (all cores busy)" : "none saturated";
}

async function measureSetup(setup: Setup, load: LoadProcess) {
  const urls = setup.addresses.map((a) => a.wsUrl);
  note(`${setup.label}: connecting ${WORKERS} workers over ${urls.length} coordinator(s)…`);
  const ramped = await load.rampTo(WORKERS!, urls);
  if (ramped.failed > 0) note(`  ${ramped.failed} connections failed (last: ${ramped.lastError})`);
  let a: Promise<Counters> | undefined;
  let b: Promise<Counters> | undefined;
  const edges = (edge: "start" | "end") => {
    if (edge === "start") a = sample(setup);
    else b = sample(setup);
  };
  note(`${setup.label}: closed loop of ${ACTIVE} (${WARMUP_S} s + ${SECONDS} s)…`);
  const closed = await load.measure({ mode: "closed", active: ACTIVE! }, SECONDS!, WARMUP_S, edges);
  const [ca, cb] = await Promise.all([a!, b!]);
  const rate = Math.max(5, closed.resultsPerSec / 2);
  note(
    `${setup.label}: ½ load, ${rate} requests/s over all ${ramped.connected} (1 s + ${SECONDS} s)…`,
  );
  const half = await load.measure({ mode: "paced", perSecond: rate }, SECONDS!, 1, () => undefined);
  return figures(setup, ramped.connected, closed, half, ca, cb);
}

function figures(
  setup: Setup,
  connected: number,
  closed: SentWindow,
  half: SentWindow,
  a: Counters,
  b: Counters,
) {
  const wall = (b.at - a.at) / 1000;
  const results = Math.round(closed.resultsPerSec * closed.seconds);
  const coordinatorCpuS = b.coordinatorCpuS - a.coordinatorCpuS;
  const dbCpuS = a.dbCpuS === null || b.dbCpuS === null ? null : b.dbCpuS - a.dbCpuS;
  const n = setup.coordinators.length;
  const coordinatorCpuPct = pctOf(coordinatorCpuS, wall)!;
  const dbCpuPct = pctOf(dbCpuS, wall);
  const dbPer = (k: keyof DbCounters, digits = 1) =>
    a.db === null || b.db === null ? null : per(b.db[k] - a.db[k], results, digits);
  return {
    config: setup.label,
    coordinators: n,
    connected,
    active: ACTIVE!,
    resultsPerSec: closed.resultsPerSec,
    assignmentsPerSec: closed.assignmentsPerSec,
    p50Ms: closed.p50Ms,
    p99Ms: closed.p99Ms,
    coordinatorCpuMsPerResult: per(coordinatorCpuS * 1000, results),
    schedulerTransactionsPerResult: per(b.schedulerTx - a.schedulerTx, results),
    acceptTransactionMs: per((b.acceptS - a.acceptS) * 1000, b.acceptN - a.acceptN),
    dbTransactionsPerResult: dbPer("xacts"),
    dbRowsWrittenPerResult: dbPer("rows"),
    dbBytesGrownPerResult: dbPer("bytes", 0),
    walBytesPerResult: dbPer("walBytes", 0),
    dbCpuMsPerResult: per(dbCpuS === null ? null : dbCpuS * 1000, results),
    coordinatorCpuPct,
    dbCpuPct,
    clientCpuPct: closed.cpu.clientCpuPct,
    clientLoopDelayP99Ms: closed.clientLoopDelayP99Ms,
    machineCpuPct: closed.cpu.machineCpuPct,
    bottleneck: bottleneck(
      coordinatorCpuPct / n,
      dbCpuPct,
      closed.cpu.clientCpuPct,
      closed.cpu.machineCpuPct,
    ),
    halfLoad: {
      requestsPerSec: half.requestsPerSec,
      resultsPerSec: half.resultsPerSec,
      p50Ms: half.p50Ms,
      p99Ms: half.p99Ms,
      clientCpuPct: half.cpu.clientCpuPct,
    },
    errors: closed.stats.errors + half.stats.errors,
    rejected: closed.stats.rejected + half.stats.rejected,
    errorCodes: { ...closed.stats.errorCodes, ...half.stats.errorCodes },
  };
}

type Figures = Awaited<ReturnType<typeof measureSetup>>;

async function run(label: string, open: () => Promise<Setup>): Promise<Figures> {
  const setup = await open();
  const load = new LoadProcess();
  try {
    await submitJobs(setup.addresses[0]!);
    return await measureSetup(setup, load);
  } finally {
    await load.close();
    await Promise.all(setup.coordinators.map((c) => c.stop()));
    note(`${label}: done`);
  }
}

async function sqliteSetup(): Promise<Setup> {
  const db = join(WORK_DIR, "sqlite.db");
  const started = await startCoordinators("sqlite", () => ["--db", db], 1);
  return { label: "sqlite ×1", ...started, dbCpuS: () => null, db: async () => null };
}

async function pgSetup(cluster: PgCluster, admin: pg.Client, postmaster: number, n: number) {
  const name = `scale_${n}`;
  await admin.query(`CREATE DATABASE ${name}`);
  const url = cluster.url.replace(/\/[^/]+$/, `/${name}`);
  const started = await startCoordinators(`pg${n}`, () => ["--db", url, "--key", KEY_FILE], n);
  return {
    label: `postgresql ×${n}`,
    ...started,
    dbCpuS: () => processTreeCpuSeconds(postmaster) ?? null,
    db: () => databaseCounters(admin, name),
  } satisfies Setup;
}

const fmt = (x: number | null) => (x === null ? "–" : x.toLocaleString("en-US"));

async function main(): Promise<void> {
  buildDist();
  saveIdentity(KEY_FILE, generateIdentity());
  const levels: Figures[] = [];
  if (SQLITE) levels.push(await run("sqlite", sqliteSetup));
  if (PG_LEVELS.length > 0) {
    note(`starting a throwaway PostgreSQL cluster (fsync ${DURABLE ? "on" : "off"})…`);
    const cluster = await PgCluster.create({ fast: !DURABLE });
    const admin = new pg.Client({ connectionString: cluster.url.replace(/\/[^/]+$/, "/postgres") });
    try {
      await admin.connect();
      const { rows } = await admin.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
      const postmaster = parentPid(rows[0]!.pid)!;
      for (const n of PG_LEVELS)
        levels.push(await run(`pg${n}`, () => pgSetup(cluster, admin, postmaster, n)));
    } finally {
      await admin.end().catch(() => undefined);
      await cluster.destroy();
    }
  }
  const pgOf = (n: number) => levels.find((l) => l.config === `postgresql ×${n}`);
  const speedup =
    pgOf(1) && pgOf(2) && pgOf(1)!.resultsPerSec > 0
      ? Math.round((pgOf(2)!.resultsPerSec / pgOf(1)!.resultsPerSec) * 100) / 100
      : null;
  const pgAt2000 = levels.filter(
    (l) => l.config.startsWith("postgresql") && l.connected >= TARGET_WORKERS,
  );
  const rows = levels.map((l) => ({
    config: l.config,
    connected: l.connected,
    "results/s": fmt(l.resultsPerSec),
    "p50/p99 ms": `${fmt(l.p50Ms)} / ${fmt(l.p99Ms)}`,
    "½ load p50/p99 ms": `${fmt(l.halfLoad.p50Ms)} / ${fmt(l.halfLoad.p99Ms)}`,
    "coord CPU ms/result": fmt(l.coordinatorCpuMsPerResult),
    "sched tx/result": fmt(l.schedulerTransactionsPerResult),
    "accept tx ms": fmt(l.acceptTransactionMs),
    "db tx/result": fmt(l.dbTransactionsPerResult),
    "pg CPU ms/result": fmt(l.dbCpuMsPerResult),
    "CPU % coord/pg/client/machine": `${l.coordinatorCpuPct}/${fmt(l.dbCpuPct)}/${l.clientCpuPct}/${fmt(l.machineCpuPct)}`,
    errors: l.errors,
    bottleneck: l.bottleneck,
  }));
  report(
    `bench:scale — ${WORKERS} workers (load process) against 1 coordinator on SQLite and 1–3 on one PostgreSQL; closed loop of ${ACTIVE}, ${SECONDS} s windows`,
    rows,
    {
      levels,
      workers: WORKERS,
      active: ACTIVE,
      secondsPerWindow: SECONDS,
      postgresFsync: DURABLE,
      twoCoordinatorSpeedup: speedup,
      targetSpeedup: TARGET_SPEEDUP,
      targetP99Ms: TARGET_P99_MS,
      p99TargetMet:
        pgAt2000.length === 0 ? null : pgAt2000.every((l) => (l.p99Ms ?? Infinity) < TARGET_P99_MS),
      p99TargetMetAtHalfLoad:
        pgAt2000.length === 0
          ? null
          : pgAt2000.every((l) => (l.halfLoad.p99Ms ?? Infinity) < TARGET_P99_MS),
    },
  );
  if (speedup !== null)
    note(
      `2 coordinators / 1 on PostgreSQL: ${speedup}× (target ${TARGET_SPEEDUP}×, where the machine allows)`,
    );
}

main()
  .catch((err: unknown) => {
    note(`bench:scale failed: ${(err as Error).stack ?? String(err)}`);
    process.exitCode = 1;
  })
  .finally(() => {
    if (process.argv.includes("--keep")) note(`kept ${WORK_DIR} (coordinator logs)`);
    else rmSync(WORK_DIR, { recursive: true, force: true });
    process.exit();
  });
