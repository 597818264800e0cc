/**
 * The replicas' occupancy boxes and the moves applied to them, beneath the replica-exchange
 * engine (sim/engine.ts extends this class and runs the hot loop): placing and re-centring a
 * chain, counting a residue's contacts, the pull moves (Lesh, Mitzenmacher & Whitesides 2003,
 * on any lattice of sim/lattice.ts), and applying every move (end, corner, crankshaft, pull)
 * with one routine that returns its ΔE, and its revert. Each replica lives in its own box of
 * side W = n + 8 (W² or W³ Int16 cells: 0 empty, +(i+1) for a residue i that can make contacts,
 * −(i+1) for one that cannot); a residue's position is its flat cell index, a neighbour is
 * `cell + offset`, and a one-step difference's direction is a look-up (sim/box-tables.ts).
 * Residues sit at least MARGIN cells from the faces before every attempt; a move that comes
 * within one cell re-centres the replica (a translation: no change to the dynamics). Nothing
 * here allocates on the per-attempt paths.
 * @module
 */

import { boxTables } from "./box-tables.js";
import { type Coordinates, layOut } from "./fold.js";
import { latticeSpec } from "./lattice.js";
import { modelSpec, residueTypes, strongestContact } from "./model.js";
import type { SearchParams } from "./params.js";
import type { SearchSnapshot } from "./search-snapshot.js";

/** Returned by a move that is impossible from the current conformation. */
export const NO_MOVE = 0x40000000;

/** The replicas of one search in their boxes, with the move primitives on them. */
export class ReplicaBoxes {
  readonly params: SearchParams;
  readonly n: number;
  protected readonly width: number;
  protected readonly dim: 2 | 3;
  protected readonly offsets: Int32Array;
  /** The first six offsets as plain fields (0 where a lattice has fewer): contact counts read
   * these, not the typed array, which every Int32Array store in the hot loop makes V8 reload. */
  private readonly o0: number;
  private readonly o1: number;
  private readonly o2: number;
  private readonly o3: number;
  private readonly o4: number;
  private readonly o5: number;
  /** Direction code of a cell difference d of up to 3 steps at dirOf[d + dirBias], else −1. */
  protected readonly dirOf: Int8Array;
  protected readonly dirBias: number;
  /** Direction codes other than d and its opposite: perp[d·perpCount + j], j < perpCount. */
  protected readonly perp: Uint8Array;
  protected readonly perpCount: number;
  /** Interior pull targets (see `BoxTables`). */
  protected readonly pullL: Int32Array;
  protected readonly pullC: Int32Array;
  protected readonly pullCount: number;
  /** log2(pullCount) when pullCount is a power of two (square, cubic), else −1. */
  protected readonly pullShift: number;
  /** 1 for a residue that can make contacts (its cells are positive). */
  protected readonly interacts: Uint8Array;
  protected readonly cellCode: Int16Array;
  /** Model strengths (null for HP: every contact of two positive cells counts 1). */
  protected readonly strengths: Int32Array | null;
  /** Residue types, and each residue's row in `strengths` (type · alphabet size). */
  protected readonly types: Uint8Array;
  protected readonly typeRow: Int32Array;
  protected readonly border: Uint8Array;
  protected readonly positions: Int32Array[];
  protected readonly grids: Int16Array[];
  protected readonly energies: Int32Array;
  /** A bound on every |ΔE| of this chain (sizes the acceptance tables). */
  protected readonly maxDelta: number;
  private readonly oldCells: Int32Array;
  private readonly newCells: Int32Array;
  private movedLo = 0;
  private movedHi = -1;

  /** Places the replicas of a snapshot (validated by the caller, e.g. the state decoder). */
  constructor(snapshot: SearchSnapshot) {
    const { params } = snapshot;
    const n = params.sequence.length;
    const lattice = latticeSpec(params.lattice);
    const dim = lattice.dimensions;
    const dirCount = lattice.vectors.length;
    this.params = params;
    this.n = n;
    this.dim = dim;
    const tables = boxTables(lattice, n);
    this.width = tables.width;
    const w = this.width;
    this.offsets = tables.offsets;
    const near = (d: number): number => (d < dirCount ? tables.offsets[d]! : 0);
    this.o0 = near(0);
    this.o1 = near(1);
    this.o2 = near(2);
    this.o3 = near(3);
    this.o4 = near(4);
    this.o5 = near(5);
    this.dirBias = tables.dirBias;
    this.dirOf = tables.dirOf;
    this.perpCount = tables.perpCount;
    this.perp = tables.perp;
    this.pullL = tables.pullL;
    this.pullC = tables.pullC;
    this.pullCount = tables.pullCount;
    this.pullShift = tables.pullShift;
    const model = modelSpec(params.model);
    this.types = residueTypes(model, params.sequence);
    this.typeRow = Int32Array.from(this.types, (t) => t * model.alphabet.length);
    this.strengths = params.model === "hp" ? null : model.strengths;
    this.interacts = new Uint8Array(n);
    this.cellCode = new Int16Array(n);
    let strongest = 0;
    for (let i = 0; i < n; i++) {
      const s = strongestContact(model, this.types[i]!, this.types);
      this.interacts[i] = s > 0 ? 1 : 0;
      this.cellCode[i] = s > 0 ? i + 1 : -(i + 1);
      strongest += s;
    }
    const cells = dim === 3 ? w * w * w : w * w;
    this.border = tables.border;
    // A residue has at most dirCount − 1 contacts, each shared by two residues: this bounds
    // every |E|, hence every ΔE (HP: ⌊nH·(dirCount − 1)/2⌋).
    this.maxDelta = Math.floor((strongest * (dirCount - 1)) / 2);
    const replicas = params.temperaturesMilli.length;
    this.positions = [];
    this.grids = [];
    this.energies = new Int32Array(replicas);
    for (let k = 0; k < replicas; k++) {
      const replica = snapshot.replicas[k];
      if (replica === undefined) throw new RangeError(`snapshot lacks replica ${k}`);
      this.positions.push(new Int32Array(n));
      this.grids.push(new Int16Array(cells));
      this.place(k, replica.directions);
      this.energies[k] = replica.energy;
    }
    this.oldCells = new Int32Array(n);
    this.newCells = new Int32Array(n);
  }

  /** Direction codes of the replica at temperature index k. */
  directionsAt(k: number): Uint8Array {
    const pos = this.positions[k] as Int32Array;
    const dirs = new Uint8Array(this.n - 1);
    for (let i = 0; i + 1 < this.n; i++) dirs[i] = this.directionOf(pos[i + 1]! - pos[i]!);
    return dirs;
  }

  /** Applies the pull move (i, side, target, skips) — see `pull` — to the replica at temperature
   * k whatever its ΔE (false when impossible); for tests and tools enumerating the move set. */
  applyPull(k: number, i: number, side: 1 | -1, target: number, skips: number): boolean {
    if (target >= this.pullTargets(i, side)) return false;
    const pos = this.positions[k] as Int32Array;
    const dE = this.pull(pos, this.grids[k] as Int16Array, i, side, target, skips);
    if (dE === NO_MOVE) return false;
    this.energies[k] = (this.energies[k] as number) + dE;
    this.recenterIfMovedNearBorder(k, pos);
    return true;
  }

  /** The largest number of `target` values of any pull (end pulls: one per pair of steps). */
  get maxPullTargets(): number {
    return this.offsets.length * this.offsets.length;
  }

  /** Re-centres replica k when a residue of the last moved range came near the box faces. */
  protected recenterIfMovedNearBorder(k: number, pos: Int32Array): void {
    for (let j = this.movedLo; j <= this.movedHi; j++) {
      if (this.border[pos[j]!] === 1) {
        this.recenter(k);
        return;
      }
    }
  }

  /**
   * Tries a pull move of residue i (Lesh et al. 2003): residue i moves next to its neighbour
   * on `side` (+1 or −1) and the residues behind it follow, each into the cell two residues
   * back, until the chain is whole again. `target` picks the free sites (`pullTargets`);
   * `skips` is how many of the places where the chain is whole again the pull passes over
   * before it stops (0 is Lesh et al.'s rule; the chain's far end is always such a place).
   * Passing over some is what makes the move set reversible: the reverse of a pull may need
   * to stop later than the first place (see docs/sim.md). On success the move is applied
   * (moved range in movedLo…movedHi, old cells in oldCells) and ΔE returned, else NO_MOVE.
   */
  protected pull(
    pos: Int32Array,
    grid: Int16Array,
    i: number,
    side: number,
    target: number,
    skips: number,
  ): number {
    const n = this.n;
    const newCells = this.newCells;
    const anchor = i + side;
    if (anchor < 0 || anchor >= n) return this.endPull(pos, grid, i, side, target, skips);
    const next = pos[anchor]!;
    const p = pos[i]!;
    const t = this.directionOf(p - next) * this.pullCount + target;
    const L = next + this.pullL[t]!;
    if (grid[L] !== 0) return NO_MOVE;
    newCells[i] = L;
    const behind = i - side;
    const C = p + this.pullC[t]!;
    if (behind < 0 || behind >= n || C === pos[behind]) {
      return skips === 0 ? this.applyRange(pos, grid, i, i) : NO_MOVE;
    }
    if (grid[C] !== 0) return NO_MOVE;
    newCells[behind] = C;
    return this.follow(pos, grid, i, behind - side, -side, skips);
  }

  /** The end pull of `pull`: the end moves two sites away, to A then B, and the chain follows. */
  private endPull(
    pos: Int32Array,
    grid: Int16Array,
    i: number,
    side: number,
    target: number,
    skips: number,
  ): number {
    const { offsets, newCells } = this;
    const dirCount = offsets.length;
    const A = pos[i]! + offsets[target % dirCount]!;
    const B = A + offsets[Math.floor(target / dirCount)]!;
    if (grid[A] !== 0 || grid[B] !== 0) return NO_MOVE;
    newCells[i] = B;
    newCells[i - side] = A;
    return this.follow(pos, grid, i, i - 2 * side, -side, skips);
  }

  /** How many `target` values a pull of residue i toward `side` has. */
  protected pullTargets(i: number, side: number): number {
    const anchor = i + side;
    return anchor < 0 || anchor >= this.n
      ? this.offsets.length * this.offsets.length
      : this.pullCount;
  }

  /**
   * Completes a pull: residues from `j` on (stepping by `dir`) take the cell two residues back
   * toward `from`, passing over `skips` places where the chain is already whole; then applies
   * the move. NO_MOVE when the far end comes before the last skip.
   */
  private follow(
    pos: Int32Array,
    grid: Int16Array,
    from: number,
    j: number,
    dir: number,
    skips: number,
  ): number {
    const { newCells, n, dirOf, dirBias } = this;
    let left = skips;
    for (; j >= 0 && j < n; j += dir) {
      // is j already next to where j − dir goes? (at most three steps apart: no range check)
      if (dirOf[pos[j]! - newCells[j - dir]! + dirBias]! >= 0) {
        if (left === 0) break;
        left--;
      }
      newCells[j] = pos[j - 2 * dir]!;
    }
    if (left > 0 && (j < 0 || j >= n)) return NO_MOVE;
    const last = j - dir;
    // ternaries, not Math.min/max, which would make the range's bounds doubles
    return from < last
      ? this.applyRange(pos, grid, from, last)
      : this.applyRange(pos, grid, last, from);
  }

  /** Moves residues lo…hi to newCells, returning ΔE (each pair counted once on each side). */
  private applyRange(pos: Int32Array, grid: Int16Array, lo: number, hi: number): number {
    const { interacts, cellCode, oldCells, newCells } = this;
    let removed = 0;
    for (let j = lo; j <= hi; j++) {
      const c = pos[j]!;
      oldCells[j] = c;
      grid[c] = 0;
      if (interacts[j] === 1) removed += this.contacts(grid, c, j);
    }
    let added = 0;
    for (let j = lo; j <= hi; j++) {
      const c = newCells[j]!;
      if (interacts[j] === 1) added += this.contacts(grid, c, j);
      grid[c] = cellCode[j]!;
      pos[j] = c;
    }
    this.movedLo = lo;
    this.movedHi = hi;
    return removed - added;
  }

  /** Moves residue i to `cell` (end move, corner flip) unless occupied, its own included: ΔE or NO_MOVE. */
  protected moveOne(pos: Int32Array, grid: Int16Array, i: number, cell: number): number {
    if (grid[cell] !== 0) return NO_MOVE;
    this.newCells[i] = cell;
    return this.applyRange(pos, grid, i, i);
  }

  /** Moves residues i and i+1 to `a` and `b` (a crankshaft) unless either is occupied. */
  protected moveTwo(pos: Int32Array, grid: Int16Array, i: number, a: number, b: number): number {
    if (grid[a] !== 0 || grid[b] !== 0) return NO_MOVE;
    this.newCells[i] = a;
    this.newCells[i + 1] = b;
    return this.applyRange(pos, grid, i, i + 1);
  }

  /** Undoes the last move (`pull`, `moveOne` or `moveTwo`). */
  protected revertMove(pos: Int32Array, grid: Int16Array): void {
    const { cellCode, oldCells, movedLo: lo, movedHi: hi } = this;
    for (let j = lo; j <= hi; j++) grid[pos[j]!] = 0;
    for (let j = lo; j <= hi; j++) {
      grid[oldCells[j]!] = cellCode[j]!;
      pos[j] = oldCells[j]!;
    }
  }

  /**
   * Total strength of the contacts residue i would make at the empty `cell` with every
   * residue in a neighbouring cell, its chain neighbours included (HP: the number of positive,
   * H, neighbours, counted without a branch). Bonded pairs are not contacts, but a move's ΔE
   * (contacts before minus after, each cell emptied before it is counted) never needs them
   * removed: both chains are connected and the moved residues leave and arrive in chain
   * order, so each bonded pair is counted as often before as after (docs/sim.md).
   */
  protected contacts(grid: Int16Array, cell: number, i: number): number {
    const { offsets, strengths } = this;
    if (strengths === null) {
      // (0 − v) >>> 31 is 1 exactly when v > 0; an offset of 0 reads the empty cell itself
      let total =
        ((0 - grid[cell + this.o0]!) >>> 31) +
        ((0 - grid[cell + this.o1]!) >>> 31) +
        ((0 - grid[cell + this.o2]!) >>> 31) +
        ((0 - grid[cell + this.o3]!) >>> 31);
      if (this.o4 !== 0) {
        // more than the square lattice's four neighbours
        total += ((0 - grid[cell + this.o4]!) >>> 31) + ((0 - grid[cell + this.o5]!) >>> 31);
        for (let d = 6; d < offsets.length; d++) total += (0 - grid[cell + offsets[d]!]!) >>> 31;
      }
      return total;
    }
    const { types } = this;
    const row = this.typeRow[i]!;
    let total = 0;
    for (let d = 0; d < offsets.length; d++) {
      const v = grid[cell + offsets[d]!]!;
      if (v > 0) total += strengths[row + types[v - 1]!]!;
    }
    return total;
  }

  /** True when a cell difference of at most three steps is one lattice step. */
  protected adjacent(delta: number): boolean {
    return this.dirOf[delta + this.dirBias]! >= 0;
  }

  /** Direction code of a one-step cell difference. */
  protected directionOf(delta: number): number {
    return this.dirOf[delta + this.dirBias]!;
  }

  /** Lays out direction codes into replica k's empty box, centred. */
  private place(k: number, directions: Uint8Array): void {
    this.writeCentred(k, layOut(directions, this.params.lattice, `replicas[${k}]`));
  }

  /** Translates replica k so its bounding box is centred in its box again. */
  protected recenter(k: number): void {
    const pos = this.positions[k]!;
    const grid = this.grids[k]!;
    const w = this.width;
    const coords: Coordinates = [];
    for (let i = 0; i < this.n; i++) {
      const c = pos[i]!;
      coords.push([c % w, Math.floor(c / w) % w, Math.floor(c / (w * w))]);
      grid[c] = 0;
    }
    this.writeCentred(k, coords);
  }

  /** Writes coordinates into replica k's positions and box, translated to the box centre. */
  private writeCentred(k: number, coords: Coordinates): void {
    const pos = this.positions[k]!;
    const grid = this.grids[k]!;
    const w = this.width;
    const dim = this.dim;
    const shift = [0, 1, 2].map((a) => {
      if (a >= dim) return 0;
      let lo = Infinity;
      let hi = -Infinity;
      for (const c of coords) {
        lo = Math.min(lo, c[a]!);
        hi = Math.max(hi, c[a]!);
      }
      return Math.floor((w - (hi - lo + 1)) / 2) - lo;
    });
    coords.forEach(([x, y, z], i) => {
      const cell = x + shift[0]! + (y + shift[1]!) * w + (z + shift[2]!) * w * w;
      pos[i] = cell;
      grid[cell] = this.cellCode[i]!;
    });
  }
}
