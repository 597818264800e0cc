/**
 * The `scale` figures of `bench:verify` (issue 12): one unit of the default size run once the
 * way a worker runs it, then everything the coordinator spends on accepting it, both in CPU
 * time of this thread, and the detection rate of skipping workers at the default segment count.
 * - Worker (CPU time, `process.cpuUsage` around each part): the search (`search.run(K)` per segment) and, apart, the commitment — the
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
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bytesToHex } from "@noble/hashes/utils.js";
import { DEFAULT_UNIT_STEPS, parseJobSpec, segmentsForUnit } from "../../coordinator/job-spec.js";
import { creditFor } from "../../coordinator/ledger-credit.js";
import { checkResultCommit } from "../../coordinator/result-check.js";
import { DEFAULT_SCHEDULER_OPTIONS, Scheduler } from "../../coordinator/scheduler.js";
import {
  challengeContext,
  chooseSegments,
  DEFAULT_SPOT_CHECK_POLICY,
  verifyOpenings,
} from "../../coordinator/spot-check.js";
import { SqliteStore } from "../../coordinator/store/sqlite-store.js";
import type { AcceptedResult, Lease } from "../../coordinator/store/store.js";
import { assignmentFrame } from "../../coordinator/worker-session.js";
import { authPayload } from "../../protocol/canonical.js";
import type { FrameOf } from "../../protocol/frames.js";
import { generateIdentity, type Identity, sign, verifySignature } from "../../protocol/identity.js";
import { MerkleTree } from "../../protocol/merkle.js";
import { foldToString } from "../../sim/fold.js";
import { resumeSearch, searchState } from "../../sim/search.js";
import { stateHash } from "../../sim/state-codec.js";
import { runSkipping } from "../../testkit/cheats.js";
import { buildOpenings, commitFields, sealResult } from "../../worker/result.js";
import { Spool, type SpooledResult } from "../../worker/spool.js";
import { anchorStrideFor, type UnitTaskOutput } from "../../worker/unit-task.js";
import { note } from "./report.js";

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
  for (let j = 1; j <= L; j++) {
    const t0 = cpuNow();
    engine.run(K);
    const t1 = cpuNow();
    state = searchState(engine);
    leaves.push(stateHash(state));
    if (j < L && j % stride === 0) anchorStates.push(state);
    commit += cpuNow() - t1;
    search += t1 - t0;
    if (j % 4096 === 0) note(`  worker: ${j}/${L} segments`);
  }
  const output: UnitTaskOutput = {
    finalState: state,
    leaves,
    bestEnergy: engine.bestEnergy,
    bestFold: foldToString(engine.bestDirections()),
    anchorStride: stride,
    anchorStates,
  };
  const t = cpuNow();
  const result = sealResult(assignment, output, worker.secretKey, Date.now());
  const spool = new Spool(spoolDir);
  await spool.open();
  await spool.save(result);
  return {
    result,
    searchSeconds: search / 1e6,
    commitSeconds: (commit + cpuNow() - t) / 1e6,
  };
}

/** A scheduler on a fresh SQLite file with a unit of `unitSteps` leased to `worker`. */
function leasedUnit(dir: string, worker: Identity, unitSteps: number, name: string) {
  const store = new SqliteStore(join(dir, `${name}.db`));
  const scheduler = new Scheduler(DEFAULT_SCHEDULER_OPTIONS, { store, now: Date.now });
  const key = bytesToHex(worker.publicKey);
  store.touchWorker(key, name, Date.now());
  const sequence = "HHHHHHHHHHHHPHPHPPHHPPHHPPHPPHHPPHHPPHPPHHPPHHPPHPHPHHHHHHHHHHHH";
  scheduler.submitJob(parseJobSpec({ sequence, steps: unitSteps, trajectories: 1, unitSteps }));
  const [lease] = scheduler.lease(key, 1);
  return { store, scheduler, lease: lease! };
}

/** Everything the coordinator spends on one accepted result, in CPU seconds by item. */
async function coordinatorCost(
  lease: Lease,
  result: SpooledResult,
  worker: Identity,
  scheduler: Scheduler,
  m: number,
) {
  const commit: FrameOf<"resultCommit"> = { kind: "resultCommit", ...commitFields(result) };
  const producer = generateIdentity();
  const nonce = new Uint8Array(32).fill(1);
  const handshake = sign(
    worker.secretKey,
    authPayload(nonce, producer.publicKey, worker.publicKey),
  );
  const segments = chooseSegments(result.leaves.length - 1, m);
  const openings = buildOpenings(result, segments); // the worker's side, not timed
  const auth = await cpu(() =>
    verifySignature(
      worker.publicKey,
      authPayload(nonce, producer.publicKey, worker.publicKey),
      handshake,
    ),
  );
  const structural = await cpu(() => checkResultCommit(lease, commit, worker.publicKey));
  const challenge = await cpu(() => chooseSegments(result.leaves.length - 1, m));
  const spotCheck = await cpu(() =>
    verifyOpenings(challengeContext(lease, commit, segments), openings),
  );
  const accepted: AcceptedResult = {
    assignmentId: lease.assignment.id,
    workerKey: lease.assignment.workerKey,
    bestEnergy: commit.bestEnergy,
    bestFold: commit.bestFold,
    steps: commit.steps,
    finalState: commit.finalState,
    finalStateHash: commit.finalStateHash,
    merkleRoot: commit.merkleRoot,
    segments,
    at: Date.now(),
  };
  const accept = await cpu(() => scheduler.accept(accepted, (ctx) => creditFor(ctx, accepted)));
  if (accept.value.kind !== "accepted") throw new Error(`not accepted: ${accept.value.kind}`);
  const block = await cpu(() => sign(producer.secretKey, new Uint8Array(200)));
  const items = {
    auth: auth.seconds,
    structural: structural.seconds,
    challenge: challenge.seconds,
    openings: spotCheck.seconds,
    transaction: accept.seconds,
    blockSignature: block.seconds,
  };
  return { items, total: Object.values(items).reduce((a, b) => a + b, 0) };
}

/** Observed share of fresh challenges (m random segments) that catch a worker skipping `f`. */
function detection(L: number, f: number, m: number, trials: number, worker: Identity): number {
  const dir = mkdtempSync(join(tmpdir(), "foldnet-detect-"));
  try {
    const { lease } = leasedUnit(dir, worker, L, `detect-${f}`);
    const assignment = assignmentFrame(lease);
    const every = Math.round(1 / f);
    const skip = new Set(
      Array.from({ length: L }, (_, j) => j).filter((j) => j > 0 && j < L - 1 && j % every === 0),
    );
    const cheat = runSkipping(assignment, skip, worker.secretKey);
    const tree = new MerkleTree(cheat.leaves);
    const commit: FrameOf<"resultCommit"> = { kind: "resultCommit", ...commitFields(cheat) };
    let caught = 0;
    for (let t = 0; t < trials; t++) {
      const segments = chooseSegments(L, m);
      try {
        verifyOpenings(
          challengeContext(lease, commit, segments),
          buildOpenings(cheat, segments, tree),
        );
      } catch {
        caught++;
      }
    }
    return caught / trials;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The `scale` object of bench:verify, at `unitSteps` (the default unit unless asked). */
export async function measureScale(unitSteps: number, trials: number) {
  const worker = generateIdentity();
  const dir = mkdtempSync(join(tmpdir(), "foldnet-scale-"));
  try {
    const { scheduler, lease, store } = leasedUnit(dir, worker, unitSteps, "scale");
    const L = segmentsForUnit(unitSteps);
    note(`running one unit of ${unitSteps} steps (L = ${L}, K = ${unitSteps / L}) as a worker…`);
    const run = await workerRun(lease, worker, join(dir, "spool"));
    const workerSeconds = run.searchSeconds + run.commitSeconds;
    const m = DEFAULT_SPOT_CHECK_POLICY.segments;
    const mUntrusted = DEFAULT_SPOT_CHECK_POLICY.segmentsUntrusted;
    // warm-up on the same unit (JIT, threshold tables), then the measured acceptance
    verifyOpenings(
      challengeContext(lease, { kind: "resultCommit", ...commitFields(run.result) }, [0]),
      buildOpenings(run.result, [0]),
    );
    const untrustedOpenings = await cpu(() => {
      const segments = chooseSegments(L, mUntrusted);
      const openings = buildOpenings(run.result, segments);
      const start = process.cpuUsage();
      verifyOpenings(
        challengeContext(lease, { kind: "resultCommit", ...commitFields(run.result) }, segments),
        openings,
      );
      const used = process.cpuUsage(start);
      return (used.user + used.system) / 1e6;
    });
    const coordinator = await coordinatorCost(lease, run.result, worker, scheduler, m);
    store.close();
    note(`challenging workers that skipped 10 % and 50 % of ${L} segments, ${trials} times each…`);
    const f10 = detection(L, 0.1, m, trials, worker);
    const f50 = detection(L, 0.5, m, trials, worker);
    const verifyShare = coordinator.total / workerSeconds;
    return {
      unitSteps,
      segments: L,
      checkpointInterval: unitSteps / L,
      m,
      workerSearchSeconds: Number(run.searchSeconds.toFixed(2)),
      workerCommitSeconds: Number(run.commitSeconds.toFixed(3)),
      workerCommitOverhead: Number((run.commitSeconds / run.searchSeconds).toFixed(5)),
      coordinatorSeconds: Number(coordinator.total.toFixed(4)),
      coordinatorItemsMs: Object.fromEntries(
        Object.entries(coordinator.items).map(([k, v]) => [k, Number((v * 1000).toFixed(2))]),
      ),
      verifyShare: Number(verifyShare.toFixed(6)),
      verifyShareUntrusted: Number(
        (
          (coordinator.total - coordinator.items.openings + untrustedOpenings.value) /
          workerSeconds
        ).toFixed(6),
      ),
      volunteerCoresPerCoordinatorCore: Math.floor(1 / verifyShare),
      detection: { f10, f50, trials, predictedF10: Number((1 - 0.9 ** m).toFixed(4)) },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `--scale-steps N` overrides the unit size (a quick check); the figure is meant at the default. */
export const scaleUnitSteps = (arg: string | undefined) =>
  arg === undefined ? DEFAULT_UNIT_STEPS : Number(arg);
