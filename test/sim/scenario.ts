/**
 * Multi-volunteer scenarios (docs/design.md "Conventions", test tiers; in the spirit of Crucible): a real
 * coordinator in this process, a population of scripted volunteers over real sockets — each
 * with a behaviour, honest or cheating — working through a job until it ends, then pluggable
 * assertions over everything that happened (verdicts, balances, the exported ledger).
 * @module
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bytesToHex } from "@noble/hashes/utils.js";
import { silentLogger } from "../../common/log.js";
import type { Coordinator, CoordinatorAddress } from "../../coordinator/coordinator.js";
import { parseJobSpec } from "../../coordinator/job-spec.js";
import type { JobRecord } from "../../coordinator/store/store.js";
import type { FrameOf } from "../../protocol/frames.js";
import { generateIdentity } from "../../protocol/identity.js";
import { runSkipping } from "../../testkit/cheats.js";
import type { SpooledResult } from "../../worker/spool.js";
import { ScriptedWorker } from "../helpers/scripted-worker.js";
import { createCoordinator } from "../helpers/test-coordinator.js";

/** What a volunteer does with each unit it leases. */
export type Behaviour = "honest" | "skipper" | "liar" | "forger";

/** One volunteer's record. */
export interface Volunteer {
  readonly name: string;
  readonly behaviour: Behaviour;
  readonly key: string;
  readonly verdicts: FrameOf<"verdict">[];
  /** True when the coordinator banned the key. */
  banned: boolean;
}

/** Everything a scenario produced, for its assertions. */
export interface World {
  readonly coordinator: Coordinator;
  readonly address: CoordinatorAddress;
  readonly job: JobRecord;
  readonly volunteers: readonly Volunteer[];
}

/** An assertion over a finished scenario. */
export type Assertion = (world: World) => void | Promise<void>;

/** What to run. */
export interface ScenarioOptions {
  readonly population: Readonly<Record<Behaviour, number>>;
  readonly job: Record<string, unknown>;
  /** Units each volunteer works at most (bounds the run). */
  readonly maxUnitsEach: number;
}

/** Produces the result a behaviour submits for an assignment. */
function resultFor(
  worker: ScriptedWorker,
  behaviour: Behaviour,
  assignment: FrameOf<"assignment">,
): SpooledResult {
  const segments = assignment.steps / assignment.checkpointInterval;
  switch (behaviour) {
    case "honest":
      return worker.run(assignment);
    case "skipper": {
      // skips a quarter of the inner segments: caught with probability ≈ 1 − 0.75^60
      const skip = new Set(
        Array.from({ length: segments }, (_, j) => j).filter(
          (j) => j > 0 && j < segments - 1 && j % 4 === 1,
        ),
      );
      return runSkipping(assignment, skip, worker.identity.secretKey);
    }
    case "liar": {
      const honest = worker.run(assignment);
      return worker.resign({ ...honest, bestEnergy: honest.bestEnergy - 1 });
    }
    case "forger":
      return worker.resign(worker.run(assignment), generateIdentity().secretKey);
  }
}

/**
 * One volunteer's loop: lease, act, submit, until its budget ends, the queue is empty, or the
 * coordinator closes it (a ban arrives as an error frame and a close: the next request ends the loop).
 */
async function volunteer(v: Volunteer, worker: ScriptedWorker, maxUnits: number): Promise<void> {
  for (let i = 0; i < maxUnits; i++) {
    worker.send({ kind: "workRequest", slots: 1 });
    const answer = await worker.nextOf(["assignment", "noWork", "error"]).catch(() => undefined);
    if (answer === undefined || answer.kind !== "assignment") break;
    const verdict = await worker
      .submit(resultFor(worker, v.behaviour, answer))
      .catch(() => undefined);
    if (verdict === undefined) break;
    v.verdicts.push(verdict);
  }
  // a ban's close frame may trail the loop's last answer: wait for it when one is due
  const strikes = v.verdicts.filter((x) => !x.accepted && x.code !== "RESULT_ERROR_STALE");
  if (strikes.length >= 3)
    await Promise.race([worker.closed(), new Promise((resolve) => setTimeout(resolve, 5_000))]);
  v.banned = worker.closedWith?.reason === "AUTH_ERROR_BANNED";
}

/** Runs a scenario and its assertions; always stops the coordinator. */
export async function runScenario(
  options: ScenarioOptions,
  assertions: readonly Assertion[],
): Promise<World> {
  const dir = mkdtempSync(join(tmpdir(), "foldnet-sim-"));
  const coordinator = await createCoordinator(
    {
      host: "127.0.0.1",
      port: 0,
      dbFile: join(dir, "sim.db"),
      apiKeys: [],
      verifyThreads: 0,
      endpoint: { parkMs: 200 },
    },
    { log: silentLogger },
  );
  const address = await coordinator.start();
  try {
    const job = await coordinator.scheduler.submitJob(parseJobSpec(options.job));
    const workers: [Volunteer, ScriptedWorker][] = [];
    for (const [behaviour, count] of Object.entries(options.population) as [Behaviour, number][]) {
      for (let i = 0; i < count; i++) {
        const worker = await ScriptedWorker.connect(address.wsUrl);
        workers.push([
          {
            name: `${behaviour}-${i}`,
            behaviour,
            key: bytesToHex(worker.identity.publicKey),
            verdicts: [],
            banned: false,
          },
          worker,
        ]);
      }
    }
    await Promise.all(workers.map(([v, w]) => volunteer(v, w, options.maxUnitsEach)));
    for (const [, w] of workers) w.close();
    await coordinator.sealer.sealAll();
    const world: World = {
      coordinator,
      address,
      job: (await coordinator.store.getJob(job.id))!,
      volunteers: workers.map(([v]) => v),
    };
    for (const assertion of assertions) await assertion(world);
    return world;
  } finally {
    await coordinator.stop();
  }
}
