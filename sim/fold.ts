/**
 * Folds in the interchange encoding (n−1 absolute direction letters from the origin, the
 * lattice's letters): parse and validate them, lay them out as coordinates, and compute
 * their energy under a model the plain way. This is the reference the fast engine and the
 * verifier are checked against.
 * @module
 */
import { SimError } from "./errors.js";
import { type LatticeName, latticeSpec } from "./lattice.js";
import { type ModelName, modelSpec, residueTypes, strength } from "./model.js";

/** A fold laid out on the lattice: one [x, y, z] per residue, residue 0 at the origin. */
export type Coordinates = [number, number, number][];

/**
 * Parses a fold string into direction codes for a chain of `length` residues.
 * @throws {SimError} SIM_ERROR_BAD_FOLD with reason `length` or `letter`.
 */
export function parseFold(
  fold: unknown,
  length: number,
  lattice: LatticeName,
  field = "fold",
): Uint8Array {
  if (typeof fold !== "string") {
    throw new SimError(
      { code: "SIM_ERROR_BAD_FOLD", field, reason: "letter" },
      `${field} must be a string`,
    );
  }
  if (fold.length !== length - 1) {
    throw new SimError(
      { code: "SIM_ERROR_BAD_FOLD", field, reason: "length" },
      `${field} must have ${length - 1} letters for ${length} residues, got ${fold.length}`,
    );
  }
  const { letters } = latticeSpec(lattice);
  const codes = new Uint8Array(fold.length);
  for (let i = 0; i < fold.length; i++) {
    const code = letters.indexOf(fold[i] ?? "");
    if (code < 0) {
      throw new SimError(
        { code: "SIM_ERROR_BAD_FOLD", field, reason: "letter", position: i },
        `${field} letter "${fold[i]}" at position ${i} is not a ${lattice} direction (${letters})`,
      );
    }
    codes[i] = code;
  }
  return codes;
}

/** The interchange string of direction codes on a lattice. */
export function foldToString(codes: ArrayLike<number>, lattice: LatticeName): string {
  const { letters } = latticeSpec(lattice);
  let s = "";
  for (let i = 0; i < codes.length; i++) s += letters[codes[i] as number];
  return s;
}

/**
 * A number naming each lattice site within n + 1 steps of the origin — the sites a chain of n
 * residues from the origin and their neighbours can reach — unique and exact (n ≤ 256 keeps
 * it below 2⁵³): numbers hash far faster than "x,y,z" strings.
 */
function siteKey(n: number): (x: number, y: number, z: number) => number {
  const side = 2 * n + 3;
  const o = n + 1;
  return (x, y, z) => ((x + o) * side + (y + o)) * side + (z + o);
}

/**
 * Lays out direction codes (valid codes of `lattice`) from the origin and checks
 * self-avoidance.
 * @throws {SimError} SIM_ERROR_BAD_FOLD with reason `collision` and the colliding residue.
 */
export function layOut(
  codes: ArrayLike<number>,
  lattice: LatticeName,
  field = "fold",
): Coordinates {
  const { vectors } = latticeSpec(lattice);
  const coords: Coordinates = [[0, 0, 0]];
  const key = siteKey(codes.length + 1);
  const seen = new Set<number>([key(0, 0, 0)]);
  let x = 0;
  let y = 0;
  let z = 0;
  for (let i = 0; i < codes.length; i++) {
    const v = vectors[codes[i] as number] as readonly [number, number, number];
    x += v[0];
    y += v[1];
    z += v[2];
    const site = key(x, y, z);
    if (seen.has(site)) {
      throw new SimError(
        { code: "SIM_ERROR_BAD_FOLD", field, reason: "collision", position: i + 1 },
        `${field} is not self-avoiding: residue ${i + 1} lands on an occupied site`,
      );
    }
    seen.add(site);
    coords.push([x, y, z]);
  }
  return coords;
}

/**
 * The contacts of laid-out coordinates that have a non-zero strength under `model`: pairs
 * (i, j), i < j − 1, at lattice distance 1 (for HP, the H–H contacts).
 */
export function contactPairs(
  sequence: string,
  coords: Coordinates,
  lattice: LatticeName,
  model: ModelName = "hp",
): [number, number][] {
  const spec = modelSpec(model);
  const types = residueTypes(spec, sequence);
  const key = siteKey(coords.length);
  const index = new Map<number, number>();
  coords.forEach(([x, y, z], i) => {
    index.set(key(x, y, z), i);
  });
  const contacts: [number, number][] = [];
  coords.forEach(([x, y, z], i) => {
    for (const [dx, dy, dz] of latticeSpec(lattice).vectors) {
      const j = index.get(key(x + dx, y + dy, z + dz));
      if (j !== undefined && j > i + 1 && strength(spec, types[i]!, types[j]!) !== 0) {
        contacts.push([i, j]);
      }
    }
  });
  return contacts;
}

/** Energy of laid-out coordinates under `model`: −Σ strength over the contacts. */
export function energyOfCoordinates(
  sequence: string,
  coords: Coordinates,
  lattice: LatticeName,
  model: ModelName = "hp",
): number {
  const spec = modelSpec(model);
  let total = 0;
  for (const [i, j] of contactPairs(sequence, coords, lattice, model)) {
    total += strength(
      spec,
      spec.alphabet.indexOf(sequence[i]!),
      spec.alphabet.indexOf(sequence[j]!),
    );
  }
  return total === 0 ? 0 : -total;
}

/**
 * Validates a fold for a sequence on a lattice and returns its energy under `model`.
 * @throws {SimError} SIM_ERROR_BAD_FOLD (length, letter or collision).
 */
export function foldEnergy(
  sequence: string,
  fold: string,
  lattice: LatticeName,
  field = "fold",
  model: ModelName = "hp",
): number {
  return energyOfCoordinates(
    sequence,
    layOut(parseFold(fold, sequence.length, lattice, field), lattice, field),
    lattice,
    model,
  );
}
