/**
 * Folds as PDB files: a CA trace with one residue per lattice site (H as HIS, P as PRO),
 * bonds in CONECT records, lattice units scaled to 3.8 Å (the CA–CA distance of real
 * chains) so molecular viewers draw it as a backbone. Fixed-column records per the wwPDB
 * format 3.3 (ATOM, CONECT, END).
 * @module
 */
import { layOut, parseFold } from "./fold.js";
import type { LatticeName } from "./lattice.js";

/** Ångström per lattice unit: the CA–CA virtual-bond length of proteins. */
const ANGSTROM_PER_UNIT = 3.8;

/** Options of `renderPdb`. */
export interface PdbOptions {
  /** Goes into a TITLE record. */
  readonly title?: string;
}

const coordinate = (v: number) => (v * ANGSTROM_PER_UNIT).toFixed(3).padStart(8);

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
  const coords = layOut(parseFold(fold, sequence.length, lattice));
  const lines: string[] = [];
  if (options.title !== undefined) lines.push(`TITLE     ${options.title.slice(0, 70)}`);
  lines.push(
    `REMARK   1 FOLDNET HP MODEL, ${lattice.toUpperCase()} LATTICE, ${sequence.length} RESIDUES`,
  );
  coords.forEach(([x, y, z], i) => {
    const serial = String(i + 1).padStart(5);
    const residue = sequence[i] === "H" ? "HIS" : "PRO";
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
