/**
 * The two lattices of foldnet — `square2d` and `cubic3d` — and the interchange letters of
 * their unit directions (`R L U D` and, in 3D, `F B`; see docs/design.md "Fold encoding").
 * Direction codes: 0 R +x, 1 L −x, 2 U +y, 3 D −y, 4 F +z, 5 B −z; `code ^ 1` is the
 * opposite direction and `code >> 1` its axis.
 * @module
 */
import { SimError } from "./errors.js";

/** A lattice name as it appears in jobs, JSON and the command line. */
export type LatticeName = "square2d" | "cubic3d";

/** The lattice names, in their wire order (index = wire code). */
export const LATTICES: readonly LatticeName[] = ["square2d", "cubic3d"];

/** Interchange letter of each direction code. */
export const DIRECTION_LETTERS = "RLUDFB";

/** Unit vectors of the direction codes, as [dx, dy, dz]. */
export const DIRECTION_VECTORS: readonly (readonly [number, number, number])[] = [
  [1, 0, 0],
  [-1, 0, 0],
  [0, 1, 0],
  [0, -1, 0],
  [0, 0, 1],
  [0, 0, -1],
];

/** Number of spatial dimensions of a lattice. */
export function dimensions(lattice: LatticeName): 2 | 3 {
  return lattice === "square2d" ? 2 : 3;
}

/**
 * Checks a lattice name coming from outside.
 * @throws {SimError} SIM_ERROR_UNKNOWN_LATTICE naming `field`.
 */
export function parseLattice(value: unknown, field = "lattice"): LatticeName {
  if (value === "square2d" || value === "cubic3d") return value;
  throw new SimError(
    { code: "SIM_ERROR_UNKNOWN_LATTICE", field, lattice: String(value) },
    `${field} must be "square2d" or "cubic3d", got "${String(value)}"`,
  );
}
