/**
 * The folding engine: replica-exchange Monte Carlo (Thachuk, Shmygelska & Hoos 2007) over a
 * temperature ladder, with end, corner and crankshaft moves and pull moves (Lesh,
 * Mitzenmacher & Whitesides 2003, generalised to any lattice of sim/lattice.ts), incremental
 * ΔE under any model of sim/model.ts and integer-only acceptance.
 *
 * Representation: each replica lives in its own occupancy box of side W = n + 8 (2D: W², 3D:
 * W³ cells of Int16: 0 empty, +(i+1) for a residue i that can make contacts (H in the HP
 * model, every residue in MJ), −(i+1) for one that cannot). A residue's position is its flat
 * cell index, so a neighbour is `cell + offset`, and the direction of a one-step cell
 * difference is a table look-up. Before every attempt all residues sit at least MARGIN cells
 * from the box faces; a move can bring one within one cell, after which the replica is
 * re-centred (a translation, which changes nothing in the dynamics). The hot loop allocates
 * nothing.
 *
 * One *step* is one move attempt on one replica, whether the move is valid, accepted or not.
 * Steps run in rounds: replica at temperature 0 gets `exchangeInterval` attempts, then
 * replica 1, …, then one exchange sweep over neighbouring pairs (bottom-up). The position in
 * the round is a function of the step counter, so a run can stop and resume at any step.
 * @module
 */

import { type Coordinates, layOut } from "./fold.js";
import { latticeSpec } from "./lattice.js";
import { modelSpec, residueTypes, strongestContact } from "./model.js";
import type { SearchParams } from "./params.js";
import { nextUint32 } from "./prng.js";
import { thresholdTables } from "./thresholds.js";

/** Free cells kept between the chain and every face of the box before each attempt. */
const MARGIN = 3;
/** Box side beyond the chain length: 2·(MARGIN+1) so a re-centred straight chain has MARGIN+1. */
const BOX_SLACK = 8;
/** Returned by a move that is impossible from the current conformation. */
const NO_MOVE = 0x40000000;

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

/** Everything that determines the future of a search: what the canonical state encodes. */
export interface SearchSnapshot {
  readonly params: SearchParams;
  /** xoshiro128** state words. */
  readonly rng: Uint32Array;
  /** Steps done since generation 0 of the trajectory. */
  readonly step: number;
  /** Replicas in temperature order: direction codes (n−1) and energy. */
  readonly replicas: readonly { readonly directions: Uint8Array; readonly energy: number }[];
  readonly bestEnergy: number;
  readonly bestStep: number;
  readonly bestDirections: Uint8Array;
}

/** A replica-exchange Monte Carlo search over one HP chain. */
export class ReplicaExchangeSearch {
  readonly params: SearchParams;
  readonly n: number;
  private readonly width: number;
  private readonly dim: 2 | 3;
  private readonly offsets: Int32Array;
  /** Direction code of a cell difference d at dirOf[d + dirBias], −1 when not one step. */
  private readonly dirOf: Int8Array;
  private readonly dirBias: number;
  /** Direction codes other than d and its opposite: perp[d·perpCount + j], j < perpCount. */
  private readonly perp: Uint8Array;
  private readonly perpCount: number;
  /**
   * Interior pull targets, by the direction u of (i − anchor): L = anchor + pullL[u·K + t],
   * C = pos[i] + pullC[u·K + t] with K = pullCount (L next to the anchor, C next to L and i).
   */
  private readonly pullL: Int32Array;
  private readonly pullC: Int32Array;
  private readonly pullCount: number;
  /** log2(pullCount) when pullCount is a power of two (square, cubic), else −1. */
  private readonly pullShift: number;
  /** 1 for a residue that can make contacts (its cells are positive). */
  private readonly interacts: Uint8Array;
  private readonly cellCode: Int16Array;
  /** Model strengths (null for HP: every contact of two positive cells counts 1). */
  private readonly strengths: Int32Array | null;
  /** Residue types, and each residue's row in `strengths` (type · alphabet size). */
  private readonly types: Uint8Array;
  private readonly typeRow: Int32Array;
  private readonly border: Uint8Array;
  private readonly positions: Int32Array[];
  private readonly grids: Int16Array[];
  private readonly energies: Int32Array;
  private readonly tableRow: number;
  private readonly tableLast: number;
  private readonly metropolis: Uint32Array;
  private readonly exchange: Uint32Array;
  private readonly rng: Uint32Array;
  private readonly oldCells: Int32Array;
  private readonly newCells: Int32Array;
  private movedLo = 0;
  private movedHi = -1;
  private stepCount: number;
  private best: number;
  private bestAt: number;
  private readonly bestDirs: Uint8Array;

  /** Builds a search from a snapshot (validated by the caller, e.g. the state decoder). */
  constructor(snapshot: SearchSnapshot) {
    const { params } = snapshot;
    const n = params.sequence.length;
    const lattice = latticeSpec(params.lattice);
    const dim = lattice.dimensions;
    const dirCount = lattice.vectors.length;
    this.params = params;
    this.n = n;
    this.dim = dim;
    this.width = n + BOX_SLACK;
    const w = this.width;
    this.offsets = Int32Array.from(lattice.vectors, ([x, y, z]) => x + y * w + z * w * w);
    this.dirBias = dim === 3 ? w * w + w + 1 : w + 1;
    this.dirOf = new Int8Array(2 * this.dirBias + 1).fill(-1);
    this.offsets.forEach((o, d) => {
      this.dirOf[o + this.dirBias] = d;
    });
    this.perpCount = dirCount - 2;
    this.perp = new Uint8Array(dirCount * this.perpCount);
    for (let d = 0; d < dirCount; d++) {
      let j = 0;
      for (let e = 0; e < dirCount; e++)
        if (e !== d && e !== (d ^ 1)) this.perp[d * this.perpCount + j++] = e;
    }
    ({ pullL: this.pullL, pullC: this.pullC, count: this.pullCount } = this.pullTable());
    this.pullShift =
      (this.pullCount & (this.pullCount - 1)) === 0 ? 31 - Math.clz32(this.pullCount) : -1;
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
    this.border = borderCells(w, dim);
    // A residue has at most dirCount − 1 contacts, each shared by two residues: this bounds
    // every |E|, hence every ΔE (HP: ⌊nH·(dirCount − 1)/2⌋).
    const maxDelta = Math.floor((strongest * (dirCount - 1)) / 2);
    let row: number;
    ({
      metropolis: this.metropolis,
      exchange: this.exchange,
      row,
    } = thresholdTables(params.temperaturesMilli, maxDelta));
    this.tableRow = row;
    this.tableLast = row - 1;
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
    this.rng = Uint32Array.from(snapshot.rng);
    this.oldCells = new Int32Array(n);
    this.newCells = new Int32Array(n);
    this.stepCount = snapshot.step;
    this.best = snapshot.bestEnergy;
    this.bestAt = snapshot.bestStep;
    this.bestDirs = Uint8Array.from(snapshot.bestDirections);
  }

  /** Steps done since generation 0 of this trajectory. */
  get step(): number {
    return this.stepCount;
  }

  /** Lowest energy seen by any replica so far. */
  get bestEnergy(): number {
    return this.best;
  }

  /** The step at which `bestEnergy` was first reached. */
  get bestStep(): number {
    return this.bestAt;
  }

  /** Direction codes of the best conformation so far (a copy). */
  bestDirections(): Uint8Array {
    return Uint8Array.from(this.bestDirs);
  }

  /** Energy of the replica at temperature index k. */
  energyAt(k: number): number {
    return this.energies[k] as number;
  }

  /** Everything the canonical state encodes, as plain data (copies). */
  snapshot(): SearchSnapshot {
    return {
      params: this.params,
      rng: Uint32Array.from(this.rng),
      step: this.stepCount,
      replicas: this.positions.map((_, k) => ({
        directions: this.directionsAt(k),
        energy: this.energies[k] as number,
      })),
      bestEnergy: this.best,
      bestStep: this.bestAt,
      bestDirections: Uint8Array.from(this.bestDirs),
    };
  }

  /** Direction codes of the replica at temperature index k. */
  directionsAt(k: number): Uint8Array {
    const pos = this.positions[k] as Int32Array;
    const dirs = new Uint8Array(this.n - 1);
    for (let i = 0; i + 1 < this.n; i++) dirs[i] = this.directionOf(pos[i + 1]! - pos[i]!);
    return dirs;
  }

  /**
   * Runs `steps` more move attempts (with the exchanges that fall due).
   * @throws {RangeError} when steps is not a non-negative safe integer.
   */
  run(steps: number): void {
    if (
      !Number.isSafeInteger(steps) ||
      steps < 0 ||
      !Number.isSafeInteger(this.stepCount + steps)
    ) {
      throw new RangeError(`steps must be a non-negative safe integer, got ${steps}`);
    }
    const interval = this.params.exchangeInterval;
    const round = interval * this.positions.length;
    const target = this.stepCount + steps;
    while (this.stepCount < target) {
      const inRound = this.stepCount % round;
      const k = Math.floor(inRound / interval);
      const count = Math.min(target - this.stepCount, interval - (inRound % interval));
      this.attempts(k, count);
      if (this.stepCount % round === 0) this.exchangeSweep();
    }
  }

  /**
   * Applies the pull move (i, side, target, skips) — see `pull` — to the replica at
   * temperature k whatever its ΔE; false when the move is impossible. For tests and tools that
   * enumerate the move set (e.g. the reversibility property); updates the replica's energy.
   */
  applyPull(k: number, i: number, side: 1 | -1, target: number, skips: number): boolean {
    if (target >= this.pullTargets(i, side)) return false;
    const pos = this.positions[k] as Int32Array;
    const dE = this.pull(pos, this.grids[k] as Int16Array, i, side, target, skips);
    if (dE === NO_MOVE) return false;
    this.energies[k] = (this.energies[k] as number) + dE;
    this.recenterIfMovedNearBorder(k, pos);
    return true;
  }

  /**
   * The interior pull targets of each direction u = dir(i − anchor), in direction-code order
   * of L's direction v from the anchor, then of C's direction w from i: L free next to the
   * anchor (v ≠ u), C next to both L and i and not the anchor. On the square and cubic
   * lattices this is w = v ⊥ u (Lesh et al.'s L and C); on FCC it has 14 targets per u.
   */
  private pullTable(): { pullL: Int32Array; pullC: Int32Array; count: number } {
    const { offsets } = this;
    const dirCount = offsets.length;
    const pairs: [number, number][][] = [];
    for (let u = 0; u < dirCount; u++) {
      const list: [number, number][] = [];
      for (let v = 0; v < dirCount; v++) {
        for (let x = 0; x < dirCount; x++) {
          // C − L = u + x − v must be one step; C = anchor when x = u ^ 1.
          const cl = offsets[u]! + offsets[x]! - offsets[v]!;
          if (v !== u && x !== (u ^ 1) && this.adjacent(cl)) list.push([v, x]);
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

  /** The largest number of `target` values of any pull (end pulls: one per pair of steps). */
  get maxPullTargets(): number {
    return this.offsets.length * this.offsets.length;
  }

  /** Re-centres replica k when a residue of the last moved range came near the box faces. */
  private recenterIfMovedNearBorder(k: number, pos: Int32Array): void {
    for (let j = this.movedLo; j <= this.movedHi; j++) {
      if (this.border[pos[j]!] === 1) {
        this.recenter(k);
        return;
      }
    }
  }

  /** Number of distinct `choice` values `applyPull` distinguishes (sides × targets × variants). */
  get pullChoices(): number {
    return 4 * this.offsets.length * this.offsets.length;
  }

  /** `count` move attempts on the replica at temperature k: the hot loop. */
  private attempts(k: number, count: number): void {
    const pos = this.positions[k] as Int32Array;
    const grid = this.grids[k] as Int16Array;
    const { n, offsets, interacts, cellCode, border, metropolis, rng, tableLast } = this;
    const pullShift = this.pullShift;
    const pullMask = (1 << pullShift) - 1;
    const dirCount = offsets.length;
    const base = k * this.tableRow;
    let energy = this.energies[k] as number;
    let best = this.best;
    for (let t = 0; t < count; t++) {
      const r = nextUint32(rng);
      const i = ((r & 0xffff) * n) >>> 16;
      const bits = r >>> 16;
      if ((bits & 1) === 1) {
        const side = (bits & 2) === 0 ? 1 : -1;
        const rest = bits >>> 2;
        let target: number;
        let more: number;
        if (pullShift >= 0 && i + side >= 0 && i + side < n) {
          // an interior pull with a power-of-two number of targets: no division
          target = rest & pullMask;
          more = rest >>> pullShift;
        } else {
          const targets = this.pullTargets(i, side);
          target = rest % targets;
          more = Math.floor(rest / targets);
        }
        // skips: trailing one bits of what is left, so P(skips = s) ≈ 2^−(s+1)
        const dE = this.pull(pos, grid, i, side, target, 31 - Math.clz32(~more & (more + 1)));
        if (dE === NO_MOVE) continue;
        if (dE > 0 && nextUint32(rng) >= metropolis[base + Math.min(dE, tableLast)]!) {
          this.revertPull(pos, grid);
          continue;
        }
        energy += dE;
        this.recenterIfMovedNearBorder(k, pos);
      } else if (
        i === 0 ||
        i === n - 1 ||
        i + 2 >= n ||
        !this.adjacent(pos[i + 2]! - pos[i - 1]!)
      ) {
        // one residue moves: an end to a free neighbour of its chain neighbour, or a corner flip
        const p = pos[i]!;
        const q =
          i === 0 || i === n - 1
            ? pos[i === 0 ? 1 : n - 2]! + offsets[(bits >>> 1) % dirCount]!
            : pos[i - 1]! + pos[i + 1]! - p;
        if (q === p || grid[q] !== 0) continue;
        let dE = 0;
        if (interacts[i] === 1) {
          // p is emptied first: on a non-bipartite lattice (FCC) q may neighbour p
          dE = this.contacts(grid, p, i);
          grid[p] = 0;
          dE -= this.contacts(grid, q, i);
          grid[p] = cellCode[i]!;
        }
        if (dE > 0 && nextUint32(rng) >= metropolis[base + Math.min(dE, tableLast)]!) continue;
        energy += dE;
        grid[p] = 0;
        grid[q] = cellCode[i]!;
        pos[i] = q;
        if (border[q] === 1) this.recenter(k);
      } else {
        // crankshaft: i−1 and i+2 are adjacent, the pair i, i+1 turns about their axis
        const a = pos[i - 1]!;
        const p = pos[i]!;
        const b = pos[i + 1]!;
        const c = pos[i + 2]!;
        const axis = this.directionOf(c - a);
        const current = this.directionOf(p - a);
        const perpCount = this.perpCount;
        let e = this.perp[axis * perpCount + ((bits >>> 1) % (perpCount - 1))]!;
        if (e === current) e = this.perp[axis * perpCount + perpCount - 1]!;
        const p2 = a + offsets[e]!;
        const b2 = c + offsets[e]!;
        if (grid[p2] !== 0 || grid[b2] !== 0) continue;
        let dE = 0;
        if (interacts[i] === 1) dE += this.contacts(grid, p, i);
        if (interacts[i + 1] === 1) dE += this.contacts(grid, b, i + 1);
        // emptied first: on a non-bipartite lattice (FCC) p2, b2 may neighbour p, b
        grid[p] = 0;
        grid[b] = 0;
        if (interacts[i] === 1) dE -= this.contacts(grid, p2, i);
        if (interacts[i + 1] === 1) dE -= this.contacts(grid, b2, i + 1);
        if (dE > 0 && nextUint32(rng) >= metropolis[base + Math.min(dE, tableLast)]!) {
          grid[p] = cellCode[i]!;
          grid[b] = cellCode[i + 1]!;
          continue;
        }
        energy += dE;
        grid[p2] = cellCode[i]!;
        grid[b2] = cellCode[i + 1]!;
        pos[i] = p2;
        pos[i + 1] = b2;
        if (border[p2] === 1 || border[b2] === 1) this.recenter(k);
      }
      if (energy < best) {
        this.energies[k] = energy;
        this.recordBest(k, this.stepCount + t + 1);
        best = energy;
      }
    }
    this.energies[k] = energy;
    this.stepCount += count;
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
  private pull(
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
  private pullTargets(i: number, side: number): number {
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
    const { newCells, n } = this;
    let left = skips;
    while (j >= 0 && j < n) {
      if (this.adjacent(pos[j]! - newCells[j - dir]!)) {
        if (left === 0) break;
        left--;
      }
      newCells[j] = pos[j - 2 * dir]!;
      j += dir;
    }
    if (left > 0 && (j < 0 || j >= n)) return NO_MOVE;
    const last = j - dir;
    return this.applyRange(pos, grid, Math.min(from, last), Math.max(from, last));
  }

  /** Moves residues lo…hi to newCells, returning ΔE (each pair counted once on each side). */
  private applyRange(pos: Int32Array, grid: Int16Array, lo: number, hi: number): number {
    const { interacts, cellCode, oldCells, newCells } = this;
    let removed = 0;
    for (let j = lo; j <= hi; j++) {
      const c = pos[j]!;
      oldCells[j] = c;
      if (interacts[j] === 1) removed += this.contacts(grid, c, j);
      grid[c] = 0;
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

  /** Undoes the last applyRange. */
  private revertPull(pos: Int32Array, grid: Int16Array): void {
    const { cellCode, oldCells, movedLo: lo, movedHi: hi } = this;
    for (let j = lo; j <= hi; j++) grid[pos[j]!] = 0;
    for (let j = lo; j <= hi; j++) {
      grid[oldCells[j]!] = cellCode[j]!;
      pos[j] = oldCells[j]!;
    }
  }

  /**
   * Total strength of the contacts residue i would make at `cell` with its non-bonded
   * neighbours (excluding i−1 and i+1): HP counts the positive (H) neighbours.
   */
  private contacts(grid: Int16Array, cell: number, i: number): number {
    const { offsets, strengths } = this;
    let total = 0;
    if (strengths === null) {
      const j = i + 2;
      let v = grid[cell + offsets[0]!]!;
      if (v > 0 && v !== i && v !== j) total++;
      v = grid[cell + offsets[1]!]!;
      if (v > 0 && v !== i && v !== j) total++;
      v = grid[cell + offsets[2]!]!;
      if (v > 0 && v !== i && v !== j) total++;
      v = grid[cell + offsets[3]!]!;
      if (v > 0 && v !== i && v !== j) total++;
      for (let d = 4; d < offsets.length; d++) {
        v = grid[cell + offsets[d]!]!;
        if (v > 0 && v !== i && v !== j) total++;
      }
    } else {
      const { types } = this;
      const row = this.typeRow[i]!;
      for (let d = 0; d < offsets.length; d++) {
        const v = grid[cell + offsets[d]!]!;
        if (v > 0 && v !== i && v !== i + 2) total += strengths[row + types[v - 1]!]!;
      }
    }
    return total;
  }

  /** True when a cell difference is one lattice step. */
  private adjacent(delta: number): boolean {
    const at = delta + this.dirBias;
    return at >= 0 && at < this.dirOf.length && this.dirOf[at] !== -1;
  }

  /** Direction code of a one-step cell difference. */
  private directionOf(delta: number): number {
    return this.dirOf[delta + this.dirBias]!;
  }

  /** One exchange sweep over neighbouring temperature pairs, bottom-up. */
  private exchangeSweep(): void {
    const { energies, positions, grids, exchange, tableRow, tableLast, rng } = this;
    for (let k = 0; k + 1 < positions.length; k++) {
      const dE = energies[k + 1]! - energies[k]!;
      if (dE > 0 && nextUint32(rng) >= exchange[k * tableRow + Math.min(dE, tableLast)]!) continue;
      const e = energies[k]!;
      energies[k] = energies[k + 1]!;
      energies[k + 1] = e;
      const p = positions[k]!;
      positions[k] = positions[k + 1]!;
      positions[k + 1] = p;
      const g = grids[k]!;
      grids[k] = grids[k + 1]!;
      grids[k + 1] = g;
    }
  }

  /** Records the replica at k as the new best (its energy is in energies[k]). */
  private recordBest(k: number, step: number): void {
    this.best = this.energies[k]!;
    this.bestAt = step;
    this.bestDirs.set(this.directionsAt(k));
  }

  /** Lays out direction codes into replica k's empty box, centred. */
  private place(k: number, directions: Uint8Array): void {
    this.writeCentred(k, layOut(directions, this.params.lattice, `replicas[${k}]`));
  }

  /** Translates replica k so its bounding box is centred in its box again. */
  private recenter(k: number): void {
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
