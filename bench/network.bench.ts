/**
 * `npm run bench:network [-- --json]`: one job on a hard instance run through a real network —
 * a `foldnet coordinator` child process (dist/, throwaway SQLite) and one `foldnet worker`
 * child process with W threads — for each W of `--threads` (default 1,2) and cooperation on
 * and off (`--cooperate on,off`), `--seeds` runs each (default 3; each run is a fresh
 * coordinator, so a fresh job id and trajectory seeds). A run submits the job with the
 * instance's best-known energy E* as its target once the worker is connected, and ends when
 * the job is done (E* reached: the time is the coordinator's `finishedAt − createdAt`) or after
 * `--seconds` (default 30; the run counts as not reaching E* and the time as the budget). Per
 * configuration: median seconds to E*, runs reaching it, median verified steps at the end (the
 * work it took: with free cores W threads need W× fewer seconds for the same steps), best
 * energies, median verified steps per second. Speedups, cooperation on and off: `time`, the
 * median time to E* of the first thread count over W's; `throughput`, W's median steps/s over
 * the first's (what the network computes, free of the search's luck: a 2-core machine shared
 * with other work bounds it, see docs/coordinator.md).
 *
 * `--simulate 1,2,4,8` runs simulated workers instead (bench/lib/simulated-network.ts: the real
 * scheduler, store and engine on a virtual clock, unequal worker speeds), for as many workers
 * as wanted whatever the cores and the load; times are then in unit-times, and a run stops at
 * E* or after about `--max-steps` (default 4·10⁸) verified steps.
 *
 * Options: `--instance ID` (default 2D-85, bench/data), `--trajectories T` (default 4),
 * `--unit-steps U` (default 2²² ≈ 0.3 s of a thread on the 85-mer), `--quick` (the smoke test's
 * mode: the 2D 20-mer, one seed, one thread, cooperation on, 20 s), `--first-seed S`,
 * `--no-build`, `--keep`.
 * Runs are interleaved (seed-major), so a change of the machine's load hits every configuration.
 * @module
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { ApiClient, type JobView } from "../coordinator/api-client.js";
import { workerArgs } from "../testkit/worker-args.js";
import { buildDist, CoordinatorProcess, ROOT } from "./lib/coordinator-process.js";
import { type Instance, loadInstances } from "./lib/instances.js";
import { argValue, note, report } from "./lib/report.js";
import { copiesOf, simulateJob } from "./lib/simulated-network.js";

/** One run's outcome. */
interface Run {
  threads: number;
  cooperate: boolean;
  seed: number;
  reached: boolean;
  /** Seconds to E* (or the budget); unit-times when simulated. */
  time: number;
  steps: number;
  units: number;
  /** Units started from another trajectory's verified state (cooperation at work). */
  copies: number;
  bestEnergy: number | null;
}

const quick = process.argv.includes("--quick");
/** Simulated workers (a list of W) instead of real processes: bench/lib/simulated-network.ts. */
const simulate = argValue("simulate", "");
const keep = process.argv.includes("--keep");
const instanceId = argValue("instance", quick ? "2D-20" : "2D-85");
const threadsList = (simulate || argValue("threads", quick ? "1" : "1,2")).split(",").map(Number);
/** Simulated runs stop after this many steps verified in all (the CPU they may take). */
const maxSteps = Number(argValue("max-steps", "400000000"));
const cooperation = argValue("cooperate", quick ? "on" : "on,off")
  .split(",")
  .map((v) => v === "on");
const seeds = Number(argValue("seeds", quick ? "1" : "3"));
/** Runs seeds firstSeed…firstSeed + seeds − 1 (simulated job ids `jbench<seed>`). */
const firstSeed = Number(argValue("first-seed", "1"));
const budgetSeconds = Number(argValue("seconds", quick ? "20" : "30"));
const trajectories = Number(argValue("trajectories", "4"));
const unitSteps = Number(argValue("unit-steps", quick ? String(2 ** 18) : String(2 ** 22)));
const API_KEY = "fn_bench_network";
const timeUnit = simulate === "" ? "s" : "unit-times";
const POLL_MS = 100;

const instances: Instance[] = [
  "hp-benchmarks.json",
  "extra-instances.json",
  "hp-long.json",
].flatMap(loadInstances);
const instance = instances.find((i) => i.id === instanceId);
if (instance === undefined)
  throw new Error(`--instance ${instanceId}: not in bench/data (${instances.map((i) => i.id)})`);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length === 0 ? Number.NaN : s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** Starts `foldnet worker` with W threads, its identity and spool in `dir`. */
function startWorker(wsUrl: string, dir: string, threads: number): ChildProcess {
  const child = spawn(
    process.execPath,
    [join(ROOT, "bin", "foldnet"), ...workerArgs(wsUrl, dir, threads)],
    { cwd: ROOT, stdio: "ignore" },
  );
  const killer = () => child.kill("SIGKILL");
  process.once("exit", killer);
  child.once("exit", () => process.off("exit", killer));
  return child;
}

/** Polls `probe` until it returns a value or `ms` pass (then undefined). */
async function until<T>(ms: number, probe: () => Promise<T | undefined>): Promise<T | undefined> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    await sleep(POLL_MS);
  }
  return undefined;
}

/** One job with `workers` simulated workers; its time in unit-times. */
async function simulatedRun(workers: number, cooperate: boolean, seed: number): Promise<Run> {
  const maxTime = Math.ceil(maxSteps / unitSteps / workers);
  const out = await simulateJob({
    sequence: instance!.sequence,
    lattice: instance!.lattice,
    eStar: instance!.bestEnergy,
    trajectories,
    unitSteps,
    cooperate,
    workers,
    maxTime,
    jobId: `jbench${seed}`,
  });
  const units = out.steps / unitSteps;
  return { threads: workers, cooperate, seed, ...out, units };
}

/** One job through a fresh coordinator and one worker of `threads` threads. */
async function run(threads: number, cooperate: boolean, seed: number): Promise<Run> {
  const dir = mkdtempSync(join(tmpdir(), "foldnet-bench-network-"));
  const coordinator = new CoordinatorProcess({
    workDir: dir,
    name: "coordinator",
    args: ["--db", join(dir, "c.db"), "--api-key", API_KEY],
  });
  let worker: ChildProcess | undefined;
  try {
    const { url, wsUrl } = await coordinator.start();
    const client = new ApiClient(url, API_KEY);
    worker = startWorker(wsUrl, join(dir, "worker"), threads);
    const connected = await until(30_000, async () => {
      const { workers } = await client.call<{ workers: { connected: boolean }[] }>(
        "GET",
        "/api/workers",
      );
      return workers.some((w) => w.connected) ? true : undefined;
    });
    if (connected === undefined) throw new Error("the worker did not connect within 30 s");
    const submitted = await client.submit({
      sequence: instance!.sequence,
      lattice: instance!.lattice,
      steps: 1e12,
      trajectories,
      unitSteps,
      targetEnergy: instance!.bestEnergy,
      cooperate,
    });
    const done = await until(budgetSeconds * 1000, async () => {
      const job = await client.job(submitted.id);
      return job.status === "done" ? job : undefined;
    });
    const job: JobView = done ?? (await client.job(submitted.id));
    const reached = done !== undefined && job.bestEnergy !== null;
    return {
      threads,
      cooperate,
      seed,
      reached: reached && job.bestEnergy! <= instance!.bestEnergy,
      time: reached ? (job.finishedAt! - job.createdAt) / 1000 : budgetSeconds,
      steps: job.stepsDone,
      units: job.unitsVerified,
      copies: copiesOf(
        (
          await client.call<{ units: { trajectory: number; source: string | null }[] }>(
            "GET",
            `/api/jobs/${submitted.id}/units`,
          )
        ).units,
      ),
      bestEnergy: job.bestEnergy,
    };
  } finally {
    worker?.kill("SIGTERM");
    await coordinator.stop();
    if (!keep) rmSync(dir, { recursive: true, force: true });
  }
}

if (simulate === "") buildDist();
const loadBefore = loadavg();
const runs: Run[] = [];
const started = Date.now();
for (let seed = firstSeed; seed < firstSeed + seeds; seed++) {
  for (const cooperate of cooperation) {
    for (const threads of threadsList) {
      const r =
        simulate === ""
          ? await run(threads, cooperate, seed)
          : await simulatedRun(threads, cooperate, seed);
      runs.push(r);
      note(
        `${instance.id} threads=${threads} cooperate=${cooperate} run ${seed}: ` +
          `${r.reached ? `E* in ${r.time.toFixed(1)} ${timeUnit}` : `best ${r.bestEnergy} in ${r.time} ${timeUnit}`}, ` +
          `${(r.steps / 1e6).toFixed(0)} M steps, ${r.units} units (${r.copies} copied a state)`,
      );
    }
  }
}
const loadAfter = loadavg();

const configs = cooperation.flatMap((cooperate) =>
  threadsList.map((threads) => {
    const of = runs.filter((r) => r.threads === threads && r.cooperate === cooperate);
    return {
      threads,
      cooperate,
      runs: of.length,
      reached: of.filter((r) => r.reached).length,
      medianTime: median(of.map((r) => r.time)),
      medianSteps: median(of.map((r) => r.steps)),
      copies: of.map((r) => r.copies),
      /** Verified steps per second (per unit-time when simulated): the network's throughput. */
      medianRate: median(of.map((r) => r.steps / r.time)),
      bestEnergies: of.map((r) => r.bestEnergy),
    };
  }),
);
const speedups = Object.fromEntries(
  cooperation.flatMap((cooperate) => {
    const one = configs.find((c) => c.cooperate === cooperate && c.threads === threadsList[0]);
    return configs
      .filter((c) => c.cooperate === cooperate && c !== one)
      .map((c) => [
        `cooperate=${cooperate} ${threadsList[0]}→${c.threads} threads`,
        { time: one!.medianTime / c.medianTime, throughput: c.medianRate / one!.medianRate },
      ]);
  }),
);
report(
  `bench:network — ${instance.id} (n = ${instance.sequence.length}, E* = ${instance.bestEnergy}), ` +
    `${trajectories} trajectories, units of ${unitSteps} steps, ${seeds} runs each, ` +
    `${simulate === "" ? `${budgetSeconds} s budget` : `${timeUnit}, ${maxSteps} steps at most`}; load ${loadBefore[0]!.toFixed(2)} → ${loadAfter[0]!.toFixed(2)}`,
  configs.map((c) => ({
    threads: c.threads,
    cooperate: String(c.cooperate),
    "reached E*": `${c.reached}/${c.runs}`,
    [`median ${timeUnit}`]: Number(c.medianTime.toFixed(2)),
    "median M steps": Number((c.medianSteps / 1e6).toFixed(1)),
    [`M steps/${timeUnit}`]: Number((c.medianRate / 1e6).toFixed(2)),
    "best energies": c.bestEnergies.join(" "),
  })),
  {
    instance: instance.id,
    length: instance.sequence.length,
    eStar: instance.bestEnergy,
    trajectories,
    unitSteps,
    seeds,
    budgetSeconds,
    mode: simulate === "" ? "processes" : "simulated",
    timeUnit,
    loadAverage: { before: loadBefore[0], after: loadAfter[0] },
    wallSeconds: (Date.now() - started) / 1000,
    configs,
    speedups,
    runs,
  },
);
if (!quick) note(`speedups: ${JSON.stringify(speedups)}`);
