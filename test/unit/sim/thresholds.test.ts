import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { geometricLadder } from "../../../sim/params.js";
import {
  exchangeTable,
  expThreshold,
  metropolisTable,
  thresholdTables,
} from "../../../sim/thresholds.js";

describe("integer acceptance thresholds", () => {
  it("computes ⌊e^−1·2^32⌋ exactly", () => {
    expect(expThreshold(1n, 1n)).toBe(1580030168);
  });

  it("agrees with floating point within one unit for any rational argument", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 30_000 }),
        fc.integer({ min: 1, max: 10_000 }),
        (a, b) => {
          const expected = Math.floor(Math.exp(-a / b) * 2 ** 32);
          expect(
            Math.abs(expThreshold(BigInt(a), BigInt(b)) - Math.min(expected, 0xffffffff)),
          ).toBeLessThanOrEqual(1);
        },
      ),
    );
  });

  it("always accepts ΔE = 0 and decreases with ΔE", () => {
    const table = metropolisTable([500, 1000], 20);
    expect(table[0]).toBe(0xffffffff);
    for (let d = 1; d <= 20; d++) expect(table[21 + d]!).toBeLessThan(table[21 + d - 1]!);
    expect(table[21 + 1]).toBe(expThreshold(1000n, 1000n));
  });

  it("uses (1/T_low − 1/T_high)·ΔE for exchanges", () => {
    const table = exchangeTable([500, 1000], 5);
    // (1/0.5 − 1/1)·1 = 1
    expect(table[1]).toBe(expThreshold(1n, 1n));
  });

  it("cut tables agree with the full ones and end in zeros (large ΔE reads the last entry)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 3000 }),
        fc.integer({ min: 1, max: 3 }),
        (replicas, tMin, ratio) => {
          const ladder = [...new Set(geometricLadder(replicas, tMin, tMin * (1 + ratio)))];
          const maxDelta = 5000;
          const cut = thresholdTables(ladder, maxDelta);
          const fullM = metropolisTable(ladder, maxDelta);
          const fullX = exchangeTable(ladder, maxDelta);
          for (let k = 0; k < ladder.length; k++) {
            for (let d = 0; d <= maxDelta; d++) {
              const at = Math.min(d, cut.row - 1);
              expect(cut.metropolis[k * cut.row + at]).toBe(fullM[k * (maxDelta + 1) + d]);
              if (k + 1 < ladder.length)
                expect(cut.exchange[k * cut.row + at]).toBe(fullX[k * (maxDelta + 1) + d]);
            }
          }
        },
      ),
      { numRuns: 15 },
    );
  });
});
