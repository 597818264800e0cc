/**
 * The `scale` figures of `bench:verify` (issue 12): one unit of the default size run once the
 * way a worker runs it, then everything the coordinator spends on accepting it, both in CPU
 * time of this thread, and the detection rate of skipping workers at the default segment count.
 * - Worker: its CPU time for the whole unit (`process.cpuUsage`), and the search
 *   (`search.run(K)` per segment) and the commitment timed apart by `performance.now()` (a
 *   process-wide CPU clock read 3 × 131,072 times costs more than it measures; preemption by
 *   other processes falls on both in proportion): the search (`search.run(K)` per segment) and, apart, the commitment — the
 *   per-segment state encoding and hash, the kept states, the Merkle tree, the signature and
 *   the spool write (fsync) — so `workerCommitOverhead` = commitment / search.
 * - Coordinator, per accepted result: one handshake signature (as if every result came on a
 *   new connection), the structural check with the commit signature, drawing the challenge, the
 *   openings (proofs, state checks, replay of m + 2 segments), the acceptance transaction with
 *   its ledger entry (SQLite file, WAL), and one block signature (as if every block held one
 *   entry): `verifyShare` = coordinator / worker and `volunteerCoresPerCoordinatorCore` = 1 / it.
 * - Detection: fresh challenges of a worker that skipped 10 % and 50 % of L segments (a unit of
 *   L segments of one step: detection depends on L and m only).
 * @module
 */

import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bytesToHex } from "@noble/hashes/utils.js";
import { challengeKey, challengeSeed, seededRandom } from "../../coordinator/challenge-draw.js";
import { ResultError } from "../../coordinator/errors.js";
import { DEFAULT_UNIT_STEPS, parseJobSpec, segmentsForUnit } from "../../coordinator/job-spec.js";
import { creditFor } from "../../coordinator/ledger-credit.js";
import { checkResultCommit } from "../../coordinator/result-check.js";
import { acceptedResult } from "../../coordinator/result-intake.js";
import { DEFAULT_SCHEDULER_OPTIONS, Scheduler } from "../../coordinator/scheduler.js";
import {
  challengeContext,
  chooseSegments,
  DEFAULT_SPOT_CHECK_POLICY,
  verifyOpenings,
} from "../../coordinator/spot-check.js";
import { settledStore } from "../../coordinator/store/settled-store.js";
import { SqliteStore } from "../../coordinator/store/sqlite-store.js";
import type { Lease } from "../../coordinator/store/store.js";
import { assignmentFrame } from "../../coordinator/worker-session.js";
import { authPayload } from "../../protocol/canonical.js";
import type { FrameOf } from "../../protocol/frames.js";
import { generateIdentity, type Identity, sign, verifySignature } from "../../protocol/identity.js";
import { MerkleTree } from "../../protocol/merkle.js";
import { foldToString } from "../../sim/fold.js";
import { resumeSearch, searchState } from "../../sim/search.js";
import { stateHash } from "../../sim/state-codec.js";
import { runSkipping } from "../../testkit/cheats.js";
import { unitFixture } from "../../testkit/unit-fixture.js";
import { buildOpenings, commitFields, sealResult } from "../../worker/result.js";
import { Spool, type SpooledResult } from "../../worker/spool.js";
import { anchorStrideFor, runUnit, type UnitTaskOutput } from "../../worker/unit-task.js";
import { note } from "./report.js";

/** The 2D 64-mer every measured unit folds. */
const SEQUENCE_64 = "HHHHHHHHHHHHPHPHPPHHPPHHPPHPPHHPPHHPPHPPHHPPHHPPHPHPHHHHHHHHHHHH";

/**
 * The coordinator's draw (coordinator/challenge-draw.ts): m + 2 of L segments from the HMAC of
 * the assignment and its committed root under the coordinator's challenge key.
 */
const draw = (key: Uint8Array, assignmentId: Uint8Array, root: Uint8Array, L: number, m: number) =>
  chooseSegments(L, m, seededRandom(challengeSeed(key, assignmentId, root)));

/** A challenge key, as a coordinator derives it from its identity. */
const newChallengeKey = () => challengeKey(generateIdentity().secretKey);

/** Repetitions of each coordinator measurement (the median is reported). */
const REPS = 5;

/** CPU microseconds (user + system) of this process so far. */
const cpuNow = () => {
  const { user, system } = process.cpuUsage();
  return user + system;
};

/** CPU seconds (user + system) of `fn`. */
export async function cpu<T>(fn: () => T | Promise<T>): Promise<{ value: T; seconds: number }> {
  const start = process.cpuUsage();
  const value = await fn();
  const used = process.cpuUsage(start);
  return { value, seconds: (used.user + used.system) / 1e6 };
}

/** The worker's run of a unit, search and commitment timed apart. */
async function workerRun(lease: Lease, worker: Identity, spoolDir: string) {
  const assignment = assignmentFrame(lease);
  const K = assignment.checkpointInterval;
  const L = assignment.steps / K;
  const stride = anchorStrideFor(L);
  let search = 0;
  let commit = 0;
  const engine = resumeSearch(assignment.startState);
  const leaves = [stateHash(assignment.startState)];
  const anchorStates = [assignment.startState];
  let state = assignment.startState;
  const cpuStart = cpuNow();
  for (let j = 1; j <= L; j++) {
    const t0 = performance.now();
    engine.run(K);
    const t1 = performance.now();
    state = searchState(engine);
    leaves.push(stateHash(state));
    if (j < L && j % stride === 0) anchorStates.push(state);
    commit += performance.now() - t1;
    search += t1 - t0;
    if (j % 4096 === 0) note(`  worker: ${j}/${L} segments`);
  }
  const output: UnitTaskOutput = {
    finalState: state,
    leaves,
    bestEnergy: engine.bestEnergy,
    bestFold: foldToString(engine.bestDirections(), engine.params.lattice),
    anchorStride: stride,
    anchorStates,
  };
  const t = performance.now();
  const result = sealResult(assignment, output, worker.secretKey, Date.now());
  const sealed = performance.now();
  const spool = new Spool(spoolDir);
  await spool.open();
  await spool.save(result);
  const perSegment = commit / 1000;
  const seal = (sealed - t) / 1000;
  const spoolSave = (performance.now() - sealed) / 1000;
  return {
    result,
    cpuSeconds: (cpuNow() - cpuStart) / 1e6, // the unit's run, sealing and spooling
    searchSeconds: search / 1000,
    // wall-clock, like searchSeconds: their ratio is the overhead
    commitSeconds: perSegment + seal + spoolSave,
    commitItemsSeconds: {
      stateHashes: Number(perSegment.toFixed(3)),
      merkleAndSignature: Number(seal.toFixed(3)),
      spool: Number(spoolSave.toFixed(3)),
    },
  };
}

/** A scheduler on a fresh SQLite file with `trajectories` units of `unitSteps` leased to `worker`. */
async function leasedUnits(
  dir: string,
  worker: Identity,
  unitSteps: number,
  name: string,
  trajectories = 1,
) {
  const store = settledStore(new SqliteStore(join(dir, `${name}.db`)));
  const scheduler = new Scheduler(DEFAULT_SCHEDULER_OPTIONS, { store, now: Date.now });
  const key = bytesToHex(worker.publicKey);
  await store.touchWorker(key, name, Date.now());
  const steps = unitSteps * trajectories;
  await scheduler.submitJob(
    parseJobSpec({ sequence: SEQUENCE_64, steps, trajectories, unitSteps }),
  );
  const leases = await scheduler.lease(key, trajectories);
  return { store, scheduler, leases };
}

/**
 * A full garbage collection when the bench runs with `--expose-gc` (`npm run bench:verify`
 * does): the worker's run leaves a heap of hundreds of MB whose concurrent marking would
 * otherwise be billed to the coordinator's measurements — `process.cpuUsage` counts every
 * thread — while a real coordinator checks openings in a verification thread of its own.
 */
const collectGarbage = () => (globalThis as { gc?: () => void }).gc?.();

/** The median of `reps` CPU-time measurements of `fn(i)`, each after a collection, in seconds. */
async function median(reps: number, fn: (i: number) => unknown): Promise<number> {
  const seconds: number[] = [];
  for (let i = 0; i < reps; i++) {
    collectGarbage();
    seconds.push((await cpu(() => fn(i))).seconds);
  }
  return seconds.sort((a, b) => a - b)[Math.floor(reps / 2)]!;
}

/**
 * Everything the coordinator spends on one accepted result, in CPU seconds by item, each the
 * median of `leases.length` runs (fresh challenges; one acceptance transaction per lease).
 */
async function coordinatorCost(
  leases: Lease[],
  result: SpooledResult,
  worker: Identity,
  scheduler: Scheduler,
  m: number,
) {
  const lease = leases[0]!;
  const reps = leases.length;
  const commit: FrameOf<"resultCommit"> = { kind: "resultCommit", ...commitFields(result) };
  const producer = generateIdentity();
  const nonce = new Uint8Array(32).fill(1);
  const auth = authPayload(nonce, producer.publicKey, worker.publicKey);
  const handshake = sign(worker.secretKey, auth);
  const L = result.leaves.length - 1;
  const key = newChallengeKey();
  // each lease's own draw (one assignment id per lease, as if each had committed this root)
  const ids = leases.map(() => new Uint8Array(randomBytes(16)));
  const challenges = ids.map((id) => {
    const segments = draw(key, id, result.merkleRoot, L, m);
    return { segments, openings: buildOpenings(result, segments) }; // the worker's side, not timed
  });
  const items = {
    auth: await median(reps, () => verifySignature(worker.publicKey, auth, handshake)),
    structural: await median(reps, () => checkResultCommit(lease, commit, worker.publicKey)),
    challenge: await median(reps, (i) => draw(key, ids[i]!, result.merkleRoot, L, m)),
    openings: await median(reps, (i) =>
      verifyOpenings(
        challengeContext(lease, commit, challenges[i]!.segments),
        challenges[i]!.openings,
      ),
    ),
    transaction: await median(reps, async (i) => {
      const accepted = acceptedResult(leases[i]!, commit, challenges[i]!.segments, Date.now());
      const outcome = await scheduler.accept(accepted, (ctx) => creditFor(ctx, accepted));
      if (outcome.kind !== "accepted") throw new Error(`not accepted: ${outcome.kind}`);
    }),
    blockSignature: await median(reps, () => sign(producer.secretKey, new Uint8Array(200))),
  };
  return { items, total: Object.values(items).reduce((a, b) => a + b, 0) };
}

/** Observed share of fresh challenges (m random segments) that catch a worker skipping `f`. */
function detection(L: number, f: number, m: number, trials: number, worker: Identity): number {
  const { assignment, lease } = oneStepSegments(L, worker);
  const every = Math.round(1 / f);
  const skip = new Set(
    Array.from({ length: L }, (_, j) => j).filter((j) => j > 0 && j < L - 1 && j % every === 0),
  );
  const cheat = runSkipping(assignment, skip, worker.secretKey);
  const tree = new MerkleTree(cheat.leaves);
  const commit: FrameOf<"resultCommit"> = { kind: "resultCommit", ...commitFields(cheat) };
  const key = newChallengeKey();
  let caught = 0;
  for (let t = 0; t < trials; t++) {
    // a fresh draw: the same skipping run committed for another assignment
    const segments = draw(key, randomBytes(16), cheat.merkleRoot, L, m);
    const openings = buildOpenings(cheat, segments, tree);
    try {
      verifyOpenings(challengeContext(lease, commit, segments), openings);
    } catch (err) {
      if (!(err instanceof ResultError)) throw err;
      caught++;
    }
  }
  return caught / trials;
}

/** A unit of L segments of one step leased to `worker` (detection depends on L and m only). */
const oneStepSegments = (L: number, worker: Identity) =>
  unitFixture({
    sequence: SEQUENCE_64,
    seed: 7n,
    segments: L,
    checkpointInterval: 1,
    workerKey: worker.publicKey,
  });

/** The `scale` object of bench:verify, at `unitSteps` (the default unit unless asked). */
export async function measureScale(unitSteps: number, trials: number) {
  const worker = generateIdentity();
  const dir = mkdtempSync(join(tmpdir(), "foldnet-scale-"));
  try {
    const { scheduler, leases, store } = await leasedUnits(dir, worker, unitSteps, "scale", REPS);
    const lease = leases[0]!;
    const L = segmentsForUnit(unitSteps);
    note(`running one unit of ${unitSteps} steps (L = ${L}, K = ${unitSteps / L}) as a worker…`);
    const run = await workerRun(lease, worker, join(dir, "spool"));
    const workerSeconds = run.cpuSeconds;
    const m = DEFAULT_SPOT_CHECK_POLICY.segments;
    const mUntrusted = DEFAULT_SPOT_CHECK_POLICY.segmentsUntrusted;
    // warm-up on the same unit (JIT, threshold tables), then the measured acceptance
    verifyOpenings(
      challengeContext(lease, { kind: "resultCommit", ...commitFields(run.result) }, [0]),
      buildOpenings(run.result, [0]),
    );
    const key = newChallengeKey();
    const untrustedChallenges = leases.map(() => {
      const segments = draw(key, randomBytes(16), run.result.merkleRoot, L, mUntrusted);
      return { segments, openings: buildOpenings(run.result, segments) };
    });
    const untrustedOpenings = await median(REPS, (i) =>
      verifyOpenings(
        challengeContext(
          lease,
          { kind: "resultCommit", ...commitFields(run.result) },
          untrustedChallenges[i]!.segments,
        ),
        untrustedChallenges[i]!.openings,
      ),
    );
    const coordinator = await coordinatorCost(leases, run.result, worker, scheduler, m);
    await store.close();
    note(`challenging workers that skipped 10 % and 50 % of ${L} segments, ${trials} times each…`);
    const f10 = detection(L, 0.1, m, trials, worker);
    const f50 = detection(L, 0.5, m, trials, worker);
    const fixedMs = await fixedCostPerOpening(L, m, worker);
    const verifyShare = coordinator.total / workerSeconds;
    return {
      unitSteps,
      segments: L,
      checkpointInterval: unitSteps / L,
      m,
      workerCpuSeconds: Number(run.cpuSeconds.toFixed(2)),
      workerSearchSeconds: Number(run.searchSeconds.toFixed(2)),
      workerCommitSeconds: Number(run.commitSeconds.toFixed(3)),
      workerCommitItemsSeconds: run.commitItemsSeconds,
      workerCommitOverhead: Number((run.commitSeconds / run.searchSeconds).toFixed(5)),
      coordinatorSeconds: Number(coordinator.total.toFixed(4)),
      coordinatorItemsMs: Object.fromEntries(
        Object.entries(coordinator.items).map(([k, v]) => [k, Number((v * 1000).toFixed(2))]),
      ),
      verifyShare: Number(verifyShare.toFixed(6)),
      verifyShareUntrusted: Number(
        (
          (coordinator.total - coordinator.items.openings + untrustedOpenings) /
          workerSeconds
        ).toFixed(6),
      ),
      volunteerCoresPerCoordinatorCore: Math.floor(1 / verifyShare),
      fixedCostPerOpeningMs: Number(fixedMs.toFixed(3)),
      detection: { f10, f50, trials, predictedF10: Number((1 - 0.9 ** m).toFixed(4)) },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The fixed cost of one opened segment (decode, state checks, two proofs, resuming the search)
 * in ms: the median time to check m + 2 openings of one-step segments of an L-segment unit,
 * divided by m + 2.
 */
async function fixedCostPerOpening(L: number, m: number, worker: Identity): Promise<number> {
  const { assignment, lease } = oneStepSegments(L, worker);
  const result = sealResult(assignment, runUnit(assignment), worker.secretKey, 0);
  const tree = new MerkleTree(result.leaves);
  const commit: FrameOf<"resultCommit"> = { kind: "resultCommit", ...commitFields(result) };
  const key = newChallengeKey();
  const challenges = Array.from({ length: REPS }, () => {
    const segments = draw(key, randomBytes(16), result.merkleRoot, L, m);
    return { segments, openings: buildOpenings(result, segments, tree) };
  });
  const seconds = await median(REPS, (i) =>
    verifyOpenings(
      challengeContext(lease, commit, challenges[i]!.segments),
      challenges[i]!.openings,
    ),
  );
  return (seconds * 1000) / (m + 2);
}

/** `--scale-steps N` overrides the unit size (a quick check); the figure is meant at the default. */
export const scaleUnitSteps = (arg: string | undefined) =>
  arg === undefined ? DEFAULT_UNIT_STEPS : Number(arg);
