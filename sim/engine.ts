/**
 * The folding engine: replica-exchange Monte Carlo (Thachuk, Shmygelska & Hoos 2007) over a
 * temperature ladder, with end, corner and crankshaft moves and pull moves (Lesh,
 * Mitzenmacher & Whitesides 2003, generalised to any lattice of sim/lattice.ts), incremental
 * ΔE under any model of sim/model.ts and integer-only acceptance.
 *
 * This class owns the schedule, the hot loop (picking every move's target and accepting or
 * rejecting it), the exchanges, the best-so-far record and the snapshot; the replicas' boxes
 * and the application and revert of every move live in its base class (sim/replica-boxes.ts).
 * The hot loop allocates nothing.
 *
 * One *step* is one move attempt on one replica, whether the move is valid, accepted or not.
 * Steps run in rounds: replica at temperature 0 gets `exchangeInterval` attempts, then
 * replica 1, …, then one exchange sweep over neighbouring pairs (bottom-up). The position in
 * the round is a function of the step counter, so a run can stop and resume at any step.
 * @module
 */

import { nextUint32 } from "./prng.js";
import { NO_MOVE, ReplicaBoxes } from "./replica-boxes.js";
import type { SearchSnapshot } from "./search-snapshot.js";
import { thresholdTables } from "./thresholds.js";

/** A replica-exchange Monte Carlo search over one HP chain. */
export class ReplicaExchangeSearch extends ReplicaBoxes {
  private readonly tableRow: number;
  private readonly tableLast: number;
  private readonly metropolis: Uint32Array;
  private readonly exchange: Uint32Array;
  private readonly rng: Uint32Array;
  private stepCount: number;
  private best: number;
  private bestAt: number;
  private readonly bestDirs: Uint8Array;

  /** Builds a search from a snapshot (validated by the caller, e.g. the state decoder). */
  constructor(snapshot: SearchSnapshot) {
    super(snapshot);
    const { params } = snapshot;
    let row: number;
    ({
      metropolis: this.metropolis,
      exchange: this.exchange,
      row,
    } = thresholdTables(params.temperaturesMilli, this.maxDelta));
    this.tableRow = row;
    this.tableLast = row - 1;
    this.rng = Uint32Array.from(snapshot.rng);
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
   * `count` move attempts on the replica at temperature k: the hot loop. Every move is
   * applied by the base class, which returns its ΔE; a rejected move is reverted. The PRNG
   * state lives in four local int32s for the whole loop (written back at the end): each draw
   * is `nextUint32` of sim/prng.ts, inlined, so the state stays in registers.
   */
  private attempts(k: number, count: number): void {
    const pos = this.positions[k] as Int32Array;
    const grid = this.grids[k] as Int16Array;
    const { n, offsets, metropolis, rng, tableLast, perp, perpCount } = this;
    const pullShift = this.pullShift;
    const pullMask = (1 << pullShift) - 1;
    const dirCount = offsets.length;
    const base = k * this.tableRow;
    let energy = this.energies[k] as number;
    let best = this.best;
    let s0 = rng[0]! | 0;
    let s1 = rng[1]! | 0;
    let s2 = rng[2]! | 0;
    let s3 = rng[3]! | 0;
    // ΔE of an uphill move already applied, whose acceptance the next draw decides (0: none)
    let pending = 0;
    for (let t = 0; t < count; ) {
      // xoshiro128** (nextUint32, inlined): r is the output, as an int32
      const m = Math.imul(s1, 5);
      const r = Math.imul((m << 7) | (m >>> 25), 9);
      const x = s1 << 9;
      s2 ^= s0;
      s3 ^= s1;
      s1 ^= s2;
      s0 ^= s3;
      s2 ^= x;
      s3 = (s3 << 11) | (s3 >>> 21);
      let dE = pending;
      if (pending > 0) {
        // the acceptance draw of attempt t, compared as a uint32
        pending = 0;
        if (r >>> 0 >= metropolis[base + Math.min(dE, tableLast)]!) {
          this.revertMove(pos, grid);
          t++;
          continue;
        }
      } else {
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
          dE = this.pull(pos, grid, i, side, target, 31 - Math.clz32(~more & (more + 1)));
        } else if (i === 0 || i === n - 1) {
          // an end moves to a free neighbour of its chain neighbour
          dE = this.moveOne(
            pos,
            grid,
            i,
            pos[i === 0 ? 1 : n - 2]! + offsets[(bits >>> 1) % dirCount]!,
          );
        } else if (i + 2 >= n || !this.adjacent(pos[i + 2]! - pos[i - 1]!)) {
          // corner flip: i to the fourth corner of the parallelogram i−1, i, i+1
          dE = this.moveOne(pos, grid, i, pos[i - 1]! + pos[i + 1]! - pos[i]!);
        } else {
          // crankshaft: i−1 and i+2 are adjacent, the pair i, i+1 turns about their axis
          const a = pos[i - 1]!;
          const c = pos[i + 2]!;
          const axis = this.directionOf(c - a);
          let e = perp[axis * perpCount + ((bits >>> 1) % (perpCount - 1))]!;
          if (e === this.directionOf(pos[i]! - a)) e = perp[axis * perpCount + perpCount - 1]!;
          dE = this.moveTwo(pos, grid, i, a + offsets[e]!, c + offsets[e]!);
        }
        if (dE === NO_MOVE) {
          t++;
          continue;
        }
        if (dE > 0) {
          pending = dE;
          continue;
        }
      }
      t++;
      energy += dE;
      this.recenterIfMovedNearBorder(k, pos);
      if (energy < best) {
        this.energies[k] = energy;
        this.recordBest(k, this.stepCount + t);
        best = energy;
      }
    }
    rng[0] = s0;
    rng[1] = s1;
    rng[2] = s2;
    rng[3] = s3;
    this.energies[k] = energy;
    this.stepCount += count;
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
}
