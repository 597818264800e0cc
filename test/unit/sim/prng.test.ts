import { describe, expect, it } from "vitest";
import { nextUint32, seedXoshiro128 } from "../../../sim/prng.js";
import { expectFoldnetError } from "../../helpers/errors.js";

describe("xoshiro128** with SplitMix64 seeding", () => {
  it("seeds from SplitMix64: seed 0 gives its published first outputs 0xe220a8397b1dcdaf, 0x6e789e6aa1b965f4", () => {
    expect(Array.from(seedXoshiro128(0))).toEqual([0x7b1dcdaf, 0xe220a839, 0xa1b965f4, 0x6e789e6a]);
  });

  it("matches the reference recurrence from state {1, 2, 3, 4} (worked by hand: 11520, 0)", () => {
    const s = Uint32Array.from([1, 2, 3, 4]);
    expect(nextUint32(s)).toBe(11520);
    expect(Array.from(s)).toEqual([7, 0, 1026, 12288]);
    expect(nextUint32(s)).toBe(0);
  });

  it("produces the golden stream for seed 42 (non-regression)", () => {
    const s = seedXoshiro128(42);
    const out = Array.from({ length: 8 }, () => nextUint32(s));
    expect(out).toMatchSnapshot();
  });

  it("rejects seeds outside [0, 2^64) with a typed error", async () => {
    await expectFoldnetError(() => seedXoshiro128(-1), {
      code: "SIM_ERROR_BAD_PARAMETER",
      field: "seed",
    });
    await expectFoldnetError(() => seedXoshiro128(2n ** 64n), {
      code: "SIM_ERROR_BAD_PARAMETER",
      field: "seed",
    });
    await expectFoldnetError(() => seedXoshiro128(1.5), {
      code: "SIM_ERROR_BAD_PARAMETER",
      field: "seed",
    });
  });
});
