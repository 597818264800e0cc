/**
 * Where spot-check replays run: a bounded piscina pool of verification threads (so replays
 * never stall the event loop that serves thousands of sockets), or the calling thread when
 * `threads` is 0 (tests, tiny deployments). A replay the pool cannot take becomes a typed
 * error, never an unbounded queue.
 * @module
 */
import { Piscina } from "piscina";
import { FoldnetError } from "../common/errors.js";
import { replaySegment } from "../sim/work-unit.js";
import type { ReplayInput, ReplayResult } from "./replay-task.js";
import type { SegmentReplay } from "./spot-check.js";

/** Replays waiting for a thread: a few challenges' worth (m + 2 ≤ 64 each). */
export const REPLAY_QUEUE_LIMIT = 4096;

/** A replay function and a way to stop its threads. */
export interface ReplayPool {
  readonly replay: SegmentReplay;
  close(): Promise<void>;
}

/** The verification pool; `threads` = 0 replays in the calling thread. */
export function createReplayPool(threads: number): ReplayPool {
  if (threads === 0) {
    return { replay: async (state, k) => replaySegment(state, k), close: async () => {} };
  }
  const piscina = new Piscina<ReplayInput, ReplayResult>({
    filename: new URL("./replay-task.js", import.meta.url).href,
    minThreads: threads,
    maxThreads: threads,
    maxQueue: REPLAY_QUEUE_LIMIT,
  });
  return {
    async replay(state, checkpointInterval) {
      let result: ReplayResult;
      try {
        result = await piscina.run({ state, checkpointInterval });
      } catch (err) {
        throw new FoldnetError(
          { code: "VERIFY_ERROR_POOL" },
          `the verification pool failed: ${(err as Error).message}`,
        );
      }
      if (!result.ok) throw FoldnetError.fromObject(result.error);
      return result.hash;
    },
    close: () => piscina.close(),
  };
}
