/**
 * A process's CPU use measured from outside through /proc, as a volunteer's `top` would see
 * it: utime + stime of /proc/<pid>/stat (all its threads; clock ticks of 10 ms) over a window
 * of wall time, and the time its busiest thread spent runnable but waiting for a CPU
 * (/proc/<pid>/task/<tid>/schedstat, second field, ns): on a loaded machine that is CPU time
 * the thread wanted and did not get, which a test of an upper-bound rule must not count
 * against it.
 * @module
 */
import { readdirSync, readFileSync } from "node:fs";

const TICK_MS = 10;

/** CPU time of a process so far, in ms. */
export function cpuMs(pid: number): number {
  const text = readFileSync(`/proc/${pid}/stat`, "latin1");
  const rest = text.slice(text.lastIndexOf(")") + 2).split(" ");
  return (Number(rest[11]) + Number(rest[12])) * TICK_MS;
}

/** Run and run-queue wait time so far of each of the process's threads, in ms, by tid. */
function threadTimes(pid: number): Map<string, { run: number; wait: number }> {
  const times = new Map<string, { run: number; wait: number }>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const [run, wait] = readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "latin1").split(" ");
      times.set(tid, { run: Number(run) / 1e6, wait: Number(wait) / 1e6 });
    } catch {
      // the thread ended meanwhile
    }
  }
  return times;
}

/**
 * What a window saw, % of one core: the process's CPU, and the run-queue wait of its busiest
 * thread (the one that ran most in the window).
 */
export interface CpuWindow {
  readonly cpuPct: number;
  readonly waitPct: number;
}

/** Measures `pid` over the next `ms` milliseconds. */
export async function measureCpu(pid: number, ms: number): Promise<CpuWindow> {
  const [c0, th0, t0] = [cpuMs(pid), threadTimes(pid), performance.now()];
  await new Promise((resolve) => setTimeout(resolve, ms));
  const [c1, th1, t1] = [cpuMs(pid), threadTimes(pid), performance.now()];
  let busiest = { run: -1, wait: 0 };
  for (const [tid, end] of th1) {
    const begin = th0.get(tid) ?? { run: 0, wait: 0 };
    const d = { run: end.run - begin.run, wait: end.wait - begin.wait };
    if (d.run > busiest.run) busiest = d;
  }
  const wall = t1 - t0;
  return { cpuPct: (100 * (c1 - c0)) / wall, waitPct: (100 * busiest.wait) / wall };
}
