import { bytesToHex } from "@noble/hashes/utils.js";
import { describe, expect, it } from "vitest";
import { encodeEntry, type LedgerEntry } from "../../../ledger/entries.js";
import type { BountyEntry, RefundEntry } from "../../../ledger/escrow-entries.js";
import { applyEscrowKind, bountyFor, type EscrowAccount } from "../../../ledger/escrow-rules.js";
import { LedgerState, verifyChain } from "../../../ledger/verify-chain.js";
import { networkId } from "../../../protocol/canonical.js";
import { generateIdentity, type Identity } from "../../../protocol/identity.js";
import { expectFoldnetError } from "../../helpers/errors.js";
import { STRAIGHT, sealChain, signedEscrow, workEntry } from "../../helpers/ledger.js";

const producer = generateIdentity();
const funder = generateIdentity();
const alice = generateIdentity();
const BUDGET = 4n * 1_048_576n;

/** A chain under construction: entries applied to a model state as the coordinator would. */
class Scenario {
  readonly state = new LedgerState();
  readonly entries: LedgerEntry[] = [];
  private units = 0;

  /** A unit of `jobId` by `worker` and, when the job's escrow is open, its bounty. */
  unit(jobId: string, worker: Identity, bestEnergy = -9): string {
    const unitId = `${jobId}.u${this.units++}`;
    const fold = bestEnergy === 0 ? STRAIGHT : undefined;
    this.entries.push(
      workEntry(this.state, { jobId, unitId, worker, bestEnergy, ...(fold ? { fold } : {}) }),
    );
    if (this.state.book.owed === unitId) {
      const escrow = this.state.book.escrows.get(jobId) as EscrowAccount;
      const unit = this.state.book.units.get(unitId)!;
      this.apply({
        kind: "bounty",
        jobId,
        unitId,
        worker: worker.publicKey,
        amount: bountyFor(escrow, unit),
      });
    }
    return unitId;
  }

  fund(jobId: string, amount: bigint): void {
    this.apply(signedEscrow(this.state, producer.publicKey, funder, jobId, amount, BUDGET));
  }

  refund(jobId: string): void {
    const e = this.state.book.escrows.get(jobId) as EscrowAccount;
    this.apply({ kind: "refund", jobId, funder: funder.publicKey, amount: e.amount - e.paid });
  }

  apply(entry: LedgerEntry & { kind: "escrow" | "bounty" | "refund" }): void {
    expect(
      applyEscrowKind(this.state, this.state.book, entry, networkId(producer.publicKey)),
    ).toBeUndefined();
    this.entries.push(entry);
  }

  /** The chain file of the entries so far plus `extra` (unchecked), in one block. */
  file(...extra: LedgerEntry[]): Uint8Array {
    return sealChain(producer, [[...this.entries, ...extra].map(encodeEntry)]);
  }
}

/** Funder earns tokens on job j0, then escrows `amount` on job j1. */
function funded(amount = 50_000n): Scenario {
  const s = new Scenario();
  for (let i = 0; i < 3; i++) s.unit("j0", funder, i === 0 ? 0 : -9);
  s.fund("j1", amount);
  return s;
}

describe("ledger: escrow, bounties and refunds", () => {
  it("pays each unit its share by steps plus the improvement bonus and refunds the rest", () => {
    const s = funded();
    s.unit("j1", alice, 0); // no improvement over the straight chain: share only
    s.unit("j1", alice, -9); // improves by 9 (bonus capped at 5): share × 1.5
    s.refund("j1");
    const summary = verifyChain(s.file());
    const share = (50_000n * 1_048_576n) / BUDGET;
    expect(summary.escrowed).toBe(50_000n);
    expect(summary.paidOut).toBe(share + share + share / 2n);
    expect(summary.refunded).toBe(50_000n - summary.paidOut);
    expect(summary.held).toBe(0n);
    const total = [...summary.balances.values()].reduce((a, b) => a + b, 0n);
    expect(total).toBe(summary.issued);
    expect(summary.balances.get(bytesToHex(alice.publicKey))).toBe(
      s.state.balance(bytesToHex(alice.publicKey)),
    );
  });

  it("caps the bounties at the escrow: the last payout takes what is left", () => {
    const s = funded(1_000n);
    for (let i = 0; i < 6; i++) s.unit("j1", alice, -9);
    s.refund("j1");
    const summary = verifyChain(s.file());
    expect(summary.paidOut).toBe(1_000n);
    expect(summary.refunded).toBe(0n);
  });

  it("refuses a refund with no escrow", async () => {
    const s = funded();
    const refund: RefundEntry = {
      kind: "refund",
      jobId: "j0",
      funder: funder.publicKey,
      amount: 1n,
    };
    await expectFoldnetError(() => verifyChain(s.file(refund)), {
      code: "LEDGER_ERROR_NO_ESCROW",
      block: 0,
      entry: s.entries.length,
    });
  });

  it("refuses a double refund and a refund of more than is left", async () => {
    const s = funded();
    s.unit("j1", alice);
    const e = s.state.book.escrows.get("j1") as EscrowAccount;
    const refund: RefundEntry = {
      kind: "refund",
      jobId: "j1",
      funder: funder.publicKey,
      amount: e.amount - e.paid,
    };
    await expectFoldnetError(() => verifyChain(s.file({ ...refund, amount: e.amount })), {
      code: "LEDGER_ERROR_BAD_REFUND",
    });
    s.refund("j1");
    await expectFoldnetError(() => verifyChain(s.file(refund)), {
      code: "LEDGER_ERROR_ESCROW_CLOSED",
      entry: s.entries.length,
    });
  });

  it("refuses an escrow over the funder's balance", async () => {
    const s = new Scenario();
    s.unit("j0", funder);
    const balance = s.state.balance(bytesToHex(funder.publicKey));
    const greedy = signedEscrow(s.state, producer.publicKey, funder, "j1", balance + 1n, BUDGET);
    await expectFoldnetError(() => verifyChain(s.file(greedy)), { code: "LEDGER_ERROR_OVERDRAFT" });
  });

  it("refuses a bounty paid to a unit of another job, a wrong amount and a missing bounty", async () => {
    const s = funded();
    const other = s.unit("j0", alice);
    const amount = 1_000n;
    const stolen: BountyEntry = {
      kind: "bounty",
      jobId: "j1",
      unitId: other,
      worker: alice.publicKey,
      amount,
    };
    await expectFoldnetError(() => verifyChain(s.file(stolen)), {
      code: "LEDGER_ERROR_BOUNTY_WRONG_UNIT",
      entry: s.entries.length,
    });
    // a unit of j1 without its bounty entry, followed by anything else
    const t = funded();
    const before = t.entries.length;
    const unpaid = workEntry(t.state, { jobId: "j1", unitId: "j1.x", worker: alice });
    const next = workEntry(t.state, { jobId: "j2", unitId: "j2.x", worker: alice });
    await expectFoldnetError(() => verifyChain(t.file(unpaid, next)), {
      code: "LEDGER_ERROR_MISSING_BOUNTY",
      entry: before + 1,
    });
    const overpaid: BountyEntry = {
      kind: "bounty",
      jobId: "j1",
      unitId: "j1.x",
      worker: alice.publicKey,
      amount: 10n ** 9n,
    };
    await expectFoldnetError(() => verifyChain(t.file(unpaid, overpaid)), {
      code: "LEDGER_ERROR_BAD_BOUNTY",
      entry: before + 1,
    });
  });

  it("refuses an escrow signed for another network, and a replayed one", async () => {
    const s = new Scenario();
    s.unit("j0", funder);
    const elsewhere = generateIdentity();
    const foreign = signedEscrow(s.state, elsewhere.publicKey, funder, "j1", 10n, BUDGET);
    await expectFoldnetError(() => verifyChain(s.file(foreign)), {
      code: "LEDGER_ERROR_BAD_ESCROW_SIGNATURE",
    });
    s.fund("j1", 10n);
    const replay = s.entries.at(-1)!;
    await expectFoldnetError(() => verifyChain(s.file(replay)), { code: "LEDGER_ERROR_BAD_NONCE" });
  });
});
