/**
 * `npm run bench:revoke`: how fast a job's end reaches the workers computing it. A coordinator
 * and two `foldnet worker` processes (one thread each) from dist/; per run, a job of two
 * 2²⁶-step units starts on both, is cancelled mid-unit, and the bench reads each worker's
 * "unit revoked" log time (from the cancel request sent) and the worker's CPU (/proc, all
 * threads) before the cancel and in the windows after it. `--runs N` (default 5), `--json`,
 * `--no-build`.
 * @module
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BENCH_HOST, buildDist, CoordinatorProcess, ROOT } from "./lib/coordinator-process.js";
import { type CpuSample, cpuBetween, sampleCpu } from "./lib/cpu-sample.js";
import { argValue, note, report } from "./lib/report.js";

const RUNS = Number(argValue("runs", "5"));
const KEY = "fn_bench_revoke";
const UNIT_STEPS = 2 ** 26;
/** The CPU windows after the cancel, in ms: [0, 500), [500, 1000), [1000, 2000). */
const WINDOWS = [500, 1000, 2000];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A worker process and its stderr log. */
interface Worker {
  readonly child: ChildProcess;
  log: string;
}

function startWorker(wsUrl: string, dir: string, name: string): Worker {
  const child = spawn(
    process.execPath,
    [
      join(ROOT, "bin", "foldnet"),
      "worker",
      ...["--coordinator", wsUrl, "--threads", "1", "--name", name],
      ...["--identity", join(dir, name, "id.json"), "--spool", join(dir, name, "spool")],
    ],
    { cwd: ROOT, stdio: ["ignore", "ignore", "pipe"] },
  );
  const worker: Worker = { child, log: "" };
  child.stderr!.on("data", (d: Buffer) => {
    worker.log += d.toString();
  });
  process.once("exit", () => child.kill("SIGKILL"));
  return worker;
}

const count = (w: Worker, what: string) => w.log.split(what).length - 1;

/** The time of the worker's `n`-th (0-based) "unit revoked" log line, in ms since the epoch. */
function revokedAt(w: Worker, n: number): number {
  const line = w.log.split("\n").filter((l) => l.includes("unit revoked"))[n]!;
  return Date.parse(line.slice(0, line.indexOf(" ")));
}

async function main(): Promise<void> {
  buildDist();
  const dir = mkdtempSync(join(tmpdir(), "foldnet-bench-revoke-"));
  const coordinator = new CoordinatorProcess({
    workDir: dir,
    name: "coordinator",
    args: ["--db", join(dir, "c.db"), "--api-key", KEY],
  });
  const { url, wsUrl } = await coordinator.start();
  const workers = [startWorker(wsUrl, dir, "w0"), startWorker(wsUrl, dir, "w1")];
  const api = async (path: string, body?: unknown) => {
    const res = await fetch(`${url}${path}`, {
      method: "POST",
      headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return (await res.json()) as { id: string };
  };
  const delays: number[] = [];
  const cpuPct: number[][] = WINDOWS.map(() => []);
  const beforePct: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const assigned = workers.map((w) => count(w, "unit assigned"));
    const revoked = workers.map((w) => count(w, "unit revoked"));
    const job = await api("/api/jobs", {
      sequence: "HPHPPHHPHPPHPHHPPHPH",
      steps: 2 * UNIT_STEPS,
      trajectories: 2,
      unitSteps: UNIT_STEPS,
    });
    while (workers.some((w, i) => count(w, "unit assigned") <= assigned[i]!)) await sleep(20);
    await sleep(1_000); // both threads running
    const start: CpuSample[] = workers.map((w) => sampleCpu(w.child.pid));
    await sleep(1_000);
    let last = workers.map((w) => sampleCpu(w.child.pid));
    for (const [i, s] of last.entries())
      beforePct.push(cpuBetween(start[i]!, s).processCpuPct ?? 0);
    const sentAt = Date.now();
    last = workers.map((w) => sampleCpu(w.child.pid));
    await api(`/api/jobs/${job.id}/cancel`);
    for (const [k, end] of WINDOWS.entries()) {
      await sleep(sentAt + end - Date.now());
      const now = workers.map((w) => sampleCpu(w.child.pid));
      for (const [i, s] of now.entries())
        cpuPct[k]!.push(cpuBetween(last[i]!, s).processCpuPct ?? 0);
      last = now;
    }
    for (const [i, w] of workers.entries()) delays.push(revokedAt(w, revoked[i]!) - sentAt);
    note(`run ${run + 1}/${RUNS}: revoked after ${delays.slice(-2).join(", ")} ms`);
  }
  for (const w of workers) w.child.kill("SIGKILL");
  await coordinator.stop();
  const sorted = [...delays].sort((a, b) => a - b);
  const mean = (xs: number[]) => Math.round(xs.reduce((a, b) => a + b, 0) / xs.length);
  const figures = {
    host: BENCH_HOST,
    runs: RUNS,
    revocations: delays.length,
    revokeDelayMs: { median: sorted[Math.floor(sorted.length / 2)], max: sorted.at(-1) },
    workerCpuPctBefore: mean(beforePct),
    workerCpuPctAfter: Object.fromEntries(
      WINDOWS.map((end, k) => [`to${end}ms`, mean(cpuPct[k]!)]),
    ),
  };
  report(
    "revocation: cancel request → worker log line, and the worker's CPU (% of a core)",
    [
      { what: "revoke delay, median (ms)", value: figures.revokeDelayMs.median! },
      { what: "revoke delay, max (ms)", value: figures.revokeDelayMs.max! },
      { what: "worker CPU before the cancel (%)", value: figures.workerCpuPctBefore },
      ...WINDOWS.map((end, k) => ({
        what: `worker CPU, cancel + ${k === 0 ? 0 : WINDOWS[k - 1]}…${end} ms (%)`,
        value: mean(cpuPct[k]!),
      })),
    ],
    figures,
  );
}

await main();
