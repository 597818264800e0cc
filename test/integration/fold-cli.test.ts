import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { foldEnergy } from "../../sim/fold.js";
import { runFoldnet } from "../helpers/cli.js";

describe("foldnet fold", () => {
  it("prints one JSON object, the same for the same arguments, with a valid best fold", async () => {
    const args = [
      "fold",
      "--seq",
      "HPHPPHHPHPPHPHHPPHPH",
      "--lattice",
      "cubic3d",
      "--steps",
      "400000",
      "--seed",
      "9",
      "--json",
    ];
    const [a, b] = await Promise.all([runFoldnet(args), runFoldnet(args)]);
    expect(a.code).toBe(0);
    expect(a.stdout).toBe(b.stdout);
    const out = JSON.parse(a.stdout);
    expect(out).toMatchObject({
      sequence: "HPHPPHHPHPPHPHHPPHPH",
      lattice: "cubic3d",
      steps: 400000,
      seed: "9",
    });
    expect(out.stateHash).toMatch(/^[0-9a-f]{64}$/);
    expect(foldEnergy(out.sequence, out.bestFold, "cubic3d")).toBe(out.bestEnergy);
  });

  it("writes the SVG and PDB pictures it is asked for", async () => {
    const dir = mkdtempSync(join(tmpdir(), "foldnet-fold-"));
    const run = await runFoldnet([
      "fold",
      "--seq",
      "HPPHHPH",
      "--steps",
      "10000",
      "--svg",
      join(dir, "f.svg"),
      "--pdb",
      join(dir, "f.pdb"),
    ]);
    expect(run.code).toBe(0);
    expect(readFileSync(join(dir, "f.svg"), "utf8")).toContain("<svg");
    expect(
      readFileSync(join(dir, "f.pdb"), "utf8")
        .split("\n")
        .filter((l) => l.startsWith("ATOM")),
    ).toHaveLength(7);
  });

  it("folds an amino-acid sequence on FCC with the MJ potential, end to end (JSON, SVG, PDB)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "foldnet-fcc-"));
    const sequence = "MKVLAAGIVGLLLAACSSEK";
    const run = await runFoldnet([
      "fold",
      "--lattice",
      "fcc3d",
      "--model",
      "mj",
      "--seq",
      sequence,
      "--steps",
      "200000",
      "--svg",
      join(dir, "f.svg"),
      "--pdb",
      join(dir, "f.pdb"),
      "--json",
    ]);
    expect(run.code).toBe(0);
    const out = JSON.parse(run.stdout);
    expect(out).toMatchObject({ sequence, lattice: "fcc3d", model: "mj", steps: 200000 });
    expect(out.bestEnergy).toBeLessThan(0);
    expect(foldEnergy(sequence, out.bestFold, "fcc3d", "fold", "mj")).toBe(out.bestEnergy);
    const svg = readFileSync(join(dir, "f.svg"), "utf8");
    expect(svg.match(/<circle /g)).toHaveLength(sequence.length);
    const atoms = readFileSync(join(dir, "f.pdb"), "utf8")
      .split("\n")
      .filter((l) => l.startsWith("ATOM"));
    expect(atoms.map((l) => l.slice(17, 20))).toEqual([
      ..."MET LYS VAL LEU ALA ALA GLY ILE VAL GLY LEU LEU LEU ALA ALA CYS SER SER GLU LYS".split(
        " ",
      ),
    ]);
    // consecutive CA atoms 3.8 Å apart: the FCC bond (√2 lattice units) is scaled to 3.8 Å
    const xyz = atoms.map((l) => [l.slice(30, 38), l.slice(38, 46), l.slice(46, 54)].map(Number));
    for (let i = 1; i < xyz.length; i++) {
      expect(Math.hypot(...xyz[i]!.map((v, a) => v - xyz[i - 1]![a]!))).toBeCloseTo(3.8, 2);
    }
  });

  it("refuses bad input on stderr with a non-zero exit and a code naming the field", async () => {
    const bad = await runFoldnet(["fold", "--seq", "HPXH", "--steps", "10"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("SIM_ERROR_BAD_SEQUENCE");
    const lattice = await runFoldnet(["fold", "--seq", "HPPH", "--lattice", "hex"]);
    expect(lattice.stderr).toContain("SIM_ERROR_UNKNOWN_LATTICE");
    const model = await runFoldnet(["fold", "--seq", "HPPH", "--model", "go"]);
    expect(model.stderr).toContain("SIM_ERROR_UNKNOWN_MODEL");
    const letters = await runFoldnet(["fold", "--seq", "MKVB", "--model", "mj"]);
    expect(letters.stderr).toContain("SIM_ERROR_BAD_SEQUENCE");
    const steps = await runFoldnet(["fold", "--seq", "HPPH", "--steps", "1.5"]);
    expect(steps.code).toBe(2);
    expect(steps.stderr).toContain("--steps");
    const help = await runFoldnet(["fold", "--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("--lattice");
  });
});
