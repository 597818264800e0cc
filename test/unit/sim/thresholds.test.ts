import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { exchangeTable, expThreshold, metropolisTable } from "../../../sim/thresholds.js";

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
});
