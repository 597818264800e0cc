/**
 * `npm run bench:verify`: what the proof of useful work costs and buys, measured in one run.
 * - Cost: CPU time of verifying a result (structural check + spot-check replay of m + 2
 *   segments, Merkle proofs included) as a fraction of the CPU time of doing the work
 *   (running the unit with its per-segment state hashes), for the default unit (2D 64-mer,
 *   2,097,152 steps, K = 2,048, L = 1,024), at m = 30 (trusted) and m = 60 (untrusted).
 * - Detection: the share of challenges that catch a worker skipping f = 10 % of its segments,
 *   over `--trials` fresh challenges, next to 1 − (1 − f)^m.
 * - Ledger: `ledger verify` rate (entries/s) on a 10,000-entry chain.
 * Targets (issue 6): cost ≤ 5 % with detection ≥ 95 %.
 * @module
 */

import { checkResultCommit } from "../coordinator/result-check.js";
import { challengeContext, chooseSegments, verifyOpenings } from "../coordinator/spot-check.js";
import { sealBlock } from "../ledger/blocks.js";
import { encodeChainFile } from "../ledger/chain-file.js";
import { encodeEntry } from "../ledger/entries.js";
import { rewardFor } from "../ledger/rewards.js";
import { LedgerState, verifyChain } from "../ledger/verify-chain.js";
import { generateIdentity } from "../protocol/identity.js";
import { runSkipping } from "../testkit/cheats.js";
import { unitFixture } from "../testkit/unit-fixture.js";
import { buildOpenings, commitFields, sealResult } from "../worker/result.js";
import type { SpooledResult } from "../worker/spool.js";
import { runUnit } from "../worker/unit-task.js";
import { argValue, note, report } from "./lib/report.js";
import { cpu, measureScale, scaleUnitSteps } from "./lib/verify-scale.js";

const SEQUENCE_64 = "HHHHHHHHHHHHPHPHPPHHPPHHPPHPPHHPPHHPPHPPHHPPHHPPHPHPHHHHHHHHHHHH";
const L = 1024;
const TRIALS = Number(argValue("trials", "200"));
const F = 0.1;
const worker = generateIdentity();
/** An assignment and its lease for a unit of L segments of K steps. */
const unitOf = (K: number) =>
  unitFixture({
    sequence: SEQUENCE_64,
    seed: 7n,
    segments: L,
    checkpointInterval: K,
    workerKey: worker.publicKey,
  });
type Unit = ReturnType<typeof unitOf>;

/** The worker's side of a challenge of m random segments (not timed: it is not verification). */
function challenge(result: SpooledResult, m: number, unit: Unit) {
  const commit = { kind: "resultCommit" as const, ...commitFields(result) };
  const segments = chooseSegments(L, m);
  const openings = {
    kind: "openings" as const,
    assignmentId: result.assignmentId,
    openings: buildOpenings(result, segments),
  };
  return { commit, segments, openings, lease: unit.lease };
}

/** The coordinator's checks of one challenged result; true when it passes. */
async function verify({
  commit,
  segments,
  openings,
  lease,
}: ReturnType<typeof challenge>): Promise<boolean> {
  checkResultCommit(lease, commit, worker.publicKey);
  try {
    verifyOpenings(challengeContext(lease, commit, segments), openings.openings);
    return true;
  } catch {
    return false;
  }
}

/** CPU cost of verifying one unit of L × K steps, as a fraction of the unit's work, per m. */
async function costOf(K: number): Promise<{ workSeconds: number; cost: Record<number, number> }> {
  const unit = unitOf(K);
  note(`running one honest unit (2D 64-mer, ${L * K} steps, K = ${K})…`);
  const work = await cpu(() =>
    sealResult(unit.assignment, runUnit(unit.assignment), worker.secretKey, Date.now()),
  );
  const cost: Record<number, number> = {};
  for (const m of [30, 60]) {
    await verify(challenge(work.value, m, unit)); // warm-up (threshold tables, JIT)
    const reps = 5;
    let seconds = 0;
    for (let i = 0; i < reps; i++) {
      const challenged = challenge(work.value, m, unit);
      const measured = await cpu(() => verify(challenged));
      if (!measured.value) throw new Error("honest result rejected");
      seconds += measured.seconds;
    }
    cost[m] = seconds / reps / work.seconds;
  }
  return { workSeconds: work.seconds, cost };
}

// the default unit of a job (2 M steps, a fraction of a second: demo-sized) and a unit of the
// size the design intends (minutes of a volunteer's thread; here 64 M steps ≈ 6 s)
const small = await costOf(2048);
const large = await costOf(65_536);
const smallUnit = unitOf(2048);

note(`challenging a worker that skipped ${F * 100}% of its segments, ${TRIALS} times…`);
const skip = new Set(
  Array.from({ length: L }, (_, j) => j).filter((j) => j > 0 && j < L - 1 && j % 10 === 5),
);
const cheat = runSkipping(smallUnit.assignment, skip, worker.secretKey);
let caught = 0;
for (let t = 0; t < TRIALS; t++) if (!(await verify(challenge(cheat, 30, smallUnit)))) caught++;
const detection = caught / TRIALS;
const predicted = 1 - (1 - F) ** 30;

note("verifying a 10,000-entry ledger…");
const producer = generateIdentity();
const state = new LedgerState();
const FOLD = "RDLDRDLDRDDLULULURULURULURURDRURDRURDRDLDRDLDRDLDLDLUURULURULUR"; // E = -42
const blocks: { headerBytes: Uint8Array; signature: Uint8Array; entries: Uint8Array[] }[] = [];
let prev: { height: number; hash: Uint8Array } | undefined;
for (let b = 0; b < 20; b++) {
  const entries: Uint8Array[] = [];
  for (let i = 0; i < 500; i++) {
    const times = { issuedAt: 0, deadline: 120_000, acceptedAt: 60_000 };
    const { reward, work: w } = rewardFor({
      steps: L * 2048,
      length: 64,
      workBefore: state.work,
      previousBest: state.jobBest.get("jbench") ?? null,
      bestEnergy: -42,
      ...times,
    });
    const entry = {
      kind: "work" as const,
      jobId: "jbench",
      unitId: `u${b}.${i}`,
      worker: worker.publicKey,
      sequence: SEQUENCE_64,
      lattice: "square2d" as const,
      steps: L * 2048,
      bestEnergy: -42,
      fold: FOLD,
      finalStateHash: new Uint8Array(32),
      merkleRoot: new Uint8Array(32),
      segments: Array.from({ length: 32 }, (_, j) => j * 32),
      reward,
      ...times,
    };
    state.credit(entry, w);
    entries.push(encodeEntry(entry));
  }
  const sealed = sealBlock(entries, prev, 1_000 + b, producer);
  prev = { height: sealed.header.height, hash: sealed.hash };
  blocks.push({ headerBytes: sealed.headerBytes, signature: sealed.signature, entries });
}
const file = encodeChainFile({ producer: producer.publicKey, blocks });
const ledger = await cpu(() => verifyChain(file, producer.publicKey));
const entriesPerSec = ledger.value.entries / ledger.seconds;

const scale = await measureScale(
  scaleUnitSteps(process.argv.includes("--scale-steps") ? argValue("scale-steps", "") : undefined),
  Number(argValue("scale-trials", "400")),
);

const sigma = Math.sqrt((predicted * (1 - predicted)) / TRIALS);
const figures = {
  segments: L,
  smallUnitSteps: L * 2048,
  smallUnitCpuSeconds: Number(small.workSeconds.toFixed(3)),
  verifyCostSmallM30: Number(small.cost[30]!.toFixed(4)),
  verifyCostSmallM60: Number(small.cost[60]!.toFixed(4)),
  largeUnitSteps: L * 65_536,
  largeUnitCpuSeconds: Number(large.workSeconds.toFixed(3)),
  verifyCostLargeM30: Number(large.cost[30]!.toFixed(4)),
  verifyCostLargeM60: Number(large.cost[60]!.toFixed(4)),
  detectionF10M30: Number(detection.toFixed(3)),
  predictedF10M30: Number(predicted.toFixed(3)),
  trials: TRIALS,
  ledgerEntries: ledger.value.entries,
  ledgerVerifyEntriesPerSec: Math.round(entriesPerSec),
  targetMet:
    large.cost[30]! <= 0.05 && predicted >= 0.95 && Math.abs(detection - predicted) <= 3 * sigma,
  scale,
  scaleTargetMet:
    scale.volunteerCoresPerCoordinatorCore >= 1000 &&
    scale.detection.f10 >= 0.95 &&
    scale.detection.f50 >= 0.9999 &&
    scale.workerCommitOverhead <= 0.03,
};
const pct = (x: number) => `${(x * 100).toFixed(2)} %`;
report(
  "bench:verify — proof-of-useful-work cost and power, one thread",
  [
    {
      figure: `verify / work, 2 M-step unit (${small.workSeconds.toFixed(2)} s), m = 30`,
      value: pct(small.cost[30]!),
    },
    { figure: "verify / work, 2 M-step unit, m = 60 (untrusted)", value: pct(small.cost[60]!) },
    {
      figure: `verify / work, 64 M-step unit (${large.workSeconds.toFixed(2)} s), m = 30`,
      value: pct(large.cost[30]!),
    },
    { figure: "verify / work, 64 M-step unit, m = 60 (untrusted)", value: pct(large.cost[60]!) },
    { figure: `detection, f = 10 %, m = 30 (${TRIALS} trials)`, value: pct(detection) },
    { figure: "predicted 1 − (1 − f)^m", value: pct(predicted) },
    { figure: "ledger verify (10,000 entries)", value: `${Math.round(entriesPerSec)} entries/s` },
    {
      figure: "target: cost ≤ 5 % (64 M-step unit, m = 30), detection ≥ 95 %",
      value: figures.targetMet ? "met" : "NOT met",
    },
    {
      figure: `scale: default unit ${scale.unitSteps} steps, L = ${scale.segments}, worker`,
      value: `${scale.workerSearchSeconds} s`,
    },
    {
      figure: `scale: coordinator CPU / worker CPU, m = ${scale.m}`,
      value: `${(scale.verifyShare * 100).toFixed(4)} %`,
    },
    {
      figure: "scale: volunteer cores per coordinator core",
      value: scale.volunteerCoresPerCoordinatorCore,
    },
    { figure: "scale: worker commitment / search", value: pct(scale.workerCommitOverhead) },
    {
      figure: `scale: detection f = 10 % / 50 % (${scale.detection.trials} challenges each)`,
      value: `${pct(scale.detection.f10)} / ${pct(scale.detection.f50)}`,
    },
    {
      figure: "scale target: ≥ 1,000 cores, f10 ≥ 95 %, f50 ≥ 99.99 %, commitment ≤ 3 %",
      value: figures.scaleTargetMet ? "met" : "NOT met",
    },
  ],
  figures,
);
