/**
 * The energy models of foldnet, one `ModelSpec` each: the residue alphabet and the integer
 * contact strengths between residue types. A contact is a pair of residues at lattice
 * distance 1 that are not chain neighbours; the energy of a fold is −Σ strength over its
 * contacts, so a stronger (positive) strength is more favourable. Strengths are integers so
 * that every energy and ΔE is an exact integer (docs/design.md "Determinism contract").
 *
 * - `hp` (default): letters `H`, `P`; an H–H contact has strength 1, every other 0.
 * - `mj`: the 20 amino acids (one-letter codes); strength = −100·e_ij with e_ij the contact
 *   energies of Miyazawa & Jernigan, J. Mol. Biol. 256:623–644 (1996), Table III (upper
 *   triangle, in RT units, two decimals), so one energy unit is 0.01 RT and the scaling is
 *   exact. Every e_ij is negative: every MJ contact attracts (12 … 737).
 * @module
 */
import { SimError } from "./errors.js";

/** A model name as it appears in jobs, JSON and the command line. */
export type ModelName = "hp" | "mj";

/** Everything foldnet knows about one energy model. */
export interface ModelSpec {
  readonly name: ModelName;
  /** Code of the model in canonical states (u8). Never reused. */
  readonly wireCode: number;
  /** Residue letters; a residue's type is its letter's index. */
  readonly alphabet: string;
  /** Contact strengths, `strengths[a · alphabet.length + b]`, symmetric, ≥ 0. */
  readonly strengths: Int32Array;
  /** Human description, for help texts and PDB remarks. */
  readonly label: string;
}

/** The MJ alphabet in the order of Miyazawa & Jernigan's Table III. */
const MJ_ALPHABET = "CMFILVWYAGTSQNEDHRKP";

/**
 * −100·e_ij of MJ 1996 Table III, upper triangle row by row in MJ_ALPHABET order (row C has
 * 20 entries C…P, row M 19 entries M…P, …, row P one).
 */
const MJ_UPPER = [
  // C
  544, 499, 580, 550, 583, 496, 495, 416, 357, 316, 311, 286, 259, 285, 241, 227, 360, 257, 195,
  307,
  // M
  546, 656, 602, 641, 532, 555, 491, 394, 339, 351, 303, 295, 330, 257, 289, 398, 312, 248, 345,
  // F
  726, 684, 728, 629, 616, 566, 481, 413, 428, 402, 375, 410, 348, 356, 477, 398, 336, 425,
  // I
  654, 704, 605, 578, 525, 458, 378, 403, 352, 324, 367, 317, 327, 414, 363, 301, 376,
  // L
  737, 648, 614, 567, 491, 416, 434, 392, 374, 404, 340, 359, 454, 403, 337, 420,
  // V
  552, 518, 462, 404, 338, 346, 305, 283, 307, 248, 267, 358, 307, 249, 332,
  // W
  506, 466, 382, 342, 322, 299, 307, 311, 284, 299, 398, 341, 269, 373,
  // Y
  417, 336, 301, 301, 278, 276, 297, 276, 279, 352, 316, 260, 319,
  // A
  272, 231, 232, 201, 184, 189, 170, 151, 241, 183, 131, 203,
  // G
  224, 208, 182, 174, 166, 159, 122, 215, 172, 115, 187,
  // T
  212, 196, 188, 190, 180, 174, 242, 190, 131, 190,
  // S
  167, 158, 149, 163, 148, 211, 162, 105, 157,
  // Q
  168, 171, 168, 151, 208, 164, 121, 153,
  // N
  154, 146, 142, 198, 180, 129, 173,
  // E
  121, 102, 232, 229, 168, 133,
  // D
  91, 215, 227, 180, 126,
  // H
  305, 216, 135, 225,
  // R
  155, 59, 170,
  // K
  12, 97,
  // P
  175,
];

/** A symmetric strength matrix from its upper triangle. */
function symmetric(size: number, upper: readonly number[]): Int32Array {
  const m = new Int32Array(size * size);
  let at = 0;
  for (let a = 0; a < size; a++) {
    for (let b = a; b < size; b++) {
      const v = upper[at++] as number;
      m[a * size + b] = v;
      m[b * size + a] = v;
    }
  }
  return m;
}

/** The models, in wire-code order (index = wire code). */
export const MODEL_SPECS: readonly ModelSpec[] = [
  {
    name: "hp",
    wireCode: 0,
    alphabet: "HP",
    strengths: symmetric(2, [1, 0, 0]),
    label: "HP model",
  },
  {
    name: "mj",
    wireCode: 1,
    alphabet: MJ_ALPHABET,
    strengths: symmetric(20, MJ_UPPER),
    label: "Miyazawa-Jernigan 1996 contact energies (units of 0.01 RT)",
  },
];

/** The model of a search that names none: HP, the model of the fold encoding's contract. */
export const DEFAULT_MODEL: ModelName = "hp";

/** The model names, in wire order. */
export const MODELS: readonly ModelName[] = MODEL_SPECS.map((m) => m.name);

/** The spec of a (valid) model name. */
export function modelSpec(name: ModelName): ModelSpec {
  return MODEL_SPECS[MODELS.indexOf(name)] as ModelSpec;
}

/**
 * Checks a model name coming from outside.
 * @throws {SimError} SIM_ERROR_UNKNOWN_MODEL naming `field`.
 */
export function parseModel(value: unknown, field = "model"): ModelName {
  const spec = MODEL_SPECS.find((m) => m.name === value);
  if (spec !== undefined) return spec.name;
  throw new SimError(
    { code: "SIM_ERROR_UNKNOWN_MODEL", field, model: String(value) },
    `${field} must be one of ${MODELS.map((m) => `"${m}"`).join(", ")}, got "${String(value)}"`,
  );
}

/** Residue types (alphabet indices) of a valid sequence. */
export function residueTypes(model: ModelSpec, sequence: string): Uint8Array {
  return Uint8Array.from(sequence, (c) => model.alphabet.indexOf(c));
}

/** Strength of the contact between residue types a and b. */
export function strength(model: ModelSpec, a: number, b: number): number {
  return model.strengths[a * model.alphabet.length + b] as number;
}

/** The strongest contact residue type a can make with any type in `present` (0 if none). */
export function strongestContact(model: ModelSpec, a: number, present: Uint8Array): number {
  let max = 0;
  for (const b of present) max = Math.max(max, strength(model, a, b));
  return max;
}
