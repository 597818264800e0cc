import { bytesToHex } from "@noble/hashes/utils.js";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { chainFile } from "../../../coordinator/ledger-api.js";
import type { JobRecord } from "../../../coordinator/store/store.js";
import { verifyChain } from "../../../ledger/verify-chain.js";
import { networkId } from "../../../protocol/canonical.js";
import { generateIdentity, type Identity } from "../../../protocol/identity.js";
import { FOLD, STRAIGHT, signedEscrow } from "../../helpers/ledger.js";
import { storeNetwork } from "../../helpers/store-network.js";

const producer = generateIdentity();
const NETWORK = networkId(producer.publicKey);
const people = [generateIdentity(), generateIdentity(), generateIdentity()];
const hex = (who: Identity) => bytesToHex(who.publicKey);

/** A bounty of 1 from `job`'s escrow for `unitId` (a unit of another job). */
const stolenBounty = (job: JobRecord, unitId: string, worker: Identity) => ({
  kind: "bounty" as const,
  jobId: job.id,
  unitId,
  worker: worker.publicKey,
  amount: 1n,
});

const person = fc.integer({ min: 0, max: people.length - 1 });
const op = fc.oneof(
  {
    arbitrary: fc.record({
      kind: fc.constant("submit" as const),
      trajectories: fc.integer({ min: 1, max: 3 }),
      generations: fc.integer({ min: 1, max: 3 }),
    }),
    weight: 2,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant("unit" as const),
      worker: person,
      improves: fc.boolean(),
    }),
    weight: 6,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant("fund" as const),
      funder: person,
      job: fc.nat(),
      percent: fc.integer({ min: 0, max: 130 }),
    }),
    weight: 3,
  },
  { arbitrary: fc.record({ kind: fc.constant("cancel" as const), job: fc.nat() }), weight: 3 },
  {
    arbitrary: fc.record({
      kind: fc.constant("transfer" as const),
      from: person,
      to: person,
      percent: fc.integer({ min: 0, max: 130 }),
    }),
    weight: 2,
  },
  { arbitrary: fc.record({ kind: fc.constant("seal" as const) }), weight: 1 },
);

describe("escrow store: funding, bounties, refunds", () => {
  let everPaid = 0n;
  let everClosed = 0;

  it("conserves balances and escrows, equal to what ledger verify recomputes (property)", () => {
    fc.assert(
      fc.property(fc.array(op, { minLength: 5, maxLength: 40 }), (ops) => {
        const net = storeNetwork(producer);
        const { store, jobs } = net;
        // everyone earns something first, so funds and transfers have cover
        const seed = net.submit(3, 1, 65_536);
        for (const who of people) net.unit(who, STRAIGHT);
        expect(store.getJob(seed.id)?.status).toBe("done");
        for (const o of ops) {
          const pick = (i: number) => jobs[i % jobs.length] as JobRecord;
          if (o.kind === "submit") net.submit(o.trajectories, o.generations);
          else if (o.kind === "unit") net.unit(people[o.worker]!, o.improves ? FOLD : STRAIGHT);
          else if (o.kind === "cancel") store.cancelJob(pick(o.job).id, 0);
          else if (o.kind === "seal") net.seal();
          else if (o.kind === "transfer") {
            const from = people[o.from]!;
            const balance = store.account(hex(from)).balance;
            const amount = (balance * BigInt(o.percent)) / 100n;
            const ok = amount > 0n && amount <= balance;
            expect(net.transfer(from, people[o.to]!, amount) === undefined).toBe(ok);
          } else {
            const funder = people[o.funder]!;
            const job = pick(o.job);
            const balance = store.account(hex(funder)).balance;
            const amount = (balance * BigInt(o.percent)) / 100n;
            const open =
              store.getJob(job.id)?.status === "running" &&
              store.escrows.escrow(job.id) === undefined;
            const ok = open && amount > 0n && amount <= balance;
            expect(net.fund(funder, job, amount) === undefined).toBe(ok);
          }
        }
        net.seal();
        const summary = verifyChain(
          chainFile(store.listBlocks(0, 1_000_000), producer.publicKey),
          producer.publicKey,
        );
        const accounts = store.accounts(100);
        for (const a of accounts) expect(summary.balances.get(a.key) ?? 0n).toBe(a.balance);
        for (const [key, balance] of summary.balances)
          expect(store.account(key).balance).toBe(balance);
        let escrowed = 0n;
        let paid = 0n;
        let refunded = 0n;
        let held = 0n;
        for (const job of jobs) {
          const e = store.escrows.escrow(job.id);
          if (e === undefined) continue;
          escrowed += e.amount;
          paid += e.paid;
          refunded += e.refunded ?? 0n;
          // an escrow is open exactly while its job runs
          expect(e.refunded === null).toBe(store.getJob(job.id)?.status === "running");
          if (e.refunded === null) held += e.amount - e.paid;
          else expect(e.paid + e.refunded).toBe(e.amount);
        }
        expect([summary.escrowed, summary.paidOut, summary.refunded, summary.held]).toEqual([
          escrowed,
          paid,
          refunded,
          held,
        ]);
        expect(summary.escrowed).toBe(summary.paidOut + summary.refunded + summary.held);
        everPaid += summary.paidOut;
        everClosed += jobs.filter((j) => store.escrows.escrow(j.id)?.refunded != null).length;
        const total = accounts.reduce((s, a) => s + a.balance, 0n);
        expect(total + held).toBe(summary.issued);
      }),
      {
        numRuns: 40,
        // besides the random runs, one that surely funds, pays a bounty and refunds the rest
        examples: [
          [
            [
              { kind: "submit", trajectories: 2, generations: 2 },
              { kind: "fund", funder: 0, job: 1, percent: 50 },
              { kind: "unit", worker: 1, improves: true },
              { kind: "unit", worker: 2, improves: false },
              { kind: "cancel", job: 1 },
              { kind: "seal" },
            ],
          ],
        ],
      },
    );
    // the runs did pay bounties and refund escrows
    expect(everPaid).toBeGreaterThan(0n);
    expect(everClosed).toBeGreaterThan(0);
  });

  it("refuses a refund with no escrow, a double refund, an overdraft, a bounty to another job's unit and another network's escrow", () => {
    const net = storeNetwork(producer);
    const { store } = net;
    const [funder, worker] = people as [Identity, Identity];
    const earned = net.submit(2, 1);
    net.unit(funder, FOLD);
    net.unit(worker, FOLD);
    const job = net.submit(1, 2);
    const other = net.submit(1, 1);
    const balance = store.account(hex(funder)).balance;
    const unchanged = () => {
      expect(store.pendingEntries()).toBe(pending);
      expect(store.account(hex(funder)).balance).toBe(balance);
    };
    let pending = store.pendingEntries();
    expect(net.fund(funder, job, balance + 1n)?.code).toBe("LEDGER_ERROR_OVERDRAFT");
    const nonces = new Map([[hex(funder), 0n]]);
    const foreign = signedEscrow(
      { nonces },
      generateIdentity().publicKey,
      funder,
      job.id,
      5n,
      BigInt(job.steps),
    );
    expect(store.escrows.fund(foreign, NETWORK)?.code).toBe("LEDGER_ERROR_BAD_ESCROW_SIGNATURE");
    const refund = { kind: "refund" as const, jobId: job.id, funder: funder.publicKey, amount: 0n };
    expect(store.escrows.append(refund, NETWORK)?.code).toBe("LEDGER_ERROR_NO_ESCROW");
    expect(net.fund(funder, earned, 5n)?.code).toBe("LEDGER_ERROR_JOB_NOT_OPEN");
    unchanged();
    expect(net.fund(funder, job, balance / 2n)).toBeUndefined();
    expect(store.account(hex(funder)).balance).toBe(balance - balance / 2n);
    expect(net.fund(funder, job, 1n)?.code).toBe("LEDGER_ERROR_DUPLICATE_ESCROW");
    // a unit of the other job, claimed as a bounty of the escrowed one
    net.unit(worker, FOLD); // job's generation 0 (fair share: the older of equal jobs first)
    net.unit(worker, FOLD); // the other job's unit
    net.unit(worker, FOLD); // job's generation 1: the job ends, the rest is refunded
    expect(store.getJob(job.id)?.status).toBe("done");
    const otherUnit = store.listUnits(other.id)[0]!.id;
    pending = store.pendingEntries();
    const stolen = stolenBounty(job, otherUnit, worker);
    expect(store.escrows.append(stolen, NETWORK)?.code).toBe("LEDGER_ERROR_ESCROW_CLOSED");
    const escrow = store.escrows.escrow(job.id)!;
    expect(escrow.paid + (escrow.refunded ?? 0n)).toBe(escrow.amount);
    const again = { ...refund, amount: escrow.refunded! };
    expect(store.escrows.append(again, NETWORK)?.code).toBe("LEDGER_ERROR_ESCROW_CLOSED");
    expect(store.pendingEntries()).toBe(pending);
  });

  it("refuses a bounty to a unit of another job while the escrow is open", () => {
    const net = storeNetwork(producer);
    const { store } = net;
    const [funder, worker] = people as [Identity, Identity];
    net.submit(1, 1);
    net.unit(funder, FOLD);
    const other = net.submit(1, 1);
    const job = net.submit(1, 2);
    expect(net.fund(funder, job, 10n)).toBeUndefined();
    net.unit(worker, FOLD); // the other job's unit
    const otherUnit = store.listUnits(other.id)[0]!.id;
    const pending = store.pendingEntries();
    const stolen = stolenBounty(job, otherUnit, worker);
    expect(store.escrows.append(stolen, NETWORK)?.code).toBe("LEDGER_ERROR_BOUNTY_WRONG_UNIT");
    expect(store.pendingEntries()).toBe(pending);
    expect(store.escrows.escrow(job.id)?.paid).toBe(0n);
  });
});
