import { describe, expect, it } from "vitest";
import {
  type GateDeps,
  HOLD,
  MAX_CPU,
  newControlBlock,
  setControl,
  UnitGate,
} from "../../../worker/unit-gate.js";
import { runUnit } from "../../../worker/unit-task.js";
import { hex, SMALL_START } from "./fixtures/unit.js";

/**
 * A simulated thread: each segment takes `segmentMs` of wall time of which it gets `share`
 * on a CPU (1 = not starved); waits take wall time only. CPU time reads in 10 ms ticks, as
 * /proc does.
 */
function simulate(opts: { pct: number; segmentMs: number; share?: number; cpuReadable?: boolean }) {
  const block = newControlBlock();
  setControl(block, false, opts.pct);
  let wall = 0;
  let cpu = 0;
  let waits = 0;
  const deps: GateDeps = {
    now: () => wall,
    cpuMs: () => (opts.cpuReadable === false ? undefined : Math.floor(cpu / 10) * 10),
    wait: (_b, _v, ms) => {
      waits++;
      wall += ms;
    },
  };
  const gate = new UnitGate(block, deps);
  const run = (ms: number) => {
    const end = wall + ms;
    while (wall < end) {
      wall += opts.segmentMs;
      cpu += opts.segmentMs * (opts.share ?? 1);
      gate.pass(() => {});
    }
  };
  return { block, gate, run, stats: () => ({ wall, cpu, waits }) };
}

describe("the unit gate's duty cycle", () => {
  for (const pct of [10, 25, 50, 75])
    it(`keeps a thread at ${pct} % of a core`, () => {
      const sim = simulate({ pct, segmentMs: 2 });
      sim.run(20_000);
      const { wall, cpu } = sim.stats();
      expect((100 * cpu) / wall).toBeGreaterThan(pct - 2);
      expect((100 * cpu) / wall).toBeLessThan(pct + 2);
    });

  it("does not sleep at 100 %", () => {
    const sim = simulate({ pct: 100, segmentMs: 2 });
    sim.run(5_000);
    expect(sim.stats().waits).toBe(0);
  });

  it("counts the thread's CPU, not wall time: a starved thread is not slowed further", () => {
    // the thread gets half a core while it runs, capped at 50 %: no sleeping needed
    const sim = simulate({ pct: 50, segmentMs: 2, share: 0.5 });
    sim.run(10_000);
    const { wall, cpu } = sim.stats();
    expect((100 * cpu) / wall).toBeGreaterThan(47);
  });

  it("falls back to busy wall time where the thread's CPU cannot be read", () => {
    const sim = simulate({ pct: 30, segmentMs: 3, cpuReadable: false });
    sim.run(10_000);
    const { wall, cpu } = sim.stats();
    expect((100 * cpu) / wall).toBeGreaterThan(28);
    expect((100 * cpu) / wall).toBeLessThan(32);
  });

  it("follows a changed cap", () => {
    const sim = simulate({ pct: 80, segmentMs: 2 });
    sim.run(5_000);
    setControl(sim.block, false, 20);
    const before = sim.stats();
    sim.run(10_000);
    const after = sim.stats();
    expect((100 * (after.cpu - before.cpu)) / (after.wall - before.wall)).toBeLessThan(22);
  });
});

describe("the unit gate's hold", () => {
  it("saves once, sleeps until released, then runs on", () => {
    const block = newControlBlock();
    let saves = 0;
    let waits = 0;
    const gate = new UnitGate(block, {
      now: () => 0,
      cpuMs: () => 0,
      wait: (b, value, ms) => {
        expect([b, value, ms]).toEqual([block, 1, 250]);
        if (++waits === 3) setControl(block, false, 100);
      },
    });
    setControl(block, true, 100);
    expect(Atomics.load(block, HOLD)).toBe(1);
    gate.pass(() => saves++);
    expect({ saves, waits }).toEqual({ saves: 1, waits: 3 });
    gate.pass(() => saves++);
    expect(saves).toBe(1);
  });

  it("setControl writes the hold and the cap; a fresh block runs at 100 %", () => {
    const block = newControlBlock();
    expect(Atomics.load(block, MAX_CPU)).toBe(100);
    setControl(block, true, 40);
    expect([Atomics.load(block, HOLD), Atomics.load(block, MAX_CPU)]).toEqual([1, 40]);
  });
});

describe("runUnit with a gate", () => {
  it("passes the gate between segments, saves where asked, and gives the same output", () => {
    const unit = { startState: SMALL_START, steps: 2_000, checkpointInterval: 100 };
    const saved: number[] = [];
    let passes = 0;
    const gated = runUnit(unit, undefined, {
      onCheckpoint: (run) => saved.push(run.stepsDone),
      checkpointMs: Number.POSITIVE_INFINITY,
      gate: (save) => {
        if (++passes === 7) save();
      },
    });
    expect(passes).toBe(19); // every segment but the last
    expect(saved).toEqual([700]);
    const plain = runUnit(unit);
    expect(hex(gated.finalState)).toBe(hex(plain.finalState));
    expect(gated.leaves.map(hex)).toEqual(plain.leaves.map(hex));
  });
});
