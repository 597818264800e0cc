/**
 * The token reward of a verified work unit, a pure function of what the chain records, so
 * `ledger verify` recomputes every reward (docs/ledger.md "Rewards"):
 *
 *   work   = steps × chain length
 *   rate   = INITIAL_RATE >> epoch, epoch = ⌊work recorded before this entry / HALVING_WORK⌋
 *   base   = ⌊work × rate / 10⁶⌋ micro-tokens
 *   bonus  = ⌊base × min(improvement, 5) / 10⌋ + (quick ? ⌊base / 10⌋ : 0)
 *   reward = base + bonus
 *
 * improvement = how far the unit lowered its job's best energy (the first unit of a job is
 * measured from 0, the straight chain); quick = accepted within the first half of its lease.
 * Base issuance is a geometric series: at most 2 × HALVING_WORK × INITIAL_RATE / 10⁶ =
 * 2,000,000 tokens, and with bonuses (≤ +60 %) at most 3,200,000 tokens, ever.
 * @module
 */

/** Micro-tokens per 10⁶ work units (steps × residues) in the first epoch. */
export const INITIAL_RATE = 1_000n;
/** Work per halving epoch: 10¹⁵ (≈ 7.6 M units of 2 M steps on a 64-mer). */
export const HALVING_WORK = 10n ** 15n;
/** Improvement (energy units) beyond which the bonus stops growing. */
export const MAX_IMPROVEMENT_BONUS_STEPS = 5n;
/** The most that can ever be issued, in micro-tokens (base series × 1.6). */
export const MAX_SUPPLY = (2n * HALVING_WORK * INITIAL_RATE * 16n) / (10n ** 6n * 10n);

/** What a reward depends on. */
export interface RewardInput {
  readonly steps: number;
  readonly length: number;
  /** Work recorded by all earlier work entries. */
  readonly workBefore: bigint;
  /** The job's best energy before this unit (null for its first unit). */
  readonly previousBest: number | null;
  readonly bestEnergy: number;
  readonly issuedAt: number;
  readonly deadline: number;
  readonly acceptedAt: number;
}

/** The reward and the work it pays for. */
export interface Reward {
  readonly work: bigint;
  readonly base: bigint;
  readonly bonus: bigint;
  readonly reward: bigint;
}

/** Computes a unit's reward (integers only). */
export function rewardFor(input: RewardInput): Reward {
  const work = BigInt(input.steps) * BigInt(input.length);
  const epoch = input.workBefore / HALVING_WORK;
  const rate = epoch >= 64n ? 0n : INITIAL_RATE >> epoch;
  const base = (work * rate) / 10n ** 6n;
  const quick = input.acceptedAt - input.issuedAt <= (input.deadline - input.issuedAt) / 2;
  const bonus =
    improvementBonus(base, improvementOf(input.previousBest, input.bestEnergy)) +
    (quick ? base / 10n : 0n);
  return { work, base, bonus, reward: base + bonus };
}

/** How far `bestEnergy` lowers a job's best (a job's first unit counts from 0), never below 0. */
export const improvementOf = (previousBest: number | null, bestEnergy: number): number =>
  Math.max(0, (previousBest ?? 0) - bestEnergy);

/** ⌊amount × min(improvement, 5) / 10⌋: the bonus for lowering the job's best energy. */
export function improvementBonus(amount: bigint, improvement: number): bigint {
  const steps = BigInt(improvement);
  return (
    (amount * (steps < MAX_IMPROVEMENT_BONUS_STEPS ? steps : MAX_IMPROVEMENT_BONUS_STEPS)) / 10n
  );
}
