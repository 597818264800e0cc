import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { ApiClient } from "../../coordinator/api-client.js";
import { runWorkUnit } from "../../sim/work-unit.js";
import {
  type CoordinatorProc,
  freePort,
  type Proc,
  startCoordinator,
  startWorker,
  tempDir,
  waitFor,
} from "../helpers/network.js";

// A unit of 2²⁴ steps (a few seconds here) stands for a long one: the worker checkpoints every
// 0.25 s instead of every 60 s, so "at most one checkpoint interval is redone" is checked at a
// scale the test can afford; the bound is the configuration, not the unit's length.
const KEY = "fn_checkpoint_test";
const UNIT_STEPS = 2 ** 24;
const CHECKPOINT_SECONDS = 0.25;
const running: Proc[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((p) => p.kill("SIGKILL")));
});

/** The checkpoint file in the spool and its contents, once one exists. */
function checkpoint(spool: string) {
  const name = readdirSync(spool).find((n) => n.endsWith(".checkpoint.json") && !n.startsWith("."));
  if (name === undefined) return undefined;
  const file = join(spool, name);
  const json = JSON.parse(readFileSync(file, "utf8")) as {
    stepsDone: number;
    steps: number;
    checkpointInterval: number;
    startState: string;
  };
  return { ...json, writtenAtMs: statSync(file).mtimeMs };
}

describe("a worker killed in the middle of a unit (real processes)", () => {
  it("resumes from its checkpoint and commits the unbroken run's final state", async () => {
    const dir = tempDir("checkpoint");
    const db = join(dir, "c.db");
    const coordinator: CoordinatorProc = await startCoordinator(db, await freePort(), KEY);
    running.push(coordinator);
    const client = new ApiClient(coordinator.url, KEY);
    const job = await client.submit({
      sequence: "HPHPPHHPHPPHPHHPPHPH",
      steps: UNIT_STEPS,
      trajectories: 1,
      unitSteps: UNIT_STEPS,
    });
    const spool = join(dir, "w", "spool");
    const flags = ["--checkpoint-seconds", String(CHECKPOINT_SECONDS)];
    const first = startWorker(coordinator.wsUrl, join(dir, "w"), 1, flags);
    running.push(first);
    const before = await waitFor(
      "a checkpoint a quarter into the unit",
      async () => {
        const c = checkpoint(spool);
        return c !== undefined && c.stepsDone >= UNIT_STEPS / 4 ? c : undefined;
      },
      60_000,
      20,
    );
    await first.kill("SIGKILL");
    const killedAtMs = Date.now();
    const last = checkpoint(spool)!;
    expect(last.stepsDone).toBeGreaterThanOrEqual(before.stepsDone);
    expect(last.stepsDone).toBeLessThan(UNIT_STEPS);
    // the work redone after the restart: what ran since the last durable checkpoint, which was
    // written less than an interval (plus a segment and scheduling slack) before the kill
    expect(killedAtMs - last.writtenAtMs).toBeLessThan(CHECKPOINT_SECONDS * 1000 + 1_500);

    const second = startWorker(coordinator.wsUrl, join(dir, "w"), 1, flags);
    running.push(second);
    await waitFor(
      "the job to finish",
      async () => ((await client.job(job.id)).status === "done" ? true : undefined),
      120_000,
      100,
    );
    expect(second.log()).toContain("unit resumed from its checkpoint");
    expect(second.log()).toContain(`"stepsDone":${last.stepsDone}`);

    const unbroken = runWorkUnit({
      startState: new Uint8Array(Buffer.from(last.startState, "base64")),
      steps: UNIT_STEPS,
      checkpointInterval: last.checkpointInterval,
    });
    const reader = new Database(db, { readonly: true });
    const row = reader.prepare("SELECT final_state_hash FROM results").get() as {
      final_state_hash: Buffer;
    };
    reader.close();
    expect(Buffer.from(row.final_state_hash).toString("hex")).toBe(
      Buffer.from(unbroken.leaves.at(-1)!).toString("hex"),
    );
  });
});
