import { MessageChannel } from "node:worker_threads";
import { afterEach, describe, expect, it } from "vitest";
import { stateHash } from "../../../sim/state-codec.js";
import { runWorkUnit } from "../../../sim/work-unit.js";
import { createUnitPool, type UnitPool } from "../../../worker/pool.js";
import unitTask, {
  anchorStrideFor,
  MAX_ANCHORS,
  runUnit,
  type UnitProgress,
} from "../../../worker/unit-task.js";
import { expectFoldnetError } from "../../helpers/errors.js";
import { hex, LONG_UNIT, SMALL_START, SMALL_UNIT, TASK_LOADER } from "./fixtures/unit.js";

describe("the unit task", () => {
  it("gives sim's runWorkUnit output byte for byte", () => {
    const reference = runWorkUnit(SMALL_UNIT);
    const out = runUnit(SMALL_UNIT);
    expect(hex(out.finalState)).toBe(hex(reference.finalState));
    expect(out.leaves.map(hex)).toEqual(reference.leaves.map(hex));
    expect(out.bestEnergy).toBe(reference.bestEnergy);
    expect(out.bestFold).toBe(reference.bestFold);
  });

  it("keeps one state per segment in a small unit, each hashing to its leaf", () => {
    const out = runUnit(SMALL_UNIT);
    expect(out.anchorStride).toBe(1);
    expect(out.anchorStates).toHaveLength(4);
    expect(hex(out.anchorStates[0]!)).toBe(hex(SMALL_START));
    out.anchorStates.forEach((s, j) => {
      expect(hex(stateHash(s))).toBe(hex(out.leaves[j]!));
    });
    expect(hex(stateHash(out.finalState))).toBe(hex(out.leaves[4]!));
  });

  it("keeps at most MAX_ANCHORS states: one every S = ⌈L / MAX_ANCHORS⌉ segments", () => {
    expect(anchorStrideFor(MAX_ANCHORS)).toBe(1);
    expect(anchorStrideFor(MAX_ANCHORS + 1)).toBe(2);
    expect(anchorStrideFor(65_536)).toBe(16);
    const segments = 3 * MAX_ANCHORS;
    const out = runUnit({ startState: SMALL_START, steps: segments, checkpointInterval: 1 });
    expect(out.anchorStride).toBe(3);
    expect(out.anchorStates).toHaveLength(MAX_ANCHORS);
    out.anchorStates.forEach((s, i) => {
      expect(hex(stateHash(s))).toBe(hex(out.leaves[3 * i]!));
    });
  });

  it("posts progress on its port, the last one at the unit's end", async () => {
    const { port1, port2 } = new MessageChannel();
    const seen: UnitProgress[] = [];
    const done = new Promise<void>((resolve) => {
      port1.on("message", (p: UnitProgress) => {
        seen.push(p);
        if (p.stepsDone === SMALL_UNIT.steps) resolve();
      });
    });
    const result = unitTask({ ...SMALL_UNIT, progressPort: port2 });
    await done;
    port1.close();
    expect(result.ok).toBe(true);
    expect(seen[0]!.stepsDone).toBe(500);
    expect(seen.at(-1)).toEqual({
      stepsDone: 2_000,
      bestEnergy: runWorkUnit(SMALL_UNIT).bestEnergy,
    });
  });

  it("returns a sim error as data, since types do not survive the thread boundary", () => {
    const result = unitTask({ ...SMALL_UNIT, steps: 750 });
    expect(result).toMatchObject({
      ok: false,
      error: { code: "SIM_ERROR_BAD_PARAMETER", field: "steps" },
    });
  });
});

describe("the pool (piscina, real threads)", () => {
  let pool: UnitPool | undefined;
  afterEach(async () => {
    await pool?.close();
    pool = undefined;
  });

  it("runs a unit in a thread with the same output as the main thread", async () => {
    pool = createUnitPool({ threads: 1, filename: TASK_LOADER });
    const progress: UnitProgress[] = [];
    const out = await pool.run(SMALL_UNIT, { onProgress: (p) => progress.push(p) });
    const reference = runUnit(SMALL_UNIT);
    expect(hex(out.finalState)).toBe(hex(reference.finalState));
    expect(out.leaves.map(hex)).toEqual(reference.leaves.map(hex));
    expect(out.anchorStates.map(hex)).toEqual(reference.anchorStates.map(hex));
    expect(pool.pending).toBe(0);
  });

  it("wraps a rejected input into WORKER_ERROR_TASK_FAILED with the sim's code", async () => {
    pool = createUnitPool({ threads: 1, filename: TASK_LOADER });
    await expectFoldnetError(pool.run({ ...SMALL_UNIT, startState: new Uint8Array(8) }), {
      code: "WORKER_ERROR_TASK_FAILED",
      cause: "SIM_ERROR_BAD_STATE",
    });
  });

  it("rejects beyond its bounded queue, and aborts a running unit by its signal", async () => {
    pool = createUnitPool({ threads: 1, maxQueue: 1, filename: TASK_LOADER });
    const running = new AbortController();
    let started!: () => void;
    const startedP = new Promise<void>((r) => {
      started = r;
    });
    const a = pool.run(LONG_UNIT, { signal: running.signal, onProgress: () => started() });
    await startedP;
    const queued = new AbortController();
    const b = pool.run(LONG_UNIT, { signal: queued.signal });
    await expectFoldnetError(pool.run(LONG_UNIT), {
      code: "WORKER_ERROR_QUEUE_MAX_LENGTH",
      maxQueue: 1,
    });
    queued.abort();
    running.abort();
    await expectFoldnetError(a, { code: "WORKER_ERROR_ABORTED" });
    await expectFoldnetError(b, { code: "WORKER_ERROR_ABORTED" });
  });

  it("refuses work once closed", async () => {
    const closed = createUnitPool({ threads: 1, filename: TASK_LOADER });
    await closed.close();
    await expectFoldnetError(closed.run(SMALL_UNIT), { code: "WORKER_ERROR_POOL_CLOSED" });
  });

  it("checks its sizes", () => {
    expect(() => createUnitPool({ threads: 0 })).toThrow(RangeError);
    expect(() => createUnitPool({ threads: 1, maxQueue: 0 })).toThrow(RangeError);
  });
});
