/**
 * A coordinator's store without the network around it, for ledger tests: a SqliteStore in
 * memory with the scheduler's job planning and sealing (blocks of at most 3 entries) on a fake clock, and
 * the moves a test makes: submit a job of the 20-mer, run the next unit (a result with a
 * given fold, accepted as the intake would after its checks), transfer and fund a job.
 * @module
 */
import { bytesToHex } from "@noble/hashes/utils.js";
import { expect } from "vitest";
import { parseJobSpec } from "../../coordinator/job-spec.js";
import { creditFor } from "../../coordinator/ledger-credit.js";
import { storedBlock } from "../../coordinator/ledger-sealer.js";
import {
  DEFAULT_SCHEDULER_OPTIONS,
  planAcceptance,
  Scheduler,
} from "../../coordinator/scheduler.js";
import { settledStore } from "../../coordinator/store/settled-store.js";
import { SqliteStore } from "../../coordinator/store/sqlite-store.js";
import type { JobRecord } from "../../coordinator/store/store.js";
import { encodeEntry } from "../../ledger/entries.js";
import { LedgerState, transferProblem } from "../../ledger/verify-chain.js";
import { networkId } from "../../protocol/canonical.js";
import type { Identity } from "../../protocol/identity.js";
import { FOLD, SEQ, signedEscrow, signedTransfer } from "./ledger.js";

const hex = (who: Identity) => bytesToHex(who.publicKey);

/** A store with a scheduler and a sealer (blocks of at most 3 entries), on a fake clock. */
export function storeNetwork(producer: Identity) {
  const network = networkId(producer.publicKey);
  let now = 1_000_000;
  // synchronous, so the tests read it directly (the scheduler only plans jobs here)
  const store = new SqliteStore(":memory:");
  const scheduler = new Scheduler(DEFAULT_SCHEDULER_OPTIONS, {
    store: settledStore(store),
    now: () => now,
  });

  const jobs: JobRecord[] = [];
  return {
    store,
    jobs,
    /** Seals every pending entry as the sealer does, in blocks of at most 3 entries. */
    seal(): void {
      while (store.sealPending(3, (entries, prev) => storedBlock(entries, prev, now, producer)));
    },
    submit(trajectories: number, generations: number, unitSteps = 1024): JobRecord {
      const steps = trajectories * generations * unitSteps;
      const spec = { sequence: SEQ, trajectories, unitSteps, steps };
      now += 1; // of equal jobs in fair share, the older is leased first
      const planned = scheduler.planJob(parseJobSpec(spec));
      store.createJob(planned);
      jobs.push(planned.job);
      return planned.job;
    },
    /** Leases the next unit to `worker` and accepts a result of `fold`; false when none is queued. */
    unit(worker: Identity, fold: string): boolean {
      now += 1_000;
      const [lease] = store.leaseUnits(hex(worker), 1, now, () => 60_000);
      if (lease === undefined) return false;
      const result = {
        assignmentId: lease.assignment.id,
        workerKey: hex(worker),
        bestEnergy: fold === FOLD ? -9 : 0,
        bestFold: fold,
        steps: lease.unit.steps,
        finalState: lease.unit.startState,
        finalStateHash: new Uint8Array(32).fill(1),
        merkleRoot: new Uint8Array(32).fill(2),
        segments: [0, 1023],
        at: now,
      };
      const outcome = store.acceptResult(result, (ctx) => ({
        ...planAcceptance(ctx.job, ctx.unit, result),
        credit: creditFor(ctx, result),
      }));
      expect(outcome.kind).toBe("accepted");
      return true;
    },
    /** A transfer through the same check the HTTP API runs. */
    transfer(from: Identity, to: Identity, amount: bigint) {
      const account = store.account(hex(from));
      const state = new LedgerState();
      state.balances.set(hex(from), account.balance);
      state.nonces.set(hex(from), account.nonce);
      const t = signedTransfer(state, producer.publicKey, from, to, amount);
      return store.appendTransfer(
        encodeEntry(t),
        { from: hex(from), to: hex(to), amount, nonce: t.nonce },
        () => transferProblem(state, t, network),
      );
    },
    fund(funder: Identity, job: JobRecord, amount: bigint) {
      const nonces = new Map([[hex(funder), store.account(hex(funder)).nonce]]);
      const escrow = signedEscrow(
        { nonces },
        producer.publicKey,
        funder,
        job.id,
        amount,
        BigInt(job.steps),
      );
      return store.escrows.fund(escrow, network);
    },
  };
}
