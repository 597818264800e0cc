/**
 * Amino-acid sequences mapped to the HP model: a residue is H (hydrophobic) when its
 * Kyte–Doolittle hydropathy is positive (I 4.5, V 4.2, L 3.8, F 2.8, C 2.5, M 1.9, A 1.8) and
 * P otherwise (G −0.4 … R −4.5). Only the 20 standard one-letter codes are accepted; any
 * other letter is an error naming its position. The scale's name is stored with each job
 * made this way, so a later scale never changes what an old job meant.
 * @module
 */
import { SimError } from "./errors.js";
import { parseSequence } from "./sequence.js";

/** The name of the scale `toHP` applies. */
export const HP_SCALE = "kyte-doolittle";

/** Kyte & Doolittle (1982) hydropathy of the 20 standard amino acids. */
export const KYTE_DOOLITTLE: Readonly<Record<string, number>> = {
  I: 4.5,
  V: 4.2,
  L: 3.8,
  F: 2.8,
  C: 2.5,
  M: 1.9,
  A: 1.8,
  G: -0.4,
  T: -0.7,
  S: -0.8,
  W: -0.9,
  Y: -1.3,
  P: -1.6,
  H: -3.2,
  E: -3.5,
  Q: -3.5,
  D: -3.5,
  N: -3.5,
  K: -3.9,
  R: -4.5,
};

/**
 * The HP sequence of a protein sequence (case-insensitive, one-letter codes).
 * @throws {SimError} SIM_ERROR_BAD_SEQUENCE naming `field` and the position of an unknown
 * letter, or a length out of bounds.
 */
export function toHP(aminoAcids: string, field = "aminoAcids"): string {
  let hp = "";
  for (let i = 0; i < aminoAcids.length; i++) {
    const letter = aminoAcids[i]!.toUpperCase();
    const h = KYTE_DOOLITTLE[letter];
    if (h === undefined) {
      throw new SimError(
        { code: "SIM_ERROR_BAD_SEQUENCE", field, position: i },
        `${field} has "${aminoAcids[i]}" at position ${i}, not one of the 20 standard amino acids`,
      );
    }
    hp += h > 0 ? "H" : "P";
  }
  return parseSequence(hp, field);
}

/** The records of a FASTA text: each header line (`>`, without it) and its sequence. */
export function parseFasta(text: string): { name: string; sequence: string }[] {
  const records: { name: string; sequence: string }[] = [];
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line.startsWith(">")) records.push({ name: line.slice(1).trim(), sequence: "" });
    else if (line !== "" && !line.startsWith(";")) {
      if (records.length === 0) records.push({ name: "", sequence: "" });
      const last = records[records.length - 1]!;
      records[records.length - 1] = { ...last, sequence: last.sequence + line.replace(/\*$/, "") };
    }
  }
  return records;
}
