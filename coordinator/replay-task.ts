/**
 * The piscina task of the verification pool: replays one K-step segment from an opened
 * state and returns the hash of the state it ends in, or a typed error as plain data
 * (structured clone drops an Error's type).
 * @module
 */
import { FoldnetError } from "../common/errors.js";
import { replaySegment } from "../sim/work-unit.js";

/** Input of one replay. */
export interface ReplayInput {
  readonly state: Uint8Array;
  readonly checkpointInterval: number;
}

/** The end hash, or the error that stopped the replay. */
export type ReplayResult =
  | { readonly ok: true; readonly hash: Uint8Array }
  | { readonly ok: false; readonly error: { code: string; message: string } };

/** Replays a segment; never throws. */
export default function replay(input: ReplayInput): ReplayResult {
  try {
    return { ok: true, hash: replaySegment(input.state, input.checkpointInterval) };
  } catch (err) {
    if (err instanceof FoldnetError) return { ok: false, error: err.toObject() };
    return { ok: false, error: { code: "SIM_ERROR_BAD_STATE", message: String(err) } };
  }
}
