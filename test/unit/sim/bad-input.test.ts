import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { FoldnetError } from "../../../common/errors.js";
import { foldEnergy } from "../../../sim/fold.js";
import { createSearch, resumeSearch, searchState } from "../../../sim/search.js";
import { expectFoldnetError } from "../../helpers/errors.js";

describe("bad input gets a typed error naming the field", () => {
  it("a sequence with other letters", async () => {
    await expectFoldnetError(
      () => createSearch({ sequence: "HPXH", lattice: "square2d", seed: 1 }),
      {
        code: "SIM_ERROR_BAD_SEQUENCE",
        field: "sequence",
        position: 2,
      },
    );
    await expectFoldnetError(() => createSearch({ sequence: "H", lattice: "square2d", seed: 1 }), {
      code: "SIM_ERROR_BAD_SEQUENCE",
    });
  });

  it("an unknown lattice", async () => {
    await expectFoldnetError(
      () => createSearch({ sequence: "HPPH", lattice: "hex" as "square2d", seed: 1 }),
      {
        code: "SIM_ERROR_UNKNOWN_LATTICE",
        field: "lattice",
      },
    );
  });

  it("a fold that collides, has a wrong length or a letter of the wrong lattice", async () => {
    await expectFoldnetError(() => foldEnergy("HPPHH", "RULD", "square2d"), {
      code: "SIM_ERROR_BAD_FOLD",
      reason: "collision",
      position: 4,
    });
    await expectFoldnetError(() => foldEnergy("HPPH", "RU", "square2d"), {
      code: "SIM_ERROR_BAD_FOLD",
      reason: "length",
    });
    await expectFoldnetError(() => foldEnergy("HPPH", "RUF", "square2d"), {
      code: "SIM_ERROR_BAD_FOLD",
      reason: "letter",
      position: 2,
    });
  });

  it("non-integer or negative steps, bad replicas and temperatures", async () => {
    const search = createSearch({ sequence: "HPPH", lattice: "square2d", seed: 1 });
    expect(() => search.run(1.5)).toThrow(RangeError);
    expect(() => search.run(-1)).toThrow(RangeError);
    await expectFoldnetError(
      () => createSearch({ sequence: "HPPH", lattice: "square2d", seed: 1, replicas: 0 }),
      {
        code: "SIM_ERROR_BAD_PARAMETER",
        field: "replicas",
      },
    );
    await expectFoldnetError(
      () =>
        createSearch({
          sequence: "HPPH",
          lattice: "square2d",
          seed: 1,
          temperaturesMilli: [500, 400],
        }),
      { code: "SIM_ERROR_BAD_PARAMETER", field: "temperaturesMilli[1]" },
    );
  });

  it("any corrupted state decodes to a typed error or to a valid state, never a crash", () => {
    const search = createSearch({
      sequence: "HPHPPHHPHPPHPHHPPHPH",
      lattice: "cubic3d",
      seed: 5,
      replicas: 3,
    });
    search.run(5_000);
    const good = searchState(search);
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: good.length - 1 }),
        fc.integer({ min: 1, max: 255 }),
        fc.nat(good.length),
        (at, xor, cut) => {
          const bad = Uint8Array.from(good);
          bad[at]! ^= xor;
          for (const bytes of [bad, good.subarray(0, cut)]) {
            try {
              const resumed = resumeSearch(bytes);
              expect(searchState(resumed)).toEqual(bytes);
            } catch (err) {
              expect(err).toBeInstanceOf(FoldnetError);
            }
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});
