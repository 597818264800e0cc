import { describe, expect, it } from "vitest";
import { contactPairs, foldEnergy, layOut, parseFold } from "../../../sim/fold.js";
import { renderPdb } from "../../../sim/render-pdb.js";
import { renderSvg } from "../../../sim/render-svg.js";
import { createSearch, summarize } from "../../../sim/search.js";
import { expectFoldnetError } from "../../helpers/errors.js";

const folded = (lattice: "square2d" | "cubic3d") => {
  const search = createSearch({ sequence: "HPHPPHHPHPPHPHHPPHPH", lattice, seed: 11 });
  search.run(200_000);
  return summarize(search);
};

describe("fold pictures", () => {
  for (const lattice of ["square2d", "cubic3d"] as const) {
    it(`draws every residue, H and P apart, and every contact (${lattice})`, () => {
      const { sequence, bestFold, bestEnergy } = folded(lattice);
      const svg = renderSvg(sequence, bestFold, lattice, { title: `E = ${bestEnergy}` });
      expect(svg.startsWith("<svg")).toBe(true);
      expect(svg.match(/<circle class="H"/g)).toHaveLength(
        [...sequence].filter((c) => c === "H").length,
      );
      expect(svg.match(/<circle class="P"/g)).toHaveLength(
        [...sequence].filter((c) => c === "P").length,
      );
      expect(svg.match(/class="contact"/g)?.length ?? 0).toBe(-bestEnergy);
      expect(svg).toContain(`E = ${bestEnergy}`);
    });

    it(`writes a PDB CA trace at 3.8 Å per bond in fixed columns (${lattice})`, () => {
      const { sequence, bestFold } = folded(lattice);
      const pdb = renderPdb(sequence, bestFold, lattice);
      const atoms = pdb.split("\n").filter((l) => l.startsWith("ATOM"));
      expect(atoms).toHaveLength(sequence.length);
      const xyz = atoms.map((l) => [l.slice(30, 38), l.slice(38, 46), l.slice(46, 54)].map(Number));
      const coords = layOut(parseFold(bestFold, sequence.length, lattice), lattice);
      xyz.forEach((p, i) => {
        expect(p).toEqual(coords[i]!.map((v) => Number((v * 3.8).toFixed(3))));
        expect(atoms[i]!.slice(17, 20)).toBe(sequence[i] === "H" ? "HIS" : "PRO");
        expect(atoms[i]!.slice(12, 16)).toBe(" CA ");
      });
      expect(pdb.split("\n").filter((l) => l.startsWith("CONECT"))).toHaveLength(
        sequence.length - 1,
      );
    });
  }

  it("counts contacts as the energy does", () => {
    const coords = layOut(parseFold("RUL", 4, "square2d"), "square2d");
    expect(contactPairs("HPPH", coords, "square2d")).toEqual([[0, 3]]);
    expect(foldEnergy("HPPH", "RUL", "square2d")).toBe(-1);
  });

  it("refuses an invalid fold with a typed error", async () => {
    await expectFoldnetError(() => renderSvg("HPPH", "RLR", "square2d"), {
      code: "SIM_ERROR_BAD_FOLD",
      reason: "collision",
    });
    await expectFoldnetError(() => renderPdb("HPPH", "RR", "square2d"), {
      code: "SIM_ERROR_BAD_FOLD",
      reason: "length",
    });
  });
});
