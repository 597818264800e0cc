/**
 * `npm run bench:quality`: for each HP benchmark instance (bench/data), over several seeds, the
 * best energy the engine reaches within a fixed budget per run on one thread, the share of
 * runs that reach the best-known energy E*, and the steps and seconds they took to reach it
 * (median and worst over the seeds). Options:
 * - `--set standard|long|all`: the 12 instances of hp-benchmarks.json and extra-instances.json
 *   (default), the long chains of hp-long.json, or both;
 * - `--only ID,ID` picks instances (from the set);
 * - `--seeds N` runs seeds 1…N (default 5), `--first-seed S` starts at S instead of 1;
 * - `--seconds S` is the budget per run (default 60); `--steps N` adds a step budget, which
 *   does not depend on the machine's load (a run stops at whichever comes first);
 * - `--replicas R`, `--t-min M`, `--t-max M` (milli-units) override the default ladder;
 * - `--interval N` overrides the attempts per replica between exchange sweeps.
 * @module
 */
import { DEFAULT_T_MAX_MILLI, DEFAULT_T_MIN_MILLI, geometricLadder } from "../sim/params.js";
import { createSearch } from "../sim/search.js";
import { type Instance, loadInstances } from "./lib/instances.js";
import { argValue, note, report } from "./lib/report.js";

/** One run: the best energy, and when E* was first reached (if it was). */
interface Run {
  bestEnergy: number;
  reached: { steps: number; seconds: number } | undefined;
}

const budget = Number(argValue("seconds", "60"));
const stepBudget = Number(argValue("steps", String(Number.MAX_SAFE_INTEGER)));
const seeds = Number(argValue("seeds", "5"));
const firstSeed = Number(argValue("first-seed", "1"));
const only = argValue("only", "");
const set = argValue("set", "standard");
const replicas = argValue("replicas", "");
const ladder =
  replicas === ""
    ? undefined
    : geometricLadder(
        Number(replicas),
        Number(argValue("t-min", String(DEFAULT_T_MIN_MILLI))),
        Number(argValue("t-max", String(DEFAULT_T_MAX_MILLI))),
      );
const interval = argValue("interval", "");
const files = {
  standard: ["hp-benchmarks.json", "extra-instances.json"],
  long: ["hp-long.json"],
  all: ["hp-benchmarks.json", "extra-instances.json", "hp-long.json"],
}[set];
if (files === undefined) throw new Error(`--set must be standard, long or all, got ${set}`);
const instances = files
  .flatMap(loadInstances)
  .filter((inst) => only === "" || only.split(",").includes(inst.id));
/** Steps between two clock reads: the time to E* is known to within one chunk. */
const CHUNK = 100_000;

function run(inst: Instance, seed: number): Run {
  const search = createSearch({
    sequence: inst.sequence,
    lattice: inst.lattice,
    seed,
    ...(ladder === undefined ? {} : { temperaturesMilli: ladder }),
    ...(interval === "" ? {} : { exchangeInterval: Number(interval) }),
  });
  const start = process.hrtime.bigint();
  for (let seconds = 0; seconds < budget && search.step < stepBudget; ) {
    search.run(Math.min(CHUNK, stepBudget - search.step));
    seconds = Number(process.hrtime.bigint() - start) / 1e9;
    if (search.bestEnergy <= inst.bestEnergy) {
      return { bestEnergy: search.bestEnergy, reached: { steps: search.bestStep, seconds } };
    }
  }
  return { bestEnergy: search.bestEnergy, reached: undefined };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? Number.NaN : (s[Math.floor((s.length - 1) / 2)] as number);
};

const rows: Record<string, string | number>[] = [];
const results: Record<string, unknown>[] = [];
for (const inst of instances) {
  const runs = Array.from({ length: seeds }, (_, k) => run(inst, firstSeed + k));
  const hits = runs.flatMap((r) => (r.reached === undefined ? [] : [r.reached]));
  const best = Math.min(...runs.map((r) => r.bestEnergy));
  const worst =
    hits.length === runs.length
      ? Math.max(...hits.map((h) => h.seconds))
      : Number.POSITIVE_INFINITY;
  note(
    `${inst.id}: E* = ${inst.bestEnergy} reached in ${hits.length}/${seeds} runs, median ${median(hits.map((h) => h.seconds)).toFixed(2)} s`,
  );
  results.push({
    id: inst.id,
    targetEnergy: inst.bestEnergy,
    bestEnergy: best,
    reachedRuns: hits.length,
    runs: seeds,
    shareAtTarget: Number((hits.length / seeds).toFixed(3)),
    medianStepsToTarget: hits.length === 0 ? null : median(hits.map((h) => h.steps)),
    medianSecondsToTarget:
      hits.length === 0 ? null : Number(median(hits.map((h) => h.seconds)).toFixed(3)),
    worstSecondsToTarget: Number.isFinite(worst) ? Number(worst.toFixed(3)) : null,
  });
  rows.push({
    instance: inst.id,
    "E*": inst.bestEnergy,
    best,
    "runs at E*": `${hits.length}/${seeds}`,
    "median steps to E*": hits.length === 0 ? "—" : median(hits.map((h) => h.steps)),
    "median s": hits.length === 0 ? "—" : median(hits.map((h) => h.seconds)).toFixed(2),
    "worst s": Number.isFinite(worst) ? worst.toFixed(2) : `> ${budget}`,
  });
}
report(
  `bench:quality — time to the best-known energy, ${seeds} seeds, budget ${budget} s${stepBudget < Number.MAX_SAFE_INTEGER ? ` / ${stepBudget} steps` : ""} per run, one thread${ladder === undefined ? "" : `, ladder ${ladder.join(",")}`}${interval === "" ? "" : `, interval ${interval}`}`,
  rows,
  {
    budgetSeconds: budget,
    budgetSteps: stepBudget < Number.MAX_SAFE_INTEGER ? stepBudget : null,
    ladderMilli: ladder ?? null,
    exchangeInterval: interval === "" ? null : Number(interval),
    seeds,
    firstSeed,
    instances: results.length,
    reachedEveryRun: results.filter((r) => r.reachedRuns === seeds).length,
    results,
  },
);
