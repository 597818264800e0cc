/**
 * The one rule for every payload a key signs on the ledger (transfers and escrows): it carries
 * the key's next nonce, its count of signed payloads + 1, so each is valid exactly once.
 * @module
 */

/** Why `nonce` is not `key`'s next one (as `who`, for the message), or undefined when it is. */
export function nonceProblem(
  nonces: ReadonlyMap<string, bigint>,
  key: string,
  nonce: bigint,
  who: string,
): { code: "LEDGER_ERROR_BAD_NONCE"; message: string } | undefined {
  const expected = (nonces.get(key) ?? 0n) + 1n;
  return nonce === expected
    ? undefined
    : {
        code: "LEDGER_ERROR_BAD_NONCE",
        message: `the ${who}'s next nonce is ${expected}, not ${nonce}`,
      };
}
