/**
 * Folds as PDB files: a CA trace with one residue per lattice site (HP: H as HIS, P as PRO;
 * MJ: each amino acid as itself), bonds in CONECT records, the lattice's bond length scaled
 * to 3.8 Å (the CA–CA distance of real chains) so molecular viewers draw it as a backbone.
 * Fixed-column records per the wwPDB format 3.3 (ATOM, CONECT, END).
 * @module
 */
import { layOut, parseFold } from "./fold.js";
import { type LatticeName, latticeSpec } from "./lattice.js";
import { DEFAULT_MODEL, type ModelName, modelSpec } from "./model.js";

/** Ångström per bond: the CA–CA virtual-bond length of proteins. */
const ANGSTROM_PER_BOND = 3.8;

/** PDB residue names of the one-letter codes (HP: H → HIS, P → PRO, as the letters say). */
const RESIDUE_NAMES: Readonly<Record<string, string>> = {
  A: "ALA",
  C: "CYS",
  D: "ASP",
  E: "GLU",
  F: "PHE",
  G: "GLY",
  H: "HIS",
  I: "ILE",
  K: "LYS",
  L: "LEU",
  M: "MET",
  N: "ASN",
  P: "PRO",
  Q: "GLN",
  R: "ARG",
  S: "SER",
  T: "THR",
  V: "VAL",
  W: "TRP",
  Y: "TYR",
};

/** Options of `renderPdb`. */
export interface PdbOptions {
  /** Goes into a TITLE record. */
  readonly title?: string;
  /** Energy model of the sequence (default `hp`), named in a REMARK. */
  readonly model?: ModelName;
}

/**
 * Renders the fold of `sequence` as a PDB text.
 * @throws {SimError} SIM_ERROR_BAD_FOLD when the fold is not valid for the sequence.
 */
export function renderPdb(
  sequence: string,
  fold: string,
  lattice: LatticeName,
  options: PdbOptions = {},
): string {
  const spec = latticeSpec(lattice);
  const model = modelSpec(options.model ?? DEFAULT_MODEL);
  const coords = layOut(parseFold(fold, sequence.length, lattice), lattice);
  const coordinate = (v: number) =>
    ((v * ANGSTROM_PER_BOND) / spec.bondLength).toFixed(3).padStart(8);
  const lines: string[] = [];
  if (options.title !== undefined) lines.push(`TITLE     ${options.title.slice(0, 70)}`);
  lines.push(
    `REMARK   1 FOLDNET ${model.name.toUpperCase()} MODEL, ${lattice.toUpperCase()} LATTICE, ${sequence.length} RESIDUES`,
  );
  coords.forEach(([x, y, z], i) => {
    const serial = String(i + 1).padStart(5);
    const residue = RESIDUE_NAMES[sequence[i] as string] ?? "UNK";
    const resSeq = String(i + 1).padStart(4);
    lines.push(
      `ATOM  ${serial}  CA  ${residue} A${resSeq}    ${coordinate(x)}${coordinate(y)}${coordinate(z)}  1.00  0.00           C`,
    );
  });
  for (let i = 1; i < coords.length; i++) {
    lines.push(`CONECT${String(i).padStart(5)}${String(i + 1).padStart(5)}`);
  }
  lines.push("END");
  return `${lines.join("\n")}\n`;
}
