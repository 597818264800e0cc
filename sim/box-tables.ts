/**
 * The read-only look-up tables of a replica's occupancy box, built from a `LatticeSpec`
 * (sim/lattice.ts) for a chain of n residues: the box side, the neighbour offsets of the
 * flat cell index, the direction of a one-step cell difference, the perpendicular directions
 * the crankshaft turns to, the interior pull targets and the border cells that trigger a
 * re-centring. The engine (sim/replica-boxes.ts, sim/engine.ts) copies them into its fields.
 * @module
 */

import type { LatticeSpec } from "./lattice.js";

/** Free cells kept between the chain and every face of the box before each attempt. */
const MARGIN = 3;
/** Box side beyond the chain length: 2·(MARGIN+1) so a re-centred straight chain has MARGIN+1. */
const BOX_SLACK = 8;

/** The tables of one (lattice, chain length). */
export interface BoxTables {
  /** Box side W = n + BOX_SLACK. */
  readonly width: number;
  /** Flat cell offset of each direction code. */
  readonly offsets: Int32Array;
  /**
   * Direction code of a cell difference d at dirOf[d + dirBias], −1 when not one step; the
   * table covers every difference of up to three steps (no coordinate beyond ±3), the most
   * the engine ever asks about, so the hot loop needs no range check.
   */
  readonly dirOf: Int8Array;
  readonly dirBias: number;
  /** Direction codes other than d and its opposite: perp[d·perpCount + j], j < perpCount. */
  readonly perp: Uint8Array;
  readonly perpCount: number;
  /**
   * Interior pull targets, by the direction u of (i − anchor): L = anchor + pullL[u·K + t],
   * C = pos[i] + pullC[u·K + t] with K = pullCount (L next to the anchor, C next to L and i).
   */
  readonly pullL: Int32Array;
  readonly pullC: Int32Array;
  readonly pullCount: number;
  /** log2(pullCount) when pullCount is a power of two (square, cubic), else −1. */
  readonly pullShift: number;
  /** 1 for a cell within MARGIN of a face (shared by every search of that box; read-only). */
  readonly border: Uint8Array;
}

/** Border maps by box side and dimension: read-only and shared by every search of that size. */
const borderCache = new Map<string, Uint8Array>();

/**
 * The cells of a box of side `w` that lie within MARGIN of a face (1) or not (0). Computed
 * once per (w, dim): resuming a state (every spot-check replay does) must stay cheap.
 */
function borderCells(w: number, dim: 2 | 3): Uint8Array {
  const key = `${w}/${dim}`;
  let border = borderCache.get(key);
  if (border === undefined) {
    const cells = dim === 3 ? w * w * w : w * w;
    const out = (v: number) => v < MARGIN || v > w - 1 - MARGIN;
    border = new Uint8Array(cells);
    for (let c = 0; c < cells; c++) {
      const z = dim === 3 ? Math.floor(c / (w * w)) : MARGIN;
      border[c] = out(c % w) || out(Math.floor(c / w) % w) || out(z) ? 1 : 0;
    }
    borderCache.set(key, border);
  }
  return border;
}

/**
 * The interior pull targets of each direction u = dir(i − anchor), in direction-code order
 * of L's direction v from the anchor, then of C's direction w from i: L free next to the
 * anchor (v ≠ u), C next to both L and i and not the anchor. On the square and cubic
 * lattices this is w = v ⊥ u (Lesh et al.'s L and C); on FCC it has 14 targets per u.
 */
function pullTable(
  offsets: Int32Array,
  adjacent: (delta: number) => boolean,
): { pullL: Int32Array; pullC: Int32Array; count: number } {
  const dirCount = offsets.length;
  const pairs: [number, number][][] = [];
  for (let u = 0; u < dirCount; u++) {
    const list: [number, number][] = [];
    for (let v = 0; v < dirCount; v++) {
      for (let x = 0; x < dirCount; x++) {
        // C − L = u + x − v must be one step; C = anchor when x = u ^ 1.
        const cl = offsets[u]! + offsets[x]! - offsets[v]!;
        if (v !== u && x !== (u ^ 1) && adjacent(cl)) list.push([v, x]);
      }
    }
    pairs.push(list);
  }
  const count = pairs[0]!.length;
  // every direction has as many targets on a lattice whose symmetries map any vector to any
  if (pairs.some((list) => list.length !== count)) throw new RangeError("irregular pull table");
  const pullL = new Int32Array(dirCount * count);
  const pullC = new Int32Array(dirCount * count);
  pairs.forEach((list, u) => {
    list.forEach(([v, x], t) => {
      pullL[u * count + t] = offsets[v]!;
      pullC[u * count + t] = offsets[x]!;
    });
  });
  return { pullL, pullC, count };
}

/** Builds the box tables of `lattice` for a chain of n residues. */
export function boxTables(lattice: LatticeSpec, n: number): BoxTables {
  const dim = lattice.dimensions;
  const dirCount = lattice.vectors.length;
  const w = n + BOX_SLACK;
  const offsets = Int32Array.from(lattice.vectors, ([x, y, z]) => x + y * w + z * w * w);
  const dirBias = 3 * (dim === 3 ? w * w + w + 1 : w + 1);
  const dirOf = new Int8Array(2 * dirBias + 1).fill(-1);
  offsets.forEach((o, d) => {
    dirOf[o + dirBias] = d;
  });
  const perpCount = dirCount - 2;
  const perp = new Uint8Array(dirCount * perpCount);
  for (let d = 0; d < dirCount; d++) {
    let j = 0;
    for (let e = 0; e < dirCount; e++) if (e !== d && e !== (d ^ 1)) perp[d * perpCount + j++] = e;
  }
  const adjacent = (delta: number): boolean => {
    const at = delta + dirBias;
    return at >= 0 && at < dirOf.length && dirOf[at] !== -1;
  };
  const { pullL, pullC, count: pullCount } = pullTable(offsets, adjacent);
  const pullShift = (pullCount & (pullCount - 1)) === 0 ? 31 - Math.clz32(pullCount) : -1;
  const border = borderCells(w, dim);
  return {
    width: w,
    offsets,
    dirOf,
    dirBias,
    perp,
    perpCount,
    pullL,
    pullC,
    pullCount,
    pullShift,
    border,
  };
}
