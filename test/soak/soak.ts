/**
 * The soak: a coordinator process and workers under a steady stream of jobs while the
 * coordinator is killed with SIGKILL (and restarted on the same database and port) and
 * workers are killed with SIGKILL (and restarted on the same identity and spool), on an even
 * schedule over the run. Afterwards every job finishes and the books must balance: every
 * verified unit paid exactly once (the ledger export verifies, with one work entry per
 * verified unit and issued tokens equal to the units' rewards), no acknowledged result lost,
 * and SQLite's integrity_check ok. Used by the integration test (about a minute) and by
 * `npm run soak -- --minutes N` for longer runs.
 * @module
 */
import { join } from "node:path";
import Database from "better-sqlite3";
import { ApiClient } from "../../coordinator/api-client.js";
import { verifyChain } from "../../ledger/verify-chain.js";
import {
  acknowledgedUnits,
  type CoordinatorProc,
  freePort,
  type Proc,
  startCoordinator,
  startWorker,
  tempDir,
  waitFor,
} from "../helpers/network.js";

/** How to soak. */
export interface SoakOptions {
  /** Length of the loaded phase (jobs keep coming, processes get killed). */
  readonly minutes: number;
  readonly workers: number;
  readonly coordinatorKills: number;
  readonly workerKills: number;
  /** Steps per unit (a multiple of 1024). */
  readonly unitSteps: number;
  /** Jobs kept running at once during the loaded phase. */
  readonly concurrentJobs: number;
  readonly log?: (line: string) => void;
}

/** What the soak found. */
export interface SoakReport {
  readonly jobs: number;
  readonly unitsVerified: number;
  readonly workEntries: number;
  readonly issued: bigint;
  readonly rewards: bigint;
  readonly acknowledged: number;
  readonly lostAcknowledged: string[];
  readonly coordinatorKills: number;
  readonly workerKills: number;
  readonly integrity: string;
  readonly seconds: number;
}

const KEY = "fn_soak";
const SEQ = "PPPHHPPHHPPPPPHHHHHHHPPHHPPPPHHPPHPP";

interface UnitView {
  id: string;
  result: { reward: string } | null;
}

/** Runs a soak; throws if a job does not finish. The caller judges the report. */
export async function runSoak(o: SoakOptions): Promise<SoakReport> {
  const log = o.log ?? (() => {});
  const started = Date.now();
  const dir = tempDir("soak");
  const db = join(dir, "c.db");
  const port = await freePort();
  const coordinatorArgs = ["--grace-seconds", "1"];
  let coordinator: CoordinatorProc = await startCoordinator(db, port, KEY, coordinatorArgs);
  const client = new ApiClient(coordinator.url, KEY);
  const workerDirs = Array.from({ length: o.workers }, (_, i) => join(dir, `w${i}`));
  const workers: Proc[] = workerDirs.map((d) => startWorker(coordinator.wsUrl, d));
  const retired: Proc[] = []; // killed workers: their logs still count
  const jobIds: string[] = [];
  const events = [
    ...Array.from({ length: o.coordinatorKills }, (_, i) => ({
      at: ((i + 1) / (o.coordinatorKills + 1)) * o.minutes * 60_000,
      kind: "coordinator" as const,
    })),
    ...Array.from({ length: o.workerKills }, (_, i) => ({
      at: ((i + 0.5) / o.workerKills) * o.minutes * 60_000,
      kind: "worker" as const,
      index: i % o.workers,
    })),
  ].sort((a, b) => a.at - b.at);
  const retry = <T>(what: string, f: () => Promise<T>) => waitFor(what, () => f(), 30_000, 200);
  try {
    const loadEnds = started + o.minutes * 60_000;
    while (Date.now() < loadEnds) {
      const due = events[0];
      if (due !== undefined && Date.now() - started >= due.at) {
        events.shift();
        if (due.kind === "coordinator") {
          await coordinator.kill("SIGKILL");
          log(`coordinator killed (SIGKILL) at ${Math.round((Date.now() - started) / 1000)} s`);
          coordinator = await startCoordinator(db, port, KEY, coordinatorArgs);
        } else {
          const i = due.index!;
          const victim = workers[i]!;
          await victim.kill("SIGKILL");
          retired.push(victim);
          log(`worker ${i} killed (SIGKILL) at ${Math.round((Date.now() - started) / 1000)} s`);
          workers[i] = startWorker(coordinator.wsUrl, workerDirs[i]!);
        }
      }
      const running = (await retry("the job list", () => client.jobs())).jobs.filter(
        (j) => j.status === "running",
      ).length;
      for (let n = running; n < o.concurrentJobs; n++) {
        const job = await retry("a submission", () =>
          client.submit({
            name: `soak ${jobIds.length}`,
            sequence: SEQ,
            steps: 8 * o.unitSteps,
            trajectories: 2,
            unitSteps: o.unitSteps,
          }),
        );
        jobIds.push(job.id);
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    log(`load phase over: ${jobIds.length} jobs submitted; draining`);
    let unitsVerified = 0;
    let rewards = 0n;
    const verified = new Set<string>();
    for (const id of jobIds) {
      await waitFor(
        `job ${id} to finish`,
        async () => ((await client.job(id)).status === "running" ? undefined : true),
        120_000,
        250,
      );
      const { units } = await client.call<{ units: UnitView[] }>("GET", `/api/jobs/${id}/units`);
      for (const u of units) {
        if (u.result === null) continue;
        unitsVerified++;
        verified.add(u.id);
        rewards += BigInt(u.result.reward);
      }
    }
    await waitFor("the ledger to seal every entry", async () =>
      (await client.call<{ pending: number }>("GET", "/api/ledger/blocks")).pending === 0
        ? true
        : undefined,
    );
    const summary = verifyChain(await client.exportChain());
    const acked = [...retired, ...workers].flatMap((w) => acknowledgedUnits(w.log()));
    await Promise.all(workers.map((w) => w.kill("SIGTERM")));
    await coordinator.kill("SIGTERM");
    const check = new Database(db, { readonly: true });
    const integrity = check.pragma("integrity_check", { simple: true }) as string;
    check.close();
    return {
      jobs: jobIds.length,
      unitsVerified,
      workEntries: summary.workEntries,
      issued: summary.issued,
      rewards,
      acknowledged: acked.length,
      lostAcknowledged: acked.filter((u) => !verified.has(u)),
      coordinatorKills: o.coordinatorKills,
      workerKills: o.workerKills,
      integrity,
      seconds: Math.round((Date.now() - started) / 1000),
    };
  } finally {
    await Promise.all([...workers, coordinator].map((p) => p.kill("SIGKILL")));
  }
}
