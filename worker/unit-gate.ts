/**
 * How the main thread holds and throttles a unit's thread: a control block (an Int32Array on
 * a SharedArrayBuffer, shared with the thread) and the gate the thread passes between two
 * segments. Word `HOLD` = 1 stops the thread (it saves a checkpoint, then sleeps in
 * `Atomics.wait` until the word goes back to 0); word `MAX_CPU` is its duty cycle, % of a
 * core. The gate compares the thread's own CPU time (`/proc/thread-self/stat`, which a
 * starved thread does not accumulate, so other load does not make it sleep more) with the
 * wall time of the current window, and sleeps off the excess; windows restart every second
 * so that a starved stretch banks no credit. Waits last at most `MAX_WAIT_MS`, so a thread
 * being terminated is never stuck in one. Time and CPU are injected for the tests.
 * @module
 */
import { readFileSync } from "node:fs";
import { parseSelfStat } from "./rule-idle.js";

/** Word 0: 1 holds the thread. */
export const HOLD = 0;
/** Word 1: the duty cycle, % of a core (1…100). */
export const MAX_CPU = 1;
/** Longest single wait, so that termination and changes are noticed. */
export const MAX_WAIT_MS = 250;
/** A duty-cycle window: the excess is slept off within it; then it starts afresh. */
export const WINDOW_MS = 1_000;
/** Least wall time between two looks at the thread's CPU time. */
export const CHECK_MS = 20;

/** A fresh control block: running, at 100 %. */
export function newControlBlock(): Int32Array {
  const block = new Int32Array(new SharedArrayBuffer(2 * Int32Array.BYTES_PER_ELEMENT));
  block[MAX_CPU] = 100;
  return block;
}

/** Sets a block's words and wakes its thread if they changed. */
export function setControl(block: Int32Array, hold: boolean, maxCpu: number): void {
  const h = hold ? 1 : 0;
  if (Atomics.load(block, HOLD) === h && Atomics.load(block, MAX_CPU) === maxCpu) return;
  Atomics.store(block, MAX_CPU, maxCpu);
  Atomics.store(block, HOLD, h);
  Atomics.notify(block, HOLD);
}

/** What the gate measures and how it sleeps. */
export interface GateDeps {
  /** Monotonic milliseconds. */
  now(): number;
  /** This thread's CPU time in ms, or undefined where it cannot be read. */
  cpuMs(): number | undefined;
  /** Sleeps while `block[HOLD] === value`, at most `ms`. */
  wait(block: Int32Array, value: number, ms: number): void;
}

/** The thread's CPU time, from /proc/thread-self/stat (clock ticks of 10 ms). */
function threadCpuMs(): number | undefined {
  try {
    return parseSelfStat(readFileSync("/proc/thread-self/stat", "latin1")) * 10;
  } catch {
    return undefined;
  }
}

/** The real clock, CPU time and Atomics.wait. */
export const threadGateDeps: GateDeps = {
  now: () => performance.now(),
  cpuMs: threadCpuMs,
  wait: (block, value, ms) => {
    Atomics.wait(block, HOLD, value, ms);
  },
};

/** The thread's side of a control block. */
export class UnitGate {
  private windowWall: number;
  private windowCpu: number | undefined;
  private lastCheck: number;
  /** Busy wall time in the window, used where thread CPU time cannot be read. */
  private busyWall = 0;
  private lastPass: number;

  constructor(
    private readonly block: Int32Array,
    private readonly deps: GateDeps = threadGateDeps,
  ) {
    this.windowWall = deps.now();
    this.lastCheck = this.windowWall;
    this.lastPass = this.windowWall;
    this.windowCpu = deps.cpuMs();
  }

  /**
   * Called between two segments: while held, calls `save` once and sleeps until released;
   * otherwise sleeps as long as the duty cycle asks.
   */
  pass(save: () => void): void {
    const { block, deps } = this;
    if (Atomics.load(block, HOLD) === 1) {
      save();
      while (Atomics.load(block, HOLD) === 1) deps.wait(block, 1, MAX_WAIT_MS);
      this.restart();
      return;
    }
    const now = deps.now();
    this.busyWall += now - this.lastPass;
    this.lastPass = now;
    const pct = Atomics.load(block, MAX_CPU);
    if (now - this.lastCheck < CHECK_MS) return;
    this.lastCheck = now;
    if (pct >= 100) {
      if (now - this.windowWall >= WINDOW_MS) this.restart();
      return;
    }
    const cpu = deps.cpuMs();
    const used =
      cpu === undefined || this.windowCpu === undefined ? this.busyWall : cpu - this.windowCpu;
    let owed = (used * 100) / pct - (now - this.windowWall);
    while (owed > 0 && Atomics.load(block, HOLD) === 0) {
      const slice = Math.min(owed, MAX_WAIT_MS);
      deps.wait(block, 0, slice);
      owed -= slice;
    }
    const after = deps.now();
    this.lastPass = after;
    if (after - this.windowWall >= WINDOW_MS) this.restart();
  }

  private restart(): void {
    this.windowWall = this.deps.now();
    this.windowCpu = this.deps.cpuMs();
    this.lastPass = this.windowWall;
    this.lastCheck = this.windowWall;
    this.busyWall = 0;
  }
}
