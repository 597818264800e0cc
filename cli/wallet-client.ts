/**
 * What the wallet signs and sends for its holder: token amounts as typed ("1.5"), keys named
 * by full key or key id, and escrows of a job's bounty bound to the coordinator's network
 * (pinned with `--coordinator-key`). Shared by `foldnet wallet` and `foldnet job submit --bounty`.
 * @module
 */
import { bytesToHex, hexToBytes } from "@noble/hashes/utils.js";
import { FoldnetError } from "../common/errors.js";
import { MICRO_PER_TOKEN } from "../common/tokens.js";
import type { ApiClient, EscrowView, JobView } from "../coordinator/api-client.js";
import { escrowPayload } from "../ledger/escrow-entries.js";
import { networkId } from "../protocol/canonical.js";
import { type Identity, sign } from "../protocol/identity.js";
import { UsageError } from "./command.js";

/**
 * "1.5" tokens → 1500000 micro-tokens.
 * @throws {UsageError} naming `option` for anything but a positive decimal with at most 6 decimals.
 */
export function parseTokens(text: string, option = "amount"): bigint {
  const m = /^(\d+)(?:\.(\d{1,6}))?$/.exec(text);
  if (m === null)
    throw new UsageError(
      `--${option} must be a number of tokens with at most 6 decimals, got "${text}"`,
      option,
    );
  const micro = BigInt(m[1] as string) * MICRO_PER_TOKEN + BigInt((m[2] ?? "").padEnd(6, "0"));
  if (micro === 0n) throw new UsageError(`--${option} must be positive`, option);
  return micro;
}

/**
 * The full public key (hex) a key or key id names on the coordinator.
 * @throws {UsageError} naming `option` when it is neither, or the key id is unknown.
 */
export async function resolveKey(client: ApiClient, text: string, option: string): Promise<string> {
  if (/^[0-9a-fA-F]{64}$/.test(text)) return text.toLowerCase();
  if (/^[0-9a-fA-F]{16}$/.test(text)) {
    const hit = await client.call<{ kind: string; key?: string }>(
      "GET",
      `/api/ledger/search?q=${text.toLowerCase()}`,
    );
    if (hit.kind === "key" && hit.key !== undefined) return hit.key;
    throw new UsageError(`--${option}: no key with id ${text} is known to the coordinator`, option);
  }
  throw new UsageError(`--${option} must be a public key (64 hex) or a key id (16 hex)`, option);
}

/**
 * The network id of the coordinator: sha256 of its key, checked against `pinned` if given.
 * @throws {FoldnetError} CLIENT_ERROR_WRONG_COORDINATOR when the coordinator's key is another.
 */
export async function networkOf(client: ApiClient, pinned?: string): Promise<Uint8Array> {
  const key = await client.coordinatorKey();
  if (pinned !== undefined && pinned.toLowerCase() !== key) {
    throw new FoldnetError(
      { code: "CLIENT_ERROR_WRONG_COORDINATOR", key },
      `the coordinator's key is ${key}, not the pinned ${pinned}`,
    );
  }
  return networkId(hexToBytes(key));
}

/** Signs an escrow of `amount` micro-tokens into `job`'s bounty and sends it. */
export async function fundJob(
  client: ApiClient,
  funder: Identity,
  job: JobView,
  amount: bigint,
  pinned?: string,
): Promise<EscrowView> {
  const network = await networkOf(client, pinned);
  const key = bytesToHex(funder.publicKey);
  const escrow = {
    funder: funder.publicKey,
    jobId: job.id,
    amount,
    budgetSteps: BigInt(job.steps),
    nonce: BigInt((await client.account(key)).nonce) + 1n,
  };
  const signature = sign(funder.secretKey, escrowPayload(network, escrow));
  const answer = await client.call<{ escrow: EscrowView }>("POST", "/api/ledger/escrows", {
    funder: key,
    jobId: job.id,
    amount: amount.toString(),
    budgetSteps: escrow.budgetSteps.toString(),
    nonce: escrow.nonce.toString(),
    signature: bytesToHex(signature),
  });
  return answer.escrow;
}
