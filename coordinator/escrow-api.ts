/**
 * `POST /api/ledger/escrows`: a funder's signed escrow moving tokens into a running job's
 * bounty (ledger/escrow-entries.ts). Anyone may fund any job: the signature, the network it
 * names, the funder's nonce and balance, and the job's budget decide (escrow-store.ts).
 * @module
 */
import type { EscrowEntry } from "../ledger/escrow-entries.js";
import type { EscrowAccount } from "../ledger/escrow-rules.js";
import { networkId } from "../protocol/canonical.js";
import { MAX_ID_BYTES } from "../protocol/limits.js";
import { ApiError } from "./errors.js";
import { bodyObject, field, hex, u64 } from "./json-fields.js";
import type { Store } from "./store/store.js";

/** Parses an escrow request body (hex funder and signature, decimal amounts and nonce). */
export function parseEscrow(body: unknown): EscrowEntry {
  const b = bodyObject(body);
  return {
    kind: "escrow",
    funder: field(b, "funder", hex(32)),
    jobId: field(b, "jobId", (v) => {
      // job ids are printable ASCII (the coordinator makes them): nothing else can name one
      if (!/^[\x21-\x7e]+$/.test(v) || v.length > MAX_ID_BYTES) throw new RangeError("jobId");
      return v;
    }),
    amount: field(b, "amount", u64),
    budgetSteps: field(b, "budgetSteps", u64),
    nonce: field(b, "nonce", u64),
    signature: field(b, "signature", hex(64)),
  };
}

/** A job's escrow as JSON. */
export const escrowView = (jobId: string, e: EscrowAccount) => ({
  jobId,
  funder: e.funder,
  amount: e.amount.toString(),
  budgetSteps: e.budgetSteps.toString(),
  paid: e.paid.toString(),
  refunded: e.refunded?.toString() ?? null,
});

/**
 * Funds a job with the escrow in `body` on the network of `producer`.
 * @throws {ApiError} API_ERROR_ESCROW_REFUSED with the ledger's reason.
 */
export async function fundJob(store: Store, producer: Uint8Array, body: unknown) {
  const escrow = parseEscrow(body);
  const problem = await store.escrows.fund(escrow, networkId(producer));
  if (problem !== undefined) {
    throw new ApiError(
      { code: "API_ERROR_ESCROW_REFUSED", status: 409, reason: problem.code },
      `escrow refused: ${problem.message}`,
    );
  }
  return escrowView(escrow.jobId, (await store.escrows.escrow(escrow.jobId)) as EscrowAccount);
}
