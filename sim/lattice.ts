/**
 * The lattices of foldnet, one `LatticeSpec` each: what a lattice *is* (dimension, unit
 * vectors, interchange letters, wire code, how pictures project it, its bond length) lives
 * here and nowhere else. Every other module (fold encoding, engine, state codec, ledger,
 * renderers, CLI, coordinator) asks the spec; adding a lattice means adding a spec here and
 * its tests.
 *
 * Direction codes index a spec's `vectors` and `letters`; in every lattice `code ^ 1` is the
 * opposite direction of `code` (the engine relies on it).
 * - `square2d`: 0 R +x, 1 L −x, 2 U +y, 3 D −y.
 * - `cubic3d`: those and 4 F +z, 5 B −z (docs/design.md "Fold encoding").
 * - `fcc3d`: the 12 vectors (±1, ±1, 0), (±1, 0, ±1), (0, ±1, ±1), letters `A`…`L`
 *   (docs/sim.md lists them); sites are the integer points with an even coordinate sum.
 * @module
 */
import { SimError } from "./errors.js";

/** A lattice name as it appears in jobs, JSON and the command line. */
export type LatticeName = "square2d" | "cubic3d" | "fcc3d";

/** A lattice vector or site, [x, y, z] (z = 0 in 2D). */
export type Vector3 = readonly [number, number, number];

/** Everything foldnet knows about one lattice. */
export interface LatticeSpec {
  readonly name: LatticeName;
  /** Code of the lattice in canonical states and ledger entries (u8). Never reused. */
  readonly wireCode: number;
  /** Spatial dimensions. */
  readonly dimensions: 2 | 3;
  /** Human label, e.g. "2D square". */
  readonly label: string;
  /** Interchange letter of each direction code. */
  readonly letters: string;
  /** Unit vector of each direction code; `vectors[c ^ 1]` is `−vectors[c]`. */
  readonly vectors: readonly Vector3[];
  /** Length of one bond in lattice units (PDB output scales it to 3.8 Å). */
  readonly bondLength: number;
  /** Picture projection of a site to the plane (x right, y down), in lattice units. */
  readonly project: (site: Vector3) => readonly [number, number];
}

/** Share of a lattice unit that a z step moves a residue right and up in 3D pictures. */
const DEPTH_X = 0.45;
const DEPTH_Y = 0.3;
const flat = ([x, y]: Vector3) => [x, -y] as const;
const oblique = ([x, y, z]: Vector3) => [x + DEPTH_X * z, -y - DEPTH_Y * z] as const;

const CUBIC: readonly Vector3[] = [
  [1, 0, 0],
  [-1, 0, 0],
  [0, 1, 0],
  [0, -1, 0],
  [0, 0, 1],
  [0, 0, -1],
];

const FCC: readonly Vector3[] = [
  [1, 1, 0],
  [-1, -1, 0],
  [1, -1, 0],
  [-1, 1, 0],
  [1, 0, 1],
  [-1, 0, -1],
  [1, 0, -1],
  [-1, 0, 1],
  [0, 1, 1],
  [0, -1, -1],
  [0, 1, -1],
  [0, -1, 1],
];

/** The lattices, in wire-code order (index = wire code). */
export const LATTICE_SPECS: readonly LatticeSpec[] = [
  {
    name: "square2d",
    wireCode: 0,
    dimensions: 2,
    label: "2D square",
    letters: "RLUD",
    vectors: CUBIC.slice(0, 4),
    bondLength: 1,
    project: flat,
  },
  {
    name: "cubic3d",
    wireCode: 1,
    dimensions: 3,
    label: "3D cubic",
    letters: "RLUDFB",
    vectors: CUBIC,
    bondLength: 1,
    project: oblique,
  },
  {
    name: "fcc3d",
    wireCode: 2,
    dimensions: 3,
    label: "3D face-centred cubic",
    letters: "ABCDEFGHIJKL",
    vectors: FCC,
    bondLength: Math.SQRT2,
    project: oblique,
  },
];

/** The lattice of jobs and folds that name none. */
export const DEFAULT_LATTICE: LatticeName = "square2d";

/** The lattice names, in wire order. */
export const LATTICES: readonly LatticeName[] = LATTICE_SPECS.map((s) => s.name);

/** The spec of a (valid) lattice name. */
export function latticeSpec(name: LatticeName): LatticeSpec {
  return LATTICE_SPECS[LATTICES.indexOf(name)] as LatticeSpec;
}

/** The spec with a wire code, or undefined for an unknown code. */
export function latticeByWireCode(code: number): LatticeSpec | undefined {
  return LATTICE_SPECS[code];
}

/**
 * Checks a lattice name coming from outside.
 * @throws {SimError} SIM_ERROR_UNKNOWN_LATTICE naming `field`.
 */
export function parseLattice(value: unknown, field = "lattice"): LatticeName {
  const spec = LATTICE_SPECS.find((s) => s.name === value);
  if (spec !== undefined) return spec.name;
  throw new SimError(
    { code: "SIM_ERROR_UNKNOWN_LATTICE", field, lattice: String(value) },
    `${field} must be one of ${LATTICES.map((l) => `"${l}"`).join(", ")}, got "${String(value)}"`,
  );
}
