/**
 * A volunteer's resource rules: CPU cap per thread, idle-only with its threshold, a weekly
 * schedule, pausing on battery, and the thread count. They come from the defaults, a JSON
 * config file (`--config FILE`) and the flags, in that order, and can be changed at run time
 * from the local page; `checkRules` validates any of these sources the same way, and
 * `saveRulesFile` writes the page's changes back into the config file (temp file, rename).
 * @module
 */
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { WorkerError } from "./errors.js";
import { parseSchedule } from "./rule-schedule.js";

/** The rules in force. */
export interface ResourceRules {
  /** Most CPU each thread may use, % of a core (a duty cycle), 1…100. */
  readonly maxCpu: number;
  /** Run only while other programs use less than `idleThreshold` % of the machine's CPU. */
  readonly idleOnly: boolean;
  readonly idleThreshold: number;
  /** Weekly windows the worker may run in (rule-schedule.ts), or undefined for always. */
  readonly schedule: string | undefined;
  /** Pause while the machine runs on battery. */
  readonly pauseOnBattery: boolean;
  /** Threads folding at once, 1…the worker's thread ceiling. */
  readonly threads: number;
}

/** The rules when nothing is configured (threads is the caller's). */
export const DEFAULT_RULES: Omit<ResourceRules, "threads"> = {
  maxCpu: 100,
  idleOnly: false,
  idleThreshold: 25,
  schedule: undefined,
  pauseOnBattery: false,
};

const FIELDS = ["maxCpu", "idleOnly", "idleThreshold", "schedule", "pauseOnBattery", "threads"];

const bad = (field: string, message: string) =>
  new WorkerError({ code: "WORKER_ERROR_BAD_RULES", field }, message);

function integerIn(value: unknown, field: string, min: number, max: number): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max)
    throw bad(field, `${field} must be an integer in ${min}…${max}, got ${JSON.stringify(value)}`);
  return value;
}

function flag(value: unknown, field: string): boolean {
  if (typeof value !== "boolean")
    throw bad(field, `${field} must be true or false, got ${JSON.stringify(value)}`);
  return value;
}

/**
 * `base` with the fields of `changes` (a config file's object, the flags, or the page's
 * request) checked and applied; `null` clears the schedule.
 * @throws {WorkerError} WORKER_ERROR_BAD_RULES naming the first bad field (unknown fields too).
 */
export function checkRules(
  changes: unknown,
  base: ResourceRules,
  maxThreads: number,
): ResourceRules {
  if (typeof changes !== "object" || changes === null || Array.isArray(changes))
    throw bad("rules", "the rules must be a JSON object");
  const c = changes as Record<string, unknown>;
  for (const key of Object.keys(c))
    if (!FIELDS.includes(key)) throw bad(key, `unknown rule "${key}" (${FIELDS.join(", ")})`);
  let schedule = base.schedule;
  if (c.schedule === null || c.schedule === "") schedule = undefined;
  else if (c.schedule !== undefined) {
    if (typeof c.schedule !== "string") throw bad("schedule", "schedule must be a string");
    schedule = parseSchedule(c.schedule).text;
  }
  return {
    maxCpu: c.maxCpu === undefined ? base.maxCpu : integerIn(c.maxCpu, "maxCpu", 1, 100),
    idleOnly: c.idleOnly === undefined ? base.idleOnly : flag(c.idleOnly, "idleOnly"),
    idleThreshold:
      c.idleThreshold === undefined
        ? base.idleThreshold
        : integerIn(c.idleThreshold, "idleThreshold", 1, 100),
    schedule,
    pauseOnBattery:
      c.pauseOnBattery === undefined
        ? base.pauseOnBattery
        : flag(c.pauseOnBattery, "pauseOnBattery"),
    threads:
      c.threads === undefined ? base.threads : integerIn(c.threads, "threads", 1, maxThreads),
  };
}

/**
 * The object in a config file; none yet (a missing file, which the page's first change
 * creates) is an empty one.
 * @throws {WorkerError} WORKER_ERROR_BAD_RULES (field `config`) when it cannot be read or parsed.
 */
export function readRulesFile(file: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(readFileSync(file, "utf8"));
    if (typeof value === "object" && value !== null && !Array.isArray(value))
      return value as Record<string, unknown>;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return {};
    throw bad("config", `cannot read the config file ${file}: ${(err as Error).message}`);
  }
  throw bad("config", `the config file ${file} must hold a JSON object`);
}

/** Writes `rules` into the config file, keeping it a plain JSON object (temp file, rename). */
export function saveRulesFile(file: string, rules: ResourceRules): void {
  const { schedule, ...rest } = rules;
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, `${JSON.stringify({ ...rest, schedule: schedule ?? null }, null, 2)}\n`);
  renameSync(tmp, file);
}
