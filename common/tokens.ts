/**
 * Token amounts as people read them: amounts are integers in micro-tokens everywhere (ledger,
 * store, wire); this module owns the unit and its decimal display.
 * @module
 */

/** Micro-tokens per token: amounts are integers in micro-tokens. */
export const MICRO_PER_TOKEN = 1_000_000n;

/** "1.234567" from micro-tokens. */
export function formatTokens(micro: bigint): string {
  const whole = micro / MICRO_PER_TOKEN;
  const frac = (micro % MICRO_PER_TOKEN).toString().padStart(6, "0");
  return `${whole}.${frac}`;
}
