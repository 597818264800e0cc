/**
 * CPU and memory of the processes a benchmark watches, read from /proc (Linux): a process's
 * CPU (all threads, and its main thread alone), this process's own CPU and the whole machine's,
 * sampled at two instants and turned into shares of a core between them. Off Linux the /proc
 * figures are null.
 * @module
 */
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";

const CLOCK_TICKS = (() => {
  const r = spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" });
  const n = Number(r.stdout?.trim());
  return Number.isFinite(n) && n > 0 ? n : 100;
})();

/** utime + stime of a /proc stat file, in seconds, or undefined off Linux. */
function procCpuSeconds(path: string): number | undefined {
  try {
    const text = readFileSync(path, "utf8");
    const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return undefined;
  }
}

/** CPU seconds (user + system) process `pid` has used, or undefined (gone, or off Linux). */
export const processCpuSeconds = (pid: number): number | undefined =>
  procCpuSeconds(`/proc/${pid}/stat`);

/** The parent of process `pid`, or undefined. */
export function parentPid(pid: number): number | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    return Number(text.slice(text.lastIndexOf(")") + 2).split(" ")[1]);
  } catch {
    return undefined;
  }
}

/**
 * CPU seconds of process `pid` and its living children (a PostgreSQL server: the postmaster
 * and its backends), or undefined off Linux. Children that ended meanwhile are not counted.
 */
export function processTreeCpuSeconds(pid: number): number | undefined {
  const own = processCpuSeconds(pid);
  if (own === undefined) return undefined;
  let sum = own;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const child = Number(entry);
    if (parentPid(child) === pid) sum += processCpuSeconds(child) ?? 0;
  }
  return sum;
}

/** Busy and total jiffies of the whole machine. */
function machineTicks(): { busy: number; total: number } | undefined {
  try {
    const cpu = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/).slice(1);
    const n = cpu.map(Number);
    const total = n.reduce((a, b) => a + b, 0);
    const idle = (n[3] ?? 0) + (n[4] ?? 0);
    return { busy: total - idle, total };
  } catch {
    return undefined;
  }
}

/** Resident memory of a process in MiB, or undefined. */
export function rssMiB(pid: number): number | undefined {
  try {
    const line = readFileSync(`/proc/${pid}/status`, "utf8")
      .split("\n")
      .find((l) => l.startsWith("VmRSS:"));
    return line === undefined ? undefined : Math.round(Number(line.split(/\s+/)[1]) / 1024);
  } catch {
    return undefined;
  }
}

/** CPU counters at one instant. */
export interface CpuSample {
  readonly at: number;
  readonly process: number | undefined;
  readonly processMain: number | undefined;
  readonly client: NodeJS.CpuUsage;
  readonly machine: { busy: number; total: number } | undefined;
}

/** Samples the CPU of process `pid` (if any), of this process and of the machine. */
export function sampleCpu(pid: number | undefined): CpuSample {
  return {
    at: performance.now(),
    process: pid === undefined ? undefined : procCpuSeconds(`/proc/${pid}/stat`),
    processMain: pid === undefined ? undefined : procCpuSeconds(`/proc/${pid}/task/${pid}/stat`),
    client: process.cpuUsage(),
    machine: machineTicks(),
  };
}

/** CPU used between two samples. */
export interface CpuFigures {
  /** The watched process, % of one core. */
  processCpuPct: number | null;
  /** Its main thread (event loop), % of one core. */
  processMainThreadCpuPct: number | null;
  /** This process, % of one core. */
  clientCpuPct: number;
  /** % of all cores of the machine busy, this bench and everything else. */
  machineCpuPct: number | null;
}

/** The CPU used between samples `a` and `b` (taken in that order). */
export function cpuBetween(a: CpuSample, b: CpuSample): CpuFigures {
  const wall = (b.at - a.at) / 1000;
  const pct = (x: number | undefined, y: number | undefined) =>
    x === undefined || y === undefined ? null : Math.round(((y - x) / wall) * 100);
  const client = process.cpuUsage(a.client);
  return {
    processCpuPct: pct(a.process, b.process),
    processMainThreadCpuPct: pct(a.processMain, b.processMain),
    clientCpuPct: Math.round(((client.user + client.system) / 1e6 / wall) * 100),
    machineCpuPct:
      a.machine === undefined || b.machine === undefined
        ? null
        : Math.round(
            ((b.machine.busy - a.machine.busy) / (b.machine.total - a.machine.total)) * 100,
          ),
  };
}
