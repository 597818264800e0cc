import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { silentLogger } from "../../../common/log.js";
import {
  checkpointFile,
  decodeCheckpoint,
  loadCheckpoints,
  loadResumable,
  type PartialRun,
  removeCheckpoint,
  writeCheckpointSync,
} from "../../../worker/checkpoint.js";
import type { AssignmentInfo } from "../../../worker/result.js";
import unitTask, { anchorStrideFor, runUnit } from "../../../worker/unit-task.js";
import { hex, SMALL_START } from "./fixtures/unit.js";

// 3 × 4,096 + … segments of one step: S = 3, so checkpoints fall between kept states too
const UNIT = { startState: SMALL_START, steps: 12_300, checkpointInterval: 1 };
const ASSIGNMENT: AssignmentInfo = {
  ...UNIT,
  assignmentId: new Uint8Array(16).fill(5),
  unitId: "j.t0.g0",
  jobId: "j",
  deadlineMs: 1_700_000_000_000,
};
const same = (a: ReturnType<typeof runUnit>, b: ReturnType<typeof runUnit>) => {
  expect(hex(a.finalState)).toBe(hex(b.finalState));
  expect(a.leaves.map(hex)).toEqual(b.leaves.map(hex));
  expect(a.anchorStates.map(hex)).toEqual(b.anchorStates.map(hex));
  expect([a.bestEnergy, a.bestFold, a.anchorStride]).toEqual([
    b.bestEnergy,
    b.bestFold,
    b.anchorStride,
  ]);
};

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "foldnet-checkpoint-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("mid-unit checkpoints", () => {
  it("resuming from any checkpoint gives the unbroken run's output, byte for byte", () => {
    const unbroken = runUnit(UNIT);
    let t = 0;
    const taken: PartialRun[] = [];
    runUnit(UNIT, undefined, {
      checkpointMs: 1_000,
      now: () => t++, // one "millisecond" per segment: a checkpoint every 1,000 segments
      onCheckpoint: (run) =>
        taken.push({ ...run, leaves: [...run.leaves], anchorStates: [...run.anchorStates] }),
    });
    expect(taken.map((c) => c.stepsDone)).toEqual(
      Array.from({ length: 12 }, (_, i) => (i + 1) * 1_000),
    );
    expect(anchorStrideFor(UNIT.steps)).toBe(4);
    for (const from of [taken[0]!, taken[6]!, taken.at(-1)!])
      same(runUnit(UNIT, undefined, { from }), unbroken);
  });

  it("are written durably by the thread task, and load back checked", async () => {
    const small = { ...UNIT, steps: 40 };
    const assignment = { ...ASSIGNMENT, steps: 40 };
    const out = unitTask({ ...small, checkpoint: { dir, everyMs: 0, assignment } });
    expect(out.ok).toBe(true);
    const [loaded] = await loadCheckpoints(dir, anchorStrideFor, silentLogger);
    expect(loaded!.stepsDone).toBe(39); // the last boundary before the end
    expect(loaded!.assignment).toEqual(assignment);
    const resumed = unitTask({ ...small, resume: loaded! });
    expect(resumed.ok && out.ok && hex(resumed.output.finalState)).toBe(
      out.ok && hex(out.output.finalState),
    );
    removeCheckpoint(dir, ASSIGNMENT.assignmentId);
    removeCheckpoint(dir, ASSIGNMENT.assignmentId); // absent is fine
    expect(readdirSync(dir)).toEqual([]);
  });

  it("are removed at start when the unit's result is already spooled (a crash in between)", async () => {
    unitTask({
      ...UNIT,
      steps: 8,
      checkpoint: { dir, everyMs: 0, assignment: { ...ASSIGNMENT, steps: 8 } },
    });
    expect(await loadResumable(dir, anchorStrideFor, () => false, silentLogger)).toHaveLength(1);
    expect(
      await loadResumable(dir, anchorStrideFor, (id) => id === "05".repeat(16), silentLogger),
    ).toEqual([]);
    expect(readdirSync(dir)).toEqual([]);
  });

  it("quarantine a damaged checkpoint instead of resuming a wrong state", async () => {
    let t = 0;
    runUnit(UNIT, undefined, {
      checkpointMs: 5_000,
      now: () => t++,
      onCheckpoint: (run) => {
        if (run.stepsDone === 5_000) writeCheckpointSync(dir, { assignment: ASSIGNMENT, ...run });
      },
    });
    const file = checkpointFile(dir, ASSIGNMENT.assignmentId);
    const text = readFileSync(file, "utf8");
    expect(() => decodeCheckpoint(text, anchorStrideFor)).not.toThrow();
    const json = JSON.parse(text);
    const state = Buffer.from(json.state, "base64");
    state[state.length - 1]! ^= 1;
    writeFileSync(file, JSON.stringify({ ...json, state: state.toString("base64") }));
    expect(await loadCheckpoints(dir, anchorStrideFor, silentLogger)).toEqual([]);
    expect(readdirSync(dir).every((n) => n.endsWith(".corrupt"))).toBe(true);
  });
});
