/**
 * The piscina task of the verification pool: checks one challenge's openings (Merkle proofs,
 * opened states, and the replay of every opened segment) off the event loop. A failed check
 * comes back as plain data (structured clone drops an Error's type).
 * @module
 */
import type { Opening } from "../protocol/frames.js";
import { ResultError } from "./errors.js";
import { type ChallengeContext, verifyOpenings } from "./spot-check.js";

/** One challenge to check. */
export interface VerifyInput {
  readonly ctx: ChallengeContext;
  readonly openings: readonly Opening[];
}

/** Passed, or the ResultError that failed it. */
export type VerifyResult =
  | { readonly ok: true }
  | { readonly ok: false; readonly code: string; readonly message: string };

/** Checks a challenge; never throws a ResultError (returns it). */
export default function verifyTask(input: VerifyInput): VerifyResult {
  try {
    verifyOpenings(input.ctx, input.openings);
    return { ok: true };
  } catch (err) {
    if (err instanceof ResultError) return { ok: false, code: err.code, message: err.message };
    throw err;
  }
}
