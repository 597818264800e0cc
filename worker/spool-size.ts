/**
 * How much spool space a unit takes while it runs (its result file and its checkpoint), and
 * the default bound a worker puts on it so that no single assignment can fill its disk.
 * @module
 */
import { HASH_BYTES } from "../protocol/limits.js";

/**
 * Default bound on the spool space one unit may take: a coordinator (or an impostor on plain
 * ws://) cannot make a worker fill its disk with one assignment.
 */
export const DEFAULT_MAX_UNIT_SPOOL_BYTES = 64 * 1024 * 1024;

/**
 * Spool bytes a unit needs while it runs: L + 1 leaves and ⌈L/S⌉ + 1 kept states (S =
 * `anchorStride`; states have the start state's size), base64, twice (result and checkpoint).
 */
export function unitSpoolBytes(
  a: { steps: number; checkpointInterval: number; startState: Uint8Array },
  anchorStride: number,
): number {
  const segments = Math.ceil(a.steps / a.checkpointInterval);
  const raw =
    HASH_BYTES * (segments + 1) + (Math.ceil(segments / anchorStride) + 1) * a.startState.length;
  return 2 * Math.ceil((raw * 4) / 3);
}
