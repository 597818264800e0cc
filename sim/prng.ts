/**
 * The one PRNG of foldnet's determinism contract: xoshiro128** 1.1 (Blackman & Vigna 2018,
 * https://prng.di.unimi.it/xoshiro128starstar.c) on four uint32 words, seeded from a uint64
 * with SplitMix64 as the authors recommend (two SplitMix64 outputs, each split low word
 * first, give s[0..3]). All arithmetic is 32-bit integer math (`Math.imul`, shifts), so the
 * stream is identical on every machine. The hot loop of the engine inlines `nextUint32`;
 * this module is the specification and the reference for it.
 * @module
 */
import { SimError } from "./errors.js";

const MASK64 = (1n << 64n) - 1n;

/**
 * Seeds a xoshiro128** state from a uint64 seed with SplitMix64.
 * @throws {SimError} SIM_ERROR_BAD_PARAMETER when `seed` is not an integer in [0, 2^64).
 */
export function seedXoshiro128(seed: bigint | number, field = "seed"): Uint32Array {
  if (
    (typeof seed === "number" && !Number.isSafeInteger(seed)) ||
    seed < 0 ||
    BigInt(seed) > MASK64
  ) {
    throw new SimError(
      { code: "SIM_ERROR_BAD_PARAMETER", field },
      `${field} must be an integer in [0, 2^64)`,
    );
  }
  let x = BigInt(seed);
  const state = new Uint32Array(4);
  for (let k = 0; k < 2; k++) {
    x = (x + 0x9e3779b97f4a7c15n) & MASK64;
    let z = x;
    z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK64;
    z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK64;
    z ^= z >> 31n;
    state[2 * k] = Number(z & 0xffffffffn);
    state[2 * k + 1] = Number(z >> 32n);
  }
  if (state.every((word) => word === 0)) state[0] = 1; // the all-zero state is a fixed point
  return state;
}

/** Advances `s` in place and returns the next uint32 of xoshiro128**. */
export function nextUint32(s: Uint32Array): number {
  const s0 = s[0] as number;
  const s1 = s[1] as number;
  const s2 = s[2] as number;
  const s3 = s[3] as number;
  const m = Math.imul(s1, 5);
  const result = Math.imul((m << 7) | (m >>> 25), 9) >>> 0;
  const t = s1 << 9;
  const n2 = s2 ^ s0;
  const n3 = s3 ^ s1;
  s[1] = s1 ^ n2;
  s[0] = s0 ^ n3;
  s[2] = n2 ^ t;
  s[3] = (n3 << 11) | (n3 >>> 21);
  return result;
}
