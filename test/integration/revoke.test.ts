import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type CoordinatorProc,
  type Proc,
  startCoordinator,
  startWorker,
  tempDir,
  waitFor,
} from "../helpers/network.js";

// A real coordinator and real `foldnet worker` processes (one thread each). A job that ends
// while workers hold its units — cancelled, or its target reached by another unit — must stop
// them within 2 s: each worker's steps counter stops, its CPU falls to idle, it logs the
// revocation, and the coordinator counts it in foldnet_units_revoked_total.
const KEY = "fn_revoke_key";
const SEQUENCE = "HPHPPHHPHPPHPHHPPHPH"; // 20-mer, E* = −9: reached early in any unit
/** 2²⁶ steps: seconds of a thread here (tens under load), so the test acts mid-unit. */
const UNIT_STEPS = 2 ** 26;
const GRACE_S = 2;
/** USER_HZ: /proc/PID/stat counts CPU time in 1/100 s on Linux. */
const CLOCK_TICKS = 100;

let dir: string;
let coordinator: CoordinatorProc;
const procs: Proc[] = [];

beforeAll(async () => {
  dir = tempDir("revoke");
  coordinator = await startCoordinator(join(dir, "c.db"), 0, KEY);
  procs.push(coordinator);
});
afterAll(async () => {
  await Promise.all(procs.map((p) => p.kill("SIGKILL")));
});

// biome-ignore lint/suspicious/noExplicitAny: the test reads arbitrary JSON answers
async function api(path: string, method = "GET", body?: unknown): Promise<any> {
  const res = await fetch(`${coordinator.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  expect(res.status, `${method} ${path}`).toBeLessThan(300);
  return res.json();
}

/** The sum of a metric's series (with `label` in its labels, if given) at `url`. */
async function metric(url: string, name: string, label = ""): Promise<number> {
  const text = await (await fetch(url)).text();
  let sum = 0;
  for (const line of text.split("\n")) {
    if (!line.startsWith(name) || !line.includes(label)) continue;
    const [series, value] = line.split(" ");
    if (series === name || series?.startsWith(`${name}{`)) sum += Number(value);
  }
  return sum;
}

/** CPU seconds (user + system, every thread) the process has used. */
function cpuSeconds(proc: Proc): number {
  const stat = readFileSync(`/proc/${proc.child.pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS; // utime, stime (14th, 15th)
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A started worker with its metrics URL (from its log). */
async function worker(name: string): Promise<{ proc: Proc; metrics: string }> {
  const proc = startWorker(coordinator.wsUrl, join(dir, name), 1, [
    "--name",
    name,
    "--metrics-port",
    "0",
  ]);
  procs.push(proc);
  const metrics = await waitFor(`${name}'s metrics`, async () => {
    const m = /metrics listening (\{.*\})/.exec(proc.log());
    return m === null ? undefined : (JSON.parse(m[1]!) as { url: string }).url;
  });
  return { proc, metrics };
}

/** Submits a job of two trajectories of one unit each. */
const submit = (extra: Record<string, unknown>) =>
  api("/api/jobs", "POST", {
    sequence: SEQUENCE,
    steps: 2 * UNIT_STEPS,
    trajectories: 2,
    unitSteps: UNIT_STEPS,
    ...extra,
  });

const steps = (w: { metrics: string }) => metric(w.metrics, "foldnet_worker_steps_total");

/** Waits until the worker has run at least `atLeast` steps of a unit. */
const computing = (w: { metrics: string }, atLeast: number) =>
  waitFor("a worker computing", async () => ((await steps(w)) >= atLeast ? true : undefined));

/**
 * Checks that the worker stopped within GRACE_S of `endedAt` (ms): its log says "unit revoked"
 * less than GRACE_S after it, and from endedAt + GRACE_S on, for 2 s, its steps do not move and
 * its CPU stays near idle.
 */
async function expectStopped(w: { proc: Proc; metrics: string }, endedAt: number): Promise<void> {
  const line = await waitFor("the revocation in the worker's log", async () =>
    w.proc
      .log()
      .split("\n")
      .find((l) => l.includes("unit revoked")),
  );
  const delayMs = Date.parse(line.slice(0, line.indexOf(" "))) - endedAt;
  expect(delayMs, "ms from the job's end to the worker's revocation").toBeLessThan(GRACE_S * 1000);
  await sleep(Math.max(0, endedAt + GRACE_S * 1000 - Date.now()));
  const [steps0, cpu0, t0] = [await steps(w), cpuSeconds(w.proc), Date.now()];
  await sleep(2_000);
  const [steps1, cpu1, t1] = [await steps(w), cpuSeconds(w.proc), Date.now()];
  const share = (cpu1 - cpu0) / ((t1 - t0) / 1000);
  expect(steps1, "steps after the revocation's grace").toBe(steps0);
  expect(share, "CPU share of a core after the grace").toBeLessThan(0.15);
}

describe("revoke: a job that ends stops every worker holding its units (real processes)", () => {
  it("cancelling a job stops both workers computing its units within 2 s", async () => {
    const a = await worker("revoke-a");
    const b = await worker("revoke-b");
    const job = await submit({});
    await Promise.all([computing(a, 2 ** 22), computing(b, 2 ** 22)]);
    const cancelledAt = Date.now();
    expect((await api(`/api/jobs/${job.id}/cancel`, "POST")).status).toBe("cancelled");

    await expectStopped(a, cancelledAt);
    await expectStopped(b, cancelledAt);
    const revoked = `${coordinator.url}/metrics`;
    expect(await metric(revoked, "foldnet_units_revoked_total", "REVOKE_JOB_CANCELLED")).toBe(2);
    for (const w of [a, b])
      expect(await metric(w.metrics, "foldnet_worker_units_revoked_total")).toBe(1);

    // names are stored and listed; a revoked unit is no rejection
    const { workers } = await api("/api/workers");
    expect(workers.map((w: { name: string }) => w.name).sort()).toEqual(["revoke-a", "revoke-b"]);
    for (const w of workers) expect(w).toMatchObject({ rejected: 0, strikes: 0 });
    await Promise.all([a.proc.kill("SIGTERM"), b.proc.kill("SIGTERM")]);
  });

  it("a job reaching its target stops the worker still computing its other unit", async () => {
    const a = await worker("revoke-a2");
    const job = await submit({ targetEnergy: -9 });
    // out of phase: the second worker starts its unit when the first is a quarter through
    await computing(a, UNIT_STEPS / 4);
    const late = await worker("revoke-late");
    await computing(late, 2 ** 22);
    const done = await waitFor(
      "the job to reach its target",
      async () => {
        const j = await api(`/api/jobs/${job.id}`);
        return j.status === "done" ? j : undefined;
      },
      120_000,
      50,
    );
    expect(done.bestEnergy).toBeLessThanOrEqual(-9);
    await expectStopped(late, done.finishedAt as number);
    expect(late.proc.log()).toContain("REVOKE_JOB_DONE");
    const revoked = `${coordinator.url}/metrics`;
    expect(await metric(revoked, "foldnet_units_revoked_total", "REVOKE_JOB_DONE")).toBe(1);
  });
});
