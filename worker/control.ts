/**
 * The volunteer's say over a running worker: pause and resume (kept in a state file in the
 * spool directory, so a paused worker comes back paused), finish (complete and deliver the
 * units in hand, ask for no more, then end), and the resource rules (rules.ts) evaluated once
 * a second on the injected clock, /proc reader and power-supply directory. It decides, for
 * every unit on the pool, whether its thread may run and at what duty cycle, and writes that
 * into the unit's control block (unit-gate.ts); units beyond the live thread count wait held.
 * The VolunteerWorker asks `mayRequest()` before asking for work and listens to `changed`.
 * @module
 */
import { EventEmitter } from "node:events";
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Clock, TimerHandle } from "../common/clock.js";
import type { Logger } from "../common/log.js";
import type { UnitPool } from "./pool.js";
import { onBattery, POWER_SUPPLY_DIR } from "./rule-battery.js";
import { IdleRule, type ProcReader } from "./rule-idle.js";
import { localWeekTime, parseSchedule, type Schedule, scheduleAllows } from "./rule-schedule.js";
import { checkRules, type ResourceRules, saveRulesFile } from "./rules.js";
import { newControlBlock, setControl } from "./unit-gate.js";

/** How often the rules are evaluated. */
export const RULES_TICK_MS = 1_000;
/** After a busy sample, other use must stay under the threshold this long before resuming. */
export const IDLE_CALM_MS = 10_000;
/** The state file in the spool directory. */
export const CONTROL_STATE_FILE = "control-state.json";

/** Why the worker is not folding (empty when it is). */
export type PauseReason = "paused" | "schedule" | "busy" | "battery";

/** What the page and `foldnet worker status` show of the controls. */
export interface ControlSnapshot {
  readonly paused: boolean;
  readonly finishing: boolean;
  /** Why the threads are held now (the volunteer's pause first). */
  readonly holding: readonly PauseReason[];
  readonly rules: ResourceRules;
  readonly maxThreads: number;
  /** Other programs' CPU use, % of the machine (when idle-only samples it). */
  readonly otherCpuPct: number | undefined;
  readonly onBattery: boolean;
  /** Where page changes of the rules are saved, if anywhere. */
  readonly configFile: string | undefined;
}

/** What a WorkerControl works with. */
export interface WorkerControlOptions {
  readonly rules: ResourceRules;
  /** Most threads the pool has (the live count is 1…this). */
  readonly maxThreads: number;
  /** The spool directory, where the pause is kept. */
  readonly dataDir: string;
  /** The config file page changes are written to, if any. */
  readonly configFile?: string;
  readonly clock: Clock;
  readonly log: Logger;
  readonly proc: ProcReader;
  /** Power-supply directory (default /sys/class/power_supply). */
  readonly powerSupplyDir?: string;
  /** The local time of a Unix time (default the process's time zone). */
  readonly weekTime?: typeof localWeekTime;
}

/** The controls of one worker process. */
export class WorkerControl extends EventEmitter<{ changed: [] }> {
  private rulesNow: ResourceRules;
  private schedule: Schedule | undefined;
  private paused: boolean;
  private finishing = false;
  private holding: PauseReason[] = [];
  private battery = false;
  private readonly idle: IdleRule;
  /** Control blocks of the units on the pool, oldest first. */
  private readonly blocks = new Map<number, Int32Array>();
  private nextKey = 0;
  private timer: TimerHandle | undefined;

  constructor(private readonly opts: WorkerControlOptions) {
    super();
    this.rulesNow = opts.rules;
    this.schedule =
      opts.rules.schedule === undefined ? undefined : parseSchedule(opts.rules.schedule);
    this.idle = new IdleRule(opts.proc, IDLE_CALM_MS);
    this.paused = this.loadPaused();
    this.evaluate();
  }

  /** Starts evaluating the rules every RULES_TICK_MS. */
  start(): void {
    if (this.timer !== undefined) return;
    const tick = () => {
      this.evaluate();
      this.timer = this.opts.clock.setTimeout(tick, RULES_TICK_MS);
    };
    this.timer = this.opts.clock.setTimeout(tick, RULES_TICK_MS);
  }

  stop(): void {
    if (this.timer !== undefined) this.opts.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Threads that may fold now. */
  get threads(): number {
    return this.rulesNow.threads;
  }

  get maxThreads(): number {
    return this.opts.maxThreads;
  }

  get isFinishing(): boolean {
    return this.finishing;
  }

  /** Whether the worker may ask for work: not held and not finishing. */
  mayRequest(): boolean {
    return this.holding.length === 0 && !this.finishing;
  }

  snapshot(): ControlSnapshot {
    const idle = this.idle.current;
    return {
      paused: this.paused,
      finishing: this.finishing,
      holding: [...this.holding],
      rules: this.rulesNow,
      maxThreads: this.opts.maxThreads,
      otherCpuPct: this.rulesNow.idleOnly ? idle.otherPct : undefined,
      onBattery: this.battery,
      configFile: this.opts.configFile,
    };
  }

  /** The volunteer's pause: threads stop (after a checkpoint) within a segment; kept on disk. */
  pause(): void {
    this.setPaused(true);
  }

  resume(): void {
    this.setPaused(false);
  }

  /** Asks for no more work and lifts the volunteer's pause; the caller waits for the units. */
  finish(): void {
    this.finishing = true;
    this.setPaused(false);
  }

  /**
   * Applies changed rules (the page's request body) and saves them to the config file.
   * @throws {WorkerError} WORKER_ERROR_BAD_RULES for a bad field; nothing changes then.
   */
  setRules(changes: unknown): ResourceRules {
    const rules = checkRules(changes, this.rulesNow, this.opts.maxThreads);
    this.rulesNow = rules;
    this.schedule = rules.schedule === undefined ? undefined : parseSchedule(rules.schedule);
    if (this.opts.configFile !== undefined) saveRulesFile(this.opts.configFile, rules);
    this.opts.log.info("rules changed", { ...rules });
    this.evaluate(true);
    return rules;
  }

  /** The pool with every unit given a control block that this object drives. */
  wrap(pool: UnitPool): UnitPool {
    return {
      run: async (input, options) => {
        const block = newControlBlock();
        const key = this.nextKey++;
        this.blocks.set(key, block);
        this.apply();
        try {
          return await pool.run({ ...input, control: block }, options);
        } finally {
          this.blocks.delete(key);
          this.apply();
        }
      },
      get pending() {
        return pool.pending;
      },
      close: () => pool.close(),
    };
  }

  /** Evaluates the rules and updates the control blocks; emits `changed` when the holds change. */
  evaluate(changedAnyway = false): void {
    const { opts } = this;
    const rules = this.rulesNow;
    const holding: PauseReason[] = [];
    if (this.paused) holding.push("paused");
    const now = opts.clock.now();
    if (
      this.schedule !== undefined &&
      !scheduleAllows(this.schedule, (opts.weekTime ?? localWeekTime)(now))
    )
      holding.push("schedule");
    if (rules.idleOnly && this.idle.sample(now, rules.idleThreshold).busy) holding.push("busy");
    this.battery = rules.pauseOnBattery && onBattery(opts.powerSupplyDir ?? POWER_SUPPLY_DIR);
    if (this.battery) holding.push("battery");
    const changed = holding.join() !== this.holding.join();
    this.holding = holding;
    this.apply();
    if (changed)
      opts.log.info(holding.length === 0 ? "folding" : "holding the threads", { reasons: holding });
    if (changed || changedAnyway) this.emit("changed");
  }

  /** Writes hold and duty cycle into every block: the oldest `threads` units run. */
  private apply(): void {
    let i = 0;
    for (const block of this.blocks.values())
      setControl(
        block,
        this.holding.length > 0 || i++ >= this.rulesNow.threads,
        this.rulesNow.maxCpu,
      );
  }

  private setPaused(paused: boolean): void {
    if (paused === this.paused) return;
    this.paused = paused;
    this.savePaused();
    this.evaluate();
  }

  private loadPaused(): boolean {
    try {
      const state = JSON.parse(readFileSync(join(this.opts.dataDir, CONTROL_STATE_FILE), "utf8"));
      return (state as { paused?: unknown }).paused === true;
    } catch {
      return false;
    }
  }

  private savePaused(): void {
    const file = join(this.opts.dataDir, CONTROL_STATE_FILE);
    const tmp = `${file}.tmp-${process.pid}`;
    try {
      writeFileSync(tmp, `${JSON.stringify({ paused: this.paused })}\n`, { mode: 0o600 });
      renameSync(tmp, file);
    } catch (err) {
      this.opts.log.error("cannot save the pause state", { file, error: err });
    }
  }
}
