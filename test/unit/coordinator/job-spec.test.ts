import { describe, expect, it } from "vitest";
import {
  DEFAULT_UNIT_STEPS,
  MIN_SEGMENT_STEPS,
  MIN_SEGMENTS_PER_UNIT,
  minTargetEnergy,
  parseJobSpec,
  segmentsForUnit,
} from "../../../coordinator/job-spec.js";
import { MAX_SEGMENTS_PER_UNIT } from "../../../protocol/limits.js";
import { expectFoldnetError } from "../../helpers/errors.js";

describe("unit sizes and segments", () => {
  it("scales L with the unit: 1,024 segments for small units, 131,072 for the default", () => {
    expect(segmentsForUnit(MIN_SEGMENTS_PER_UNIT)).toBe(1024);
    expect(segmentsForUnit(2 ** 21)).toBe(1024); // K = 2,048: below MIN_SEGMENT_STEPS anyway
    expect(segmentsForUnit(2 ** 26)).toBe(2048); // K = 32,768
    expect(segmentsForUnit(DEFAULT_UNIT_STEPS)).toBe(MAX_SEGMENTS_PER_UNIT);
    expect(DEFAULT_UNIT_STEPS / MAX_SEGMENTS_PER_UNIT).toBe(MIN_SEGMENT_STEPS);
    expect(segmentsForUnit(2 ** 31)).toBe(65_536);
    expect(segmentsForUnit(2 ** 34)).toBe(MAX_SEGMENTS_PER_UNIT); // K = 2¹⁷
    // an odd multiple of 1,024 cannot be split further
    expect(segmentsForUnit(1024 * 99_999)).toBe(1024);
  });

  it("always divides the unit into whole segments of at least one step", () => {
    for (let n = 1; n <= 2 ** 14; n = n * 3 + 1) {
      const steps = n * MIN_SEGMENTS_PER_UNIT;
      const L = segmentsForUnit(steps);
      expect(steps % L).toBe(0);
      expect(L).toBeLessThanOrEqual(MAX_SEGMENTS_PER_UNIT);
    }
  });

  it("defaults a big job to the default unit and a small one to its steps per trajectory", () => {
    const big = parseJobSpec({ sequence: "HPHPPHHPHPPH", steps: 1e11, trajectories: 4 });
    expect(big.unitSteps).toBe(DEFAULT_UNIT_STEPS);
    const small = parseJobSpec({ sequence: "HPHPPHHPHPPH", steps: 4_000_000, trajectories: 2 });
    expect(small.unitSteps).toBe(2_000_896); // 2 M rounded up to a multiple of 1,024
  });

  it("refuses a unit that is not a multiple of MIN_SEGMENTS_PER_UNIT", async () => {
    await expectFoldnetError(
      () => parseJobSpec({ sequence: "HPHPPHHPHPPH", steps: 1e6, unitSteps: 1000 }),
      { code: "API_ERROR_BAD_REQUEST", field: "unitSteps" },
    );
  });
});

describe("the energy model of a job", () => {
  const base = { steps: 1e6 };
  it("defaults to hp and takes mj over the amino acids themselves, not mapped to H/P", () => {
    expect(parseJobSpec({ ...base, sequence: "HPPH" }).model).toBe("hp");
    const mj = parseJobSpec({ ...base, model: "mj", sequence: "mkvlaagivg" });
    expect([mj.model, mj.sequence, mj.input]).toEqual(["mj", "MKVLAAGIVG", undefined]);
    expect(parseJobSpec({ ...base, model: "mj", aminoAcids: "MKVL" }).sequence).toBe("MKVL");
    // an hp job given amino acids still maps them (sim/hydrophobicity.ts)
    expect(parseJobSpec({ ...base, aminoAcids: "MKVL" }).sequence).toBe("HPHH");
  });

  it("refuses an unknown model and letters outside the model's alphabet", async () => {
    await expectFoldnetError(() => parseJobSpec({ ...base, model: "go", sequence: "HP" }), {
      code: "API_ERROR_BAD_REQUEST",
      field: "model",
    });
    await expectFoldnetError(() => parseJobSpec({ ...base, model: "mj", sequence: "MKXL" }), {
      code: "API_ERROR_BAD_REQUEST",
      field: "sequence",
      position: 2,
    });
  });

  it("scales the targetEnergy bound with the model's strongest contact", async () => {
    expect(minTargetEnergy("hp")).toBe(-100_000);
    expect(minTargetEnergy("mj")).toBe(-73_700_000);
    const seq = { ...base, sequence: "MKVL", model: "mj" };
    expect(parseJobSpec({ ...seq, targetEnergy: -5_000_000 }).targetEnergy).toBe(-5_000_000);
    await expectFoldnetError(() => parseJobSpec({ ...seq, targetEnergy: -73_700_001 }), {
      code: "API_ERROR_BAD_REQUEST",
      field: "targetEnergy",
    });
    await expectFoldnetError(
      () => parseJobSpec({ ...base, sequence: "HPPH", targetEnergy: -5_000_000 }),
      { code: "API_ERROR_BAD_REQUEST", field: "targetEnergy" },
    );
  });
});
