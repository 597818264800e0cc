import { describe, expect, it } from "vitest";
import { boxTables } from "../../../sim/box-tables.js";
import { contactPairs, foldEnergy, foldToString, layOut, parseFold } from "../../../sim/fold.js";
import {
  LATTICE_SPECS,
  LATTICES,
  latticeByWireCode,
  latticeSpec,
  parseLattice,
} from "../../../sim/lattice.js";
import { MODEL_SPECS, modelSpec, parseModel, strength } from "../../../sim/model.js";
import { resolveSearchParams } from "../../../sim/params.js";
import { createSearch, resumeSearch, searchState } from "../../../sim/search.js";
import { decodeState } from "../../../sim/state-codec.js";
import { expectFoldnetError } from "../../helpers/errors.js";

describe("lattice specs", () => {
  for (const spec of LATTICE_SPECS) {
    it(`${spec.name}: distinct letters, unit vectors of one length, code ^ 1 opposite`, () => {
      expect(new Set(spec.letters).size).toBe(spec.vectors.length);
      expect(spec.letters).toHaveLength(spec.vectors.length);
      spec.vectors.forEach((v, c) => {
        expect(Math.hypot(...v)).toBeCloseTo(spec.bondLength, 12);
        expect(spec.vectors[c ^ 1]).toEqual(v.map((x) => -x || 0));
        if (spec.dimensions === 2) expect(v[2]).toBe(0);
      });
      expect(latticeByWireCode(spec.wireCode)).toBe(spec);
      expect(latticeSpec(spec.name)).toBe(spec);
      expect(parseLattice(spec.name)).toBe(spec.name);
    });
  }

  for (const spec of LATTICE_SPECS) {
    it(`${spec.name}: the box's dirOf answers every difference of up to three steps (the engine reads it unchecked)`, () => {
      const { width: w, offsets, dirOf, dirBias } = boxTables(spec, 12);
      const flat = ([x, y, z]: readonly number[]) => x! + y! * w + z! * w * w;
      let sums: number[][] = [[0, 0, 0]];
      for (let steps = 1; steps <= 3; steps++) {
        sums = sums.flatMap((s) => spec.vectors.map((v) => s.map((x, a) => x + v[a]!)));
        for (const s of sums) {
          const at = flat(s) + dirBias;
          expect(at >= 0 && at < dirOf.length).toBe(true);
          const code = offsets.indexOf(flat(s));
          expect(dirOf[at]).toBe(spec.vectors[code]?.every((x, a) => x === s[a]) ? code : -1);
        }
      }
    });
  }

  it("keeps the wire codes of square2d and cubic3d (0 and 1) and the old letters", () => {
    expect(LATTICES.slice(0, 2)).toEqual(["square2d", "cubic3d"]);
    expect(latticeSpec("cubic3d").letters).toBe("RLUDFB");
    expect(latticeSpec("square2d").letters).toBe("RLUD");
  });

  it("fcc3d has the 12 vectors of length √2 and letters A…L", () => {
    const fcc = latticeSpec("fcc3d");
    expect(fcc.letters).toBe("ABCDEFGHIJKL");
    expect(new Set(fcc.vectors.map((v) => v.join())).size).toBe(12);
    for (const v of fcc.vectors) expect(v.filter((x) => x === 0)).toHaveLength(1);
  });

  it("lays out an FCC fold and finds its triangle contacts (FCC is not bipartite)", () => {
    const coords = layOut(parseFold("AD", 3, "fcc3d"), "fcc3d");
    expect(coords).toEqual([
      [0, 0, 0],
      [1, 1, 0],
      [0, 2, 0],
    ]);
    // 0 (0,0,0) → A (1,1,0) → H (0,1,1) → F (−1,1,0): residue 0 touches 2 and 3
    const rhombus = layOut(parseFold("AHF", 4, "fcc3d"), "fcc3d");
    expect(contactPairs("HPPH", rhombus, "fcc3d")).toEqual([[0, 3]]);
    expect(foldEnergy("HPPH", "AHF", "fcc3d")).toBe(-1);
    expect(foldToString(parseFold("AHF", 4, "fcc3d"), "fcc3d")).toBe("AHF");
  });

  it("refuses an unknown lattice and a letter of another lattice by code", async () => {
    await expectFoldnetError(() => parseLattice("hex"), { code: "SIM_ERROR_UNKNOWN_LATTICE" });
    await expectFoldnetError(() => foldEnergy("HPPH", "RUL", "fcc3d"), {
      code: "SIM_ERROR_BAD_FOLD",
      reason: "letter",
      position: 0,
    });
  });
});

describe("energy models", () => {
  it("hp: only H–H contacts count, strength 1", () => {
    const hp = modelSpec("hp");
    expect(Array.from(hp.strengths)).toEqual([1, 0, 0, 0]);
  });

  it("mj: symmetric, 20 amino acids, MJ 1996 Table III × −100 (spot values)", () => {
    const mj = modelSpec("mj");
    const s = (a: string, b: string) =>
      strength(mj, mj.alphabet.indexOf(a), mj.alphabet.indexOf(b));
    expect(mj.alphabet).toHaveLength(20);
    expect(new Set(mj.alphabet).size).toBe(20);
    for (const a of mj.alphabet) for (const b of mj.alphabet) expect(s(a, b)).toBe(s(b, a));
    expect(s("L", "L")).toBe(737); // e_LL = −7.37, the strongest
    expect(s("K", "K")).toBe(12); // e_KK = −0.12, the weakest
    expect(s("C", "C")).toBe(544);
    expect(s("F", "L")).toBe(728);
    expect(s("D", "D")).toBe(91);
    expect(s("R", "K")).toBe(59);
  });

  it("mj energies of a fold sum the pair strengths of its contacts", () => {
    // the FCC rhombus above: contacts M–A (e = −3.94) and M–K (e = −2.48)
    const coords = layOut(parseFold("AHF", 4, "fcc3d"), "fcc3d");
    expect(contactPairs("MAAK", coords, "fcc3d", "mj")).toEqual([
      [0, 3],
      [0, 2],
    ]);
    expect(foldEnergy("MAAK", "AHF", "fcc3d", "fold", "mj")).toBe(-(394 + 248));
  });

  it("refuses an unknown model and letters outside the model's alphabet by code", async () => {
    await expectFoldnetError(() => parseModel("go"), { code: "SIM_ERROR_UNKNOWN_MODEL" });
    await expectFoldnetError(
      () => resolveSearchParams({ sequence: "MKVX", lattice: "fcc3d", model: "mj" }),
      { code: "SIM_ERROR_BAD_SEQUENCE", position: 3 },
    );
    await expectFoldnetError(() => resolveSearchParams({ sequence: "HPPA", lattice: "square2d" }), {
      code: "SIM_ERROR_BAD_SEQUENCE",
      position: 3,
    });
  });
});

describe("canonical states of other models", () => {
  it("HP states keep the FNS1 layout; MJ states are FNS2 with a model byte, and resume exactly", () => {
    const hp = searchState(createSearch({ sequence: "HPPH", lattice: "fcc3d", seed: 1 }));
    expect(new TextDecoder().decode(hp.subarray(0, 4))).toBe("FNS1");
    const search = createSearch({ sequence: "MKVLAAG", lattice: "fcc3d", model: "mj", seed: 1 });
    search.run(5_000);
    const mj = searchState(search);
    expect(new TextDecoder().decode(mj.subarray(0, 4))).toBe("FNS2");
    expect(mj[5]).toBe(MODEL_SPECS.findIndex((m) => m.name === "mj"));
    expect(decodeState(mj).params.model).toBe("mj");
    expect(searchState(resumeSearch(mj))).toEqual(mj);
  });

  it("refuses FNS2 naming the HP model (one encoding per state) by code", async () => {
    const mj = searchState(
      createSearch({ sequence: "HPPH", lattice: "fcc3d", model: "mj", seed: 1 }),
    );
    const bad = Uint8Array.from(mj);
    bad[5] = 0;
    await expectFoldnetError(() => decodeState(bad), {
      code: "SIM_ERROR_BAD_STATE",
      field: "model",
    });
  });
});
