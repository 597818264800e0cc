/**
 * Where challenges are checked: a bounded piscina pool of verification threads, one task per
 * challenge (proofs and replays together, so a result costs the event loop one message and
 * never blocks the thousands of sockets it serves), or the calling thread when `threads` is 0
 * (tests, tiny deployments). A full queue is a typed VERIFY_ERROR_BUSY, never an unbounded
 * queue.
 * @module
 */
import { Piscina } from "piscina";
import { FoldnetError } from "../common/errors.js";
import type { Opening } from "../protocol/frames.js";
import { ResultError, type ResultErrorCode } from "./errors.js";
import { type ChallengeContext, verifyOpenings } from "./spot-check.js";
import type { VerifyInput, VerifyResult } from "./verify-task.js";

/** Challenges waiting for a thread (each ≤ 64 segments): minutes of backlog at most. */
export const VERIFY_QUEUE_LIMIT = 4096;

/** Checks a challenge's openings; rejects with a ResultError when they fail. */
export type ChallengeVerifier = (
  ctx: ChallengeContext,
  openings: readonly Opening[],
) => Promise<void>;

/** A verifier and a way to stop its threads. */
export interface VerifyPool {
  readonly verify: ChallengeVerifier;
  close(): Promise<void>;
}

/** The verification pool; `threads` = 0 verifies in the calling thread. */
export function createVerifyPool(threads: number): VerifyPool {
  if (threads === 0) {
    return {
      verify: async (ctx, openings) => verifyOpenings(ctx, openings),
      close: async () => {},
    };
  }
  const piscina = new Piscina<VerifyInput, VerifyResult>({
    filename: new URL("./verify-task.js", import.meta.url).href,
    minThreads: threads,
    maxThreads: threads,
    maxQueue: VERIFY_QUEUE_LIMIT,
  });
  return {
    async verify(ctx, openings) {
      let result: VerifyResult;
      try {
        result = await piscina.run({ ctx, openings });
      } catch (err) {
        throw new FoldnetError(
          { code: "VERIFY_ERROR_BUSY" },
          `the verification pool cannot take the challenge: ${(err as Error).message}`,
        );
      }
      if (!result.ok) throw new ResultError(result.code as ResultErrorCode, result.message);
    },
    close: () => piscina.close(),
  };
}
