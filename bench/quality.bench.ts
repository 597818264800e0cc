/**
 * `npm run bench:quality`: for each public HP benchmark instance (bench/data), the best energy
 * the engine reaches within a fixed budget per instance on one thread, and the steps and
 * seconds it took to reach the best-known energy E*. `--seconds S` sets the budget (default 60),
 * `--only ID,ID` picks instances, `--seed S` the seed.
 * @module
 */
import { readFileSync } from "node:fs";
import { createSearch } from "../sim/search.js";
import { argValue, note, report } from "./lib/report.js";

interface Instance {
  id: string;
  lattice: "square2d" | "cubic3d";
  sequence: string;
  bestEnergy: number;
}

const load = (file: string): Instance[] =>
  JSON.parse(readFileSync(new URL(`./data/${file}`, import.meta.url), "utf8"));
const budget = Number(argValue("seconds", "60"));
const seed = BigInt(argValue("seed", "1"));
const only = argValue("only", "");
const instances = [...load("hp-benchmarks.json"), ...load("extra-instances.json")].filter(
  (inst) => only === "" || only.split(",").includes(inst.id),
);
const CHUNK = 100_000;

const rows: Record<string, string | number>[] = [];
const results: Record<string, unknown>[] = [];
for (const inst of instances) {
  const search = createSearch({ sequence: inst.sequence, lattice: inst.lattice, seed });
  const start = process.hrtime.bigint();
  let seconds = 0;
  let reachedAt: { steps: number; seconds: number } | undefined;
  while (seconds < budget) {
    search.run(CHUNK);
    seconds = Number(process.hrtime.bigint() - start) / 1e9;
    if (search.bestEnergy <= inst.bestEnergy) {
      reachedAt = { steps: search.bestStep, seconds };
      break;
    }
  }
  note(
    `${inst.id}: E = ${search.bestEnergy} (E* = ${inst.bestEnergy}) ${reachedAt ? `in ${reachedAt.seconds.toFixed(2)} s` : `not reached in ${budget} s`}`,
  );
  results.push({
    id: inst.id,
    bestEnergy: search.bestEnergy,
    targetEnergy: inst.bestEnergy,
    reached: reachedAt !== undefined,
    stepsToTarget: reachedAt?.steps ?? null,
    secondsToTarget: reachedAt === undefined ? null : Number(reachedAt.seconds.toFixed(3)),
    stepsRun: search.step,
  });
  rows.push({
    instance: inst.id,
    "E*": inst.bestEnergy,
    best: search.bestEnergy,
    "steps to E*": reachedAt?.steps ?? "—",
    "seconds to E*": reachedAt?.seconds.toFixed(2) ?? `> ${budget}`,
  });
}
report(
  `bench:quality — best energy per instance, budget ${budget} s, one thread, seed ${seed}`,
  rows,
  {
    budgetSeconds: budget,
    seed: String(seed),
    reached: results.filter((r) => r.reached).length,
    instances: results.length,
    results,
  },
);
