/**
 * The contract layer's ledger entries and their canonical bytes: a funder's signed escrow
 * that moves tokens into a job's bounty, a bounty payout to one verified unit of that job,
 * and the refund of what is left when the job ends. The escrow's signed payload names the
 * network (protocol/canonical.ts networkId), so it is valid on one network only. Layouts in
 * docs/ledger.md.
 * @module
 */
import { CanonicalReader, CanonicalWriter } from "../protocol/canonical.js";
import { MAX_ID_BYTES, PUBLIC_KEY_BYTES, SIGNATURE_BYTES } from "../protocol/limits.js";

/** Domain tags of the escrow entries and of the payload a funder signs. */
export const ESCROW_TAGS = {
  escrow: "foldnet/v1/ledger-escrow",
  bounty: "foldnet/v1/ledger-bounty",
  refund: "foldnet/v1/ledger-refund",
  payload: "foldnet/v1/escrow",
} as const;

/** What a funder signs: T tokens from `funder` into the bounty of `jobId`. */
export interface Escrow {
  readonly funder: Uint8Array;
  readonly jobId: string;
  /** Micro-tokens escrowed. */
  readonly amount: bigint;
  /** The job's step budget the bounty is shared over (a unit of s steps earns s / budget). */
  readonly budgetSteps: bigint;
  /** The funder's next nonce (shared with its transfers): each escrow is valid once. */
  readonly nonce: bigint;
}

/** A signed escrow, as recorded. */
export interface EscrowEntry extends Escrow {
  readonly kind: "escrow";
  readonly signature: Uint8Array;
}

/** A bounty payout to the volunteer of one verified unit of the escrow's job. */
export interface BountyEntry {
  readonly kind: "bounty";
  readonly jobId: string;
  readonly unitId: string;
  readonly worker: Uint8Array;
  readonly amount: bigint;
}

/** The unspent bounty returned to the funder when its job ends or is cancelled. */
export interface RefundEntry {
  readonly kind: "refund";
  readonly jobId: string;
  readonly funder: Uint8Array;
  readonly amount: bigint;
}

/** Any entry of the contract layer. */
export type EscrowKindEntry = EscrowEntry | BountyEntry | RefundEntry;

/**
 * What a funder signs: tag `foldnet/v1/escrow` ‖ network id 32 ‖ funder 32 ‖ str jobId ‖
 * u64 amount ‖ u64 budgetSteps ‖ u64 nonce.
 */
export function escrowPayload(network: Uint8Array, e: Escrow): Uint8Array {
  return new CanonicalWriter(160)
    .tag(ESCROW_TAGS.payload)
    .bytes(network, "network", 32)
    .bytes(e.funder, "funder", PUBLIC_KEY_BYTES)
    .string(e.jobId, "jobId")
    .u64(e.amount, "amount")
    .u64(e.budgetSteps, "budgetSteps")
    .u64(e.nonce, "nonce")
    .finish();
}

/** Canonical bytes of an escrow-kind entry. */
export function encodeEscrowKind(entry: EscrowKindEntry): Uint8Array {
  const w = new CanonicalWriter(256).tag(ESCROW_TAGS[entry.kind]);
  switch (entry.kind) {
    case "escrow":
      return w
        .bytes(entry.funder, "funder", PUBLIC_KEY_BYTES)
        .string(entry.jobId, "jobId")
        .u64(entry.amount, "amount")
        .u64(entry.budgetSteps, "budgetSteps")
        .u64(entry.nonce, "nonce")
        .bytes(entry.signature, "signature", SIGNATURE_BYTES)
        .finish();
    case "bounty":
      return w
        .string(entry.jobId, "jobId")
        .string(entry.unitId, "unitId")
        .bytes(entry.worker, "worker", PUBLIC_KEY_BYTES)
        .u64(entry.amount, "amount")
        .finish();
    case "refund":
      return w
        .string(entry.jobId, "jobId")
        .bytes(entry.funder, "funder", PUBLIC_KEY_BYTES)
        .u64(entry.amount, "amount")
        .finish();
  }
}

/**
 * Decodes the entry of `kind` from `bytes` (whose tag the caller has recognised).
 * @throws {ProtocolError} CANONICAL_ERROR_… naming the field that does not decode.
 */
export function decodeEscrowKind(
  kind: EscrowKindEntry["kind"],
  bytes: Uint8Array,
): EscrowKindEntry {
  const r = new CanonicalReader(bytes).tag(ESCROW_TAGS[kind]);
  let entry: EscrowKindEntry;
  if (kind === "escrow") {
    entry = {
      kind,
      funder: r.bytes(PUBLIC_KEY_BYTES, "funder"),
      jobId: r.string(MAX_ID_BYTES, "jobId"),
      amount: r.u64("amount"),
      budgetSteps: r.u64("budgetSteps"),
      nonce: r.u64("nonce"),
      signature: r.bytes(SIGNATURE_BYTES, "signature"),
    };
  } else if (kind === "bounty") {
    entry = {
      kind,
      jobId: r.string(MAX_ID_BYTES, "jobId"),
      unitId: r.string(MAX_ID_BYTES, "unitId"),
      worker: r.bytes(PUBLIC_KEY_BYTES, "worker"),
      amount: r.u64("amount"),
    };
  } else {
    entry = {
      kind,
      jobId: r.string(MAX_ID_BYTES, "jobId"),
      funder: r.bytes(PUBLIC_KEY_BYTES, "funder"),
      amount: r.u64("amount"),
    };
  }
  r.end();
  return entry;
}
