/**
 * Mid-unit checkpoints: a running unit's search state, written to the spool directory at
 * least every `checkpointMs` (default 60 s) so that a restarted worker resumes the unit where
 * it stopped instead of from its start, and finishes it with exactly the bytes an unbroken run
 * gives (the canonical state at a segment boundary determines the rest of the trajectory).
 *
 * One file per running unit, `<assignmentId hex>.checkpoint.json`, written by the unit's
 * thread (synchronous I/O, off the main thread): temp file, fsync, rename over the name,
 * directory fsync; removed once the finished result is in the spool. It holds the assignment
 * (to re-run it after a restart), the steps done, the leaves so far, the kept states so far and
 * the state at the boundary. On load every hash is checked: the start state is leaf 0, each
 * kept state hashes to its leaf and the boundary state to the last leaf; a file that fails is
 * renamed `.corrupt` like a bad spool file, and its unit is left to its lease.
 * @module
 */
import { closeSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from "node:fs";
import { readdir, readFile, rename, unlink } from "node:fs/promises";
import { join } from "node:path";
import { equalBytes } from "@noble/curves/utils.js";
import { bytesToHex, hexToBytes } from "@noble/hashes/utils.js";
import type { Logger } from "../common/log.js";
import { HASH_BYTES } from "../protocol/limits.js";
import { stateHash } from "../sim/state-codec.js";
import type { AssignmentInfo } from "./result.js";
import { CORRUPT_SUFFIX } from "./spool.js";

/** The format tag of checkpoint files. */
export const CHECKPOINT_FORMAT = "foldnet-checkpoint/1";
/** Default longest time between two checkpoints of a running unit. */
export const DEFAULT_CHECKPOINT_MS = 60_000;
const SUFFIX = ".checkpoint.json";

/** A unit run up to a segment boundary: what resuming it needs. */
export interface PartialRun {
  readonly stepsDone: number;
  /** The canonical state after `stepsDone` steps. */
  readonly state: Uint8Array;
  /** stepsDone/K + 1 leaves: the state hashes after 0, K, … stepsDone steps. */
  readonly leaves: readonly Uint8Array[];
  /** The kept states so far (one every S segments, from the start state). */
  readonly anchorStates: readonly Uint8Array[];
}

/** A checkpoint: the assignment and how far it got. */
export interface UnitCheckpoint extends PartialRun {
  readonly assignment: AssignmentInfo;
}

/** The checkpoint file of an assignment. */
export const checkpointFile = (dir: string, assignmentId: Uint8Array) =>
  join(dir, `${bytesToHex(assignmentId)}${SUFFIX}`);

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64");
const unb64 = (text: unknown, what: string): Uint8Array => {
  if (typeof text !== "string" || !/^[A-Za-z0-9+/]*={0,2}$/.test(text))
    throw new Error(`${what} must be base64`);
  return new Uint8Array(Buffer.from(text, "base64"));
};
const int = (v: unknown, what: string): number => {
  if (!Number.isSafeInteger(v) || (v as number) < 0)
    throw new Error(`${what} must be a non-negative integer`);
  return v as number;
};

/** The JSON text of a checkpoint. */
export function encodeCheckpoint(c: UnitCheckpoint): string {
  const a = c.assignment;
  return JSON.stringify({
    format: CHECKPOINT_FORMAT,
    assignmentId: bytesToHex(a.assignmentId),
    unitId: a.unitId,
    jobId: a.jobId,
    steps: a.steps,
    checkpointInterval: a.checkpointInterval,
    deadlineMs: a.deadlineMs,
    startState: b64(a.startState),
    stepsDone: c.stepsDone,
    state: b64(c.state),
    leaves: b64(Buffer.concat(c.leaves)),
    anchorStates: c.anchorStates.map(b64),
  });
}

/**
 * Parses and checks a checkpoint's JSON text.
 * @throws {Error} naming the first problem.
 */
export function decodeCheckpoint(text: string, anchorStride: (segments: number) => number) {
  const o = JSON.parse(text) as Record<string, unknown>;
  if (o.format !== CHECKPOINT_FORMAT) throw new Error(`format must be ${CHECKPOINT_FORMAT}`);
  const steps = int(o.steps, "steps");
  const K = int(o.checkpointInterval, "checkpointInterval");
  const stepsDone = int(o.stepsDone, "stepsDone");
  if (K < 1 || steps % K !== 0 || stepsDone % K !== 0 || stepsDone >= steps)
    throw new Error("stepsDone must be a segment boundary inside the unit");
  if (typeof o.unitId !== "string" || typeof o.jobId !== "string")
    throw new Error("unitId and jobId must be strings");
  const assignmentId = hexToBytes(String(o.assignmentId));
  if (assignmentId.length !== 16) throw new Error("assignmentId must be 16 bytes");
  const assignment: AssignmentInfo = {
    assignmentId,
    unitId: o.unitId,
    jobId: o.jobId,
    startState: unb64(o.startState, "startState"),
    steps,
    checkpointInterval: K,
    deadlineMs: int(o.deadlineMs, "deadlineMs"),
  };
  const leafBytes = unb64(o.leaves, "leaves");
  const count = stepsDone / K + 1;
  if (leafBytes.length !== count * HASH_BYTES) throw new Error("leaves must hold stepsDone/K + 1");
  const leaves = Array.from({ length: count }, (_, j) =>
    leafBytes.slice(j * HASH_BYTES, (j + 1) * HASH_BYTES),
  );
  const stride = anchorStride(steps / K);
  if (
    !Array.isArray(o.anchorStates) ||
    o.anchorStates.length !== Math.floor((count - 1) / stride) + 1
  )
    throw new Error("anchorStates must hold one state every S segments so far");
  const anchorStates = o.anchorStates.map((s, i) => {
    const state = unb64(s, `anchorStates[${i}]`);
    if (!equalBytes(stateHash(state), leaves[i * stride]!))
      throw new Error(`anchorStates[${i}] does not hash to its leaf`);
    return state;
  });
  const state = unb64(o.state, "state");
  if (!equalBytes(stateHash(state), leaves[count - 1]!))
    throw new Error("state does not hash to the last leaf");
  if (!equalBytes(anchorStates[0]!, assignment.startState))
    throw new Error("the first kept state is not the start state");
  return { assignment, stepsDone, state, leaves, anchorStates } satisfies UnitCheckpoint;
}

/**
 * Writes a checkpoint durably, synchronously (from the unit's thread): temp file, fsync,
 * rename, directory fsync.
 * @throws {Error} the file system's error.
 */
export function writeCheckpointSync(dir: string, c: UnitCheckpoint): void {
  const file = checkpointFile(dir, c.assignment.assignmentId);
  const temp = join(dir, `.${bytesToHex(c.assignment.assignmentId)}${SUFFIX}.tmp-${process.pid}`);
  const fd = openSync(temp, "w", 0o600);
  try {
    writeSync(fd, encodeCheckpoint(c));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temp, file);
  try {
    const dirFd = openSync(dir, "r");
    try {
      fsyncSync(dirFd);
    } finally {
      closeSync(dirFd);
    }
  } catch {
    // Windows cannot fsync a directory; the rename is then as durable as it gets.
  }
}

/** Deletes an assignment's checkpoint (its result is spooled); absent is fine. */
export function removeCheckpoint(dir: string, assignmentId: Uint8Array): void {
  try {
    unlinkSync(checkpointFile(dir, assignmentId));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
}

/**
 * Every checkpoint in `dir`, oldest name first; a file that does not check is renamed
 * `.corrupt` and logged. Temporary files of writes that never finished (a thread terminated
 * mid-write: a revoked unit, a crash) are deleted. Never throws for a bad file.
 */
export async function loadCheckpoints(
  dir: string,
  anchorStride: (segments: number) => number,
  log: Logger,
): Promise<UnitCheckpoint[]> {
  const all = await readdir(dir);
  for (const name of all.filter((n) => n.startsWith(".") && n.includes(`${SUFFIX}.tmp-`)))
    await unlink(join(dir, name)).catch(() => {});
  const names = all.filter((n) => n.endsWith(SUFFIX) && !n.startsWith("."));
  const out: UnitCheckpoint[] = [];
  for (const name of names.sort()) {
    const file = join(dir, name);
    try {
      out.push(decodeCheckpoint(await readFile(file, "utf8"), anchorStride));
    } catch (err) {
      const target = `${file}.${Date.now()}${CORRUPT_SUFFIX}`;
      log.error("spool: quarantined a bad checkpoint", { file, reason: String(err) });
      await rename(file, target).catch(() => unlink(file).catch(() => {}));
    }
  }
  return out;
}

/**
 * The checkpoints of units a previous run did not finish: every checkpoint in `dir` except
 * those whose result is already spooled (`spooled(assignment id hex)`), which are leftovers of
 * a crash between the spool write and the removal, and are removed.
 */
export async function loadResumable(
  dir: string,
  anchorStride: (segments: number) => number,
  spooled: (assignmentIdHex: string) => boolean,
  log: Logger,
): Promise<UnitCheckpoint[]> {
  const all = await loadCheckpoints(dir, anchorStride, log);
  return all.filter((c) => {
    if (!spooled(bytesToHex(c.assignment.assignmentId))) return true;
    removeCheckpoint(dir, c.assignment.assignmentId);
    return false;
  });
}
