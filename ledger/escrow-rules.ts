/**
 * The contract layer's rules, shared by the coordinator (before it appends an entry) and
 * `ledger verify` (for every entry of a chain): an escrow is signed by its funder for this
 * network, carries the funder's next nonce and does not overdraw; each verified unit of an
 * escrowed job is followed by its bounty entry, paying the unit's share of the bounty by
 * steps plus the improvement bonus (ledger/rewards.ts), capped by what is left; a refund
 * returns exactly what is left, once. So escrowed = paid out + refunded + still held.
 * @module
 */
import { bytesToHex } from "@noble/hashes/utils.js";
import { verifySignature } from "../protocol/identity.js";
import {
  type BountyEntry,
  type EscrowEntry,
  type EscrowKindEntry,
  escrowPayload,
  type RefundEntry,
} from "./escrow-entries.js";
import { nonceProblem } from "./nonce.js";
import { improvementBonus } from "./rewards.js";

/** Codes of escrow-rule failures. */
export type EscrowFailureCode =
  | "LEDGER_ERROR_BAD_ESCROW_SIGNATURE"
  | "LEDGER_ERROR_BAD_NONCE"
  | "LEDGER_ERROR_OVERDRAFT"
  | "LEDGER_ERROR_DUPLICATE_ESCROW"
  | "LEDGER_ERROR_NO_ESCROW"
  | "LEDGER_ERROR_ESCROW_CLOSED"
  | "LEDGER_ERROR_BOUNTY_WRONG_UNIT"
  | "LEDGER_ERROR_BAD_BOUNTY"
  | "LEDGER_ERROR_MISSING_BOUNTY"
  | "LEDGER_ERROR_BAD_REFUND";

/** Why an entry cannot be applied. */
export interface Problem<C extends string = EscrowFailureCode> {
  readonly code: C;
  readonly message: string;
}

/** A job's escrow as the chain has it so far. */
export interface EscrowAccount {
  /** The funder's key, hex. */
  readonly funder: string;
  readonly amount: bigint;
  readonly budgetSteps: bigint;
  /** Bounty paid out so far. */
  paid: bigint;
  /** The refund, once the escrow is closed. */
  refunded: bigint | null;
}

/** What the bounty of a verified unit depends on. */
export interface UnitFacts {
  readonly jobId: string;
  /** The volunteer's key, hex. */
  readonly worker: string;
  readonly steps: number;
  /** How far the unit lowered its job's best energy (0 if it did not). */
  readonly improvement: number;
}

/** The accounts the escrow rules read and move (ledger/verify-chain.ts LedgerState). */
export interface EscrowAccounts {
  readonly balances: Map<string, bigint>;
  readonly nonces: Map<string, bigint>;
  balance(key: string): bigint;
}

/** The contract layer's state: escrows by job, verified units, paid bounties. */
export class EscrowBook {
  readonly escrows = new Map<string, EscrowAccount>();
  readonly units = new Map<string, UnitFacts>();
  readonly bountied = new Set<string>();
  /** The unit whose bounty entry must come next (its job's escrow is open). */
  owed: string | null = null;
  escrowed = 0n;
  paidOut = 0n;
  refunded = 0n;

  /** Records a verified unit; its bounty is owed next when its job has an open escrow. */
  recordUnit(unitId: string, facts: UnitFacts): void {
    this.units.set(unitId, facts);
    const escrow = this.escrows.get(facts.jobId);
    if (escrow !== undefined && escrow.refunded === null) this.owed = unitId;
  }

  /** Tokens the open escrows still hold. */
  held(): bigint {
    return this.escrowed - this.paidOut - this.refunded;
  }
}

/** The bounty a unit earns: its share by steps plus the improvement bonus, capped by what is left. */
export function bountyFor(escrow: EscrowAccount, unit: UnitFacts): bigint {
  const share = (escrow.amount * BigInt(unit.steps)) / escrow.budgetSteps;
  const due = share + improvementBonus(share, unit.improvement);
  const left = escrow.amount - escrow.paid;
  return due < left ? due : left;
}

/** Why `e` cannot be applied on the network `network`, or undefined when it can. */
export function escrowProblem(
  accounts: EscrowAccounts,
  book: EscrowBook,
  e: EscrowEntry,
  network: Uint8Array,
): Problem | undefined {
  if (!verifySignature(e.funder, escrowPayload(network, e), e.signature))
    return {
      code: "LEDGER_ERROR_BAD_ESCROW_SIGNATURE",
      message: "the escrow is not signed by its funder for this network",
    };
  const funder = bytesToHex(e.funder);
  const stale = nonceProblem(accounts.nonces, funder, e.nonce, "funder");
  if (stale !== undefined) return stale;
  if (e.amount <= 0n || e.amount > accounts.balance(funder))
    return {
      code: "LEDGER_ERROR_OVERDRAFT",
      message: `the funder has ${accounts.balance(funder)}, the escrow holds ${e.amount}`,
    };
  if (e.budgetSteps <= 0n)
    return { code: "LEDGER_ERROR_BAD_BOUNTY", message: "the escrow's step budget is 0" };
  if (book.escrows.has(e.jobId))
    return { code: "LEDGER_ERROR_DUPLICATE_ESCROW", message: `job ${e.jobId} is escrowed already` };
  return undefined;
}

/** The open escrow of `jobId`, or the problem of paying from it. */
function openEscrow(book: EscrowBook, jobId: string): EscrowAccount | Problem {
  const escrow = book.escrows.get(jobId);
  if (escrow === undefined)
    return { code: "LEDGER_ERROR_NO_ESCROW", message: `job ${jobId} has no escrow` };
  if (escrow.refunded !== null)
    return { code: "LEDGER_ERROR_ESCROW_CLOSED", message: `job ${jobId}'s escrow is refunded` };
  return escrow;
}

const isProblem = (v: EscrowAccount | Problem): v is Problem => "code" in v;

/** Why bounty `b` cannot be paid, or undefined when it can. */
export function bountyProblem(book: EscrowBook, b: BountyEntry): Problem | undefined {
  const escrow = openEscrow(book, b.jobId);
  if (isProblem(escrow)) return escrow;
  const unit = book.units.get(b.unitId);
  if (unit === undefined || unit.jobId !== b.jobId || unit.worker !== bytesToHex(b.worker))
    return {
      code: "LEDGER_ERROR_BOUNTY_WRONG_UNIT",
      message: `unit ${b.unitId} is not a verified unit of job ${b.jobId} by this worker`,
    };
  if (book.owed !== b.unitId || book.bountied.has(b.unitId))
    return {
      code: "LEDGER_ERROR_BAD_BOUNTY",
      message: `unit ${b.unitId}'s bounty is not the one due`,
    };
  const due = bountyFor(escrow, unit);
  if (b.amount !== due)
    return {
      code: "LEDGER_ERROR_BAD_BOUNTY",
      message: `the bounty should be ${due}, not ${b.amount}`,
    };
  return undefined;
}

/** Why refund `r` cannot be made, or undefined when it can. */
export function refundProblem(book: EscrowBook, r: RefundEntry): Problem | undefined {
  const escrow = openEscrow(book, r.jobId);
  if (isProblem(escrow)) return escrow;
  const left = escrow.amount - escrow.paid;
  if (escrow.funder !== bytesToHex(r.funder) || r.amount !== left)
    return {
      code: "LEDGER_ERROR_BAD_REFUND",
      message: `the refund should return ${left} to the funder, not ${r.amount}`,
    };
  return undefined;
}

/**
 * Checks an escrow-kind entry (and that an owed bounty comes first) and applies it.
 * @returns the problem instead when it cannot be applied; nothing changes then.
 */
export function applyEscrowKind(
  accounts: EscrowAccounts,
  book: EscrowBook,
  entry: EscrowKindEntry,
  network: Uint8Array,
): Problem | undefined {
  if (entry.kind !== "bounty" && book.owed !== null) return missingBounty(book);
  const problem =
    entry.kind === "escrow"
      ? escrowProblem(accounts, book, entry, network)
      : entry.kind === "bounty"
        ? bountyProblem(book, entry)
        : refundProblem(book, entry);
  if (problem !== undefined) return problem;
  const move = (key: string, delta: bigint) =>
    accounts.balances.set(key, accounts.balance(key) + delta);
  if (entry.kind === "escrow") {
    const funder = bytesToHex(entry.funder);
    move(funder, -entry.amount);
    accounts.nonces.set(funder, entry.nonce);
    const { amount, budgetSteps } = entry;
    book.escrows.set(entry.jobId, { funder, amount, budgetSteps, paid: 0n, refunded: null });
    book.escrowed += amount;
  } else if (entry.kind === "bounty") {
    move(bytesToHex(entry.worker), entry.amount);
    (book.escrows.get(entry.jobId) as EscrowAccount).paid += entry.amount;
    book.bountied.add(entry.unitId);
    book.paidOut += entry.amount;
    book.owed = null;
  } else {
    move(bytesToHex(entry.funder), entry.amount);
    (book.escrows.get(entry.jobId) as EscrowAccount).refunded = entry.amount;
    book.refunded += entry.amount;
  }
  return undefined;
}

/** The problem of an entry that comes where a unit's bounty is owed. */
export function missingBounty(book: EscrowBook): Problem {
  return {
    code: "LEDGER_ERROR_MISSING_BOUNTY",
    message: `unit ${book.owed}'s bounty entry must follow its work entry`,
  };
}
