/**
 * `npm run bench:sim`: move attempts per second of the engine on the 64-mer (HP) on every
 * lattice of sim/lattice.ts, one thread, against a straightforward baseline written here
 * (objects for coordinates, a Map for occupancy, end and corner moves only, full energy
 * recompute per attempt, float Metropolis), measured in the same run. The engine is also
 * measured per CPU-second of the process (user time), which the other sessions on a shared
 * machine disturb far less than the wall clock. Figures land in the closing notes and
 * docs/sim.md.
 * @module
 */
import { LATTICE_SPECS, type Vector3 } from "../sim/lattice.js";
import { createSearch } from "../sim/search.js";
import { argValue, note, rate, report } from "./lib/report.js";

const SEQUENCE_64 = "HHHHHHHHHHHHPHPHPPHHPPHHPPHPPHHPPHHPPHPPHHPPHHPPHPHPHHHHHHHHHHHH";
const SECONDS = Number(argValue("seconds", "3"));

type Point = { x: number; y: number; z: number };
const key = (p: Point) => `${p.x},${p.y},${p.z}`;

/** The naive baseline: readable, allocation-heavy, O(n) energy per attempt. */
class NaiveMetropolis {
  private chain: Point[];
  private energy = 0;
  private seed = 12345;
  private readonly dirs: Point[];
  constructor(
    private readonly sequence: string,
    vectors: readonly Vector3[],
    private readonly temperature: number,
  ) {
    const [dx, dy, dz] = vectors[0] as Vector3;
    this.chain = [...sequence].map((_, i) => ({ x: i * dx, y: i * dy, z: i * dz }));
    this.dirs = vectors.map(([x, y, z]) => ({ x, y, z }));
  }
  private random(): number {
    this.seed = (Math.imul(this.seed, 1103515245) + 12345) >>> 0;
    return this.seed / 2 ** 32;
  }
  private energyOf(chain: Point[]): number {
    const occupied = new Map(chain.map((p, i) => [key(p), i]));
    let contacts = 0;
    chain.forEach((p, i) => {
      if (this.sequence[i] !== "H") return;
      for (const d of this.dirs) {
        const j = occupied.get(key({ x: p.x + d.x, y: p.y + d.y, z: p.z + d.z }));
        if (j !== undefined && j > i + 1 && this.sequence[j] === "H") contacts++;
      }
    });
    return -contacts;
  }
  attempts(count: number): void {
    for (let t = 0; t < count; t++) {
      const n = this.chain.length;
      const i = Math.floor(this.random() * n);
      const occupied = new Set(this.chain.map(key));
      let target: Point | undefined;
      if (i === 0 || i === n - 1) {
        const anchor = this.chain[i === 0 ? 1 : n - 2] as Point;
        const d = this.dirs[Math.floor(this.random() * this.dirs.length)] as Point;
        target = { x: anchor.x + d.x, y: anchor.y + d.y, z: anchor.z + d.z };
      } else {
        const [a, p, b] = [this.chain[i - 1], this.chain[i], this.chain[i + 1]] as Point[];
        target = { x: a!.x + b!.x - p!.x, y: a!.y + b!.y - p!.y, z: a!.z + b!.z - p!.z };
      }
      if (occupied.has(key(target))) continue;
      const next = this.chain.map((p, j) => (j === i ? (target as Point) : p));
      const e = this.energyOf(next);
      if (e <= this.energy || this.random() < Math.exp((this.energy - e) / this.temperature)) {
        this.chain = next;
        this.energy = e;
      }
    }
  }
}

/** Like `rate`, but operations per CPU-second of this process (user time). */
function cpuRate(seconds: number, batch: number, fn: (count: number) => void): number {
  fn(batch); // warm-up
  const start = process.cpuUsage();
  let done = 0;
  let used = 0;
  do {
    fn(batch);
    done += batch;
    used = process.cpuUsage(start).user / 1e6;
  } while (used < seconds);
  return done / used;
}

const rows: Record<string, string | number>[] = [];
const figures: Record<string, number> = {};
for (const { name: lattice, vectors } of LATTICE_SPECS) {
  note(`measuring ${lattice} n=64 (${SECONDS} s per case)…`);
  const search = createSearch({ sequence: SEQUENCE_64, lattice, seed: 1 });
  search.run(2_000_000); // leave the straight start behind
  const engine = rate(SECONDS, 1_000_000, (count) => search.run(count));
  const engineCpu = cpuRate(SECONDS, 1_000_000, (count) => search.run(count));
  const naive = new NaiveMetropolis(SEQUENCE_64, vectors, 0.5);
  const baseline = rate(SECONDS, 2_000, (count) => naive.attempts(count));
  figures[`${lattice}EngineAttemptsPerSec`] = Math.round(engine);
  figures[`${lattice}EngineAttemptsPerCpuSec`] = Math.round(engineCpu);
  figures[`${lattice}BaselineAttemptsPerSec`] = Math.round(baseline);
  figures[`${lattice}Speedup`] = Number((engine / baseline).toFixed(1));
  rows.push({
    lattice,
    "engine attempts/s": `${(engine / 1e6).toFixed(2)} M`,
    "per CPU-second": `${(engineCpu / 1e6).toFixed(2)} M`,
    "baseline attempts/s": `${(baseline / 1e3).toFixed(1)} k`,
    "engine / baseline": `${(engine / baseline).toFixed(0)}×`,
  });
}
report("bench:sim — move attempts per second, one thread, n = 64", rows, figures);
