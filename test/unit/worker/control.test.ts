import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { silentLogger } from "../../../common/log.js";
import { CONTROL_STATE_FILE, RULES_TICK_MS, WorkerControl } from "../../../worker/control.js";
import type { UnitPool } from "../../../worker/pool.js";
import type { ProcReader } from "../../../worker/rule-idle.js";
import type { WeekTime } from "../../../worker/rule-schedule.js";
import { DEFAULT_RULES, type ResourceRules } from "../../../worker/rules.js";
import { HOLD, MAX_CPU } from "../../../worker/unit-gate.js";
import type { UnitTaskOutput } from "../../../worker/unit-task.js";
import { expectFoldnetError } from "../../helpers/errors.js";
import { ManualClock } from "./fixtures/manual-clock.js";
import { SMALL_START } from "./fixtures/unit.js";

/** A pool whose units run until the test ends them; it keeps each unit's control block. */
function fakePool() {
  const units: { control: Int32Array; end: () => void }[] = [];
  const pool: UnitPool = {
    run: (input) =>
      new Promise<UnitTaskOutput>((resolve) => {
        const unit = {
          control: input.control as Int32Array,
          end: () => resolve({} as UnitTaskOutput),
        };
        units.push(unit);
      }),
    pending: 0,
    close: async () => {},
  };
  return { pool, units };
}

const held = (block: Int32Array) => Atomics.load(block, HOLD) === 1;
const UNIT = { startState: SMALL_START, steps: 100, checkpointInterval: 10 };
const idleProc: ProcReader = {
  procStat: () => "cpu  0 0 0 0 0 0 0 0\n",
  selfStat: () => "1 (x) S 1 1 1 0 -1 0 0 0 0 0 0 0",
};

let dir: string;
let clock: ManualClock;
let week: WeekTime;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "foldnet-control-"));
  clock = new ManualClock();
  week = { day: 1, minute: 12 * 60 }; // Monday noon
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function control(rules: Partial<ResourceRules> = {}, maxThreads = 4) {
  return new WorkerControl({
    rules: { ...DEFAULT_RULES, threads: 2, ...rules },
    maxThreads,
    dataDir: dir,
    clock,
    log: silentLogger,
    proc: idleProc,
    powerSupplyDir: join(dir, "no-power-supplies"),
    weekTime: () => week,
  });
}

describe("WorkerControl", () => {
  it("holds every unit while paused, keeps the pause on disk, and releases on resume", async () => {
    const c = control({ maxCpu: 60 });
    const { pool, units } = fakePool();
    const wrapped = c.wrap(pool);
    void wrapped.run(UNIT);
    void wrapped.run(UNIT);
    expect(units.map((u) => [held(u.control), Atomics.load(u.control, MAX_CPU)])).toEqual([
      [false, 60],
      [false, 60],
    ]);
    let changes = 0;
    c.on("changed", () => changes++);
    c.pause();
    expect(units.every((u) => held(u.control))).toBe(true);
    expect(c.mayRequest()).toBe(false);
    expect(c.snapshot()).toMatchObject({ paused: true, holding: ["paused"] });
    expect(JSON.parse(readFileSync(join(dir, CONTROL_STATE_FILE), "utf8"))).toEqual({
      paused: true,
    });
    // a restarted worker comes back paused
    expect(control().snapshot()).toMatchObject({ paused: true, holding: ["paused"] });
    c.resume();
    expect(units.some((u) => held(u.control))).toBe(false);
    expect(c.mayRequest()).toBe(true);
    expect(changes).toBe(2);
    expect(control().snapshot().paused).toBe(false);
  });

  it("runs only the oldest `threads` units; the others wait held for a free thread", async () => {
    const c = control({ threads: 2 });
    const { pool, units } = fakePool();
    const wrapped = c.wrap(pool);
    const runs = [wrapped.run(UNIT), wrapped.run(UNIT), wrapped.run(UNIT)];
    expect(units.map((u) => held(u.control))).toEqual([false, false, true]);
    c.setRules({ threads: 1 });
    expect(c.threads).toBe(1);
    expect(units.map((u) => held(u.control))).toEqual([false, true, true]);
    units[0]?.end();
    await runs[0];
    expect(units.slice(1).map((u) => held(u.control))).toEqual([false, true]);
  });

  it("evaluates the schedule on its clock", () => {
    const c = control({ schedule: "Mon-Fri 18:00-08:00; Sat-Sun" });
    const { pool, units } = fakePool();
    void c.wrap(pool).run(UNIT);
    c.start();
    expect(c.snapshot().holding).toEqual(["schedule"]);
    expect(held(units[0]!.control)).toBe(true);
    week = { day: 1, minute: 18 * 60 };
    clock.advance(RULES_TICK_MS);
    expect(c.snapshot().holding).toEqual([]);
    expect(held(units[0]!.control)).toBe(false);
    week = { day: 2, minute: 8 * 60 };
    clock.advance(RULES_TICK_MS);
    expect(c.snapshot().holding).toEqual(["schedule"]);
    c.stop();
    expect(clock.pending).toBe(0);
  });

  it("finish asks for no more work and lifts the volunteer's pause", () => {
    const c = control();
    c.pause();
    c.finish();
    expect(c.snapshot()).toMatchObject({ paused: false, finishing: true, holding: [] });
    expect(c.mayRequest()).toBe(false);
  });

  it("refuses bad rules without changing anything", async () => {
    const c = control({ maxCpu: 70 });
    await expectFoldnetError(() => c.setRules({ maxCpu: 70, threads: 9 }), {
      code: "WORKER_ERROR_BAD_RULES",
      field: "threads",
    });
    expect(c.snapshot().rules).toMatchObject({ maxCpu: 70, threads: 2 });
  });
});
