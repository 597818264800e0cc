/**
 * The frame table of the wire format: one message codec per frame kind (`KINDS`), field for
 * field as in protocol/foldnet.proto, with each field's limits from protocol/limits.ts and the
 * rules across fields (segments in rising order, steps a multiple of the checkpoint interval).
 * protocol/wire.ts checks the table against the schema at load and encodes and decodes with it.
 * @module
 */
import type { FrameKind, FrameOf } from "./frames.js";
import {
  ASSIGNMENT_ID_BYTES,
  AUTH_NONCE_BYTES,
  HASH_BYTES,
  MAX_CHALLENGE_SEGMENTS,
  MAX_CLIENT_BYTES,
  MAX_CODE_BYTES,
  MAX_FOLD_BYTES,
  MAX_ID_BYTES,
  MAX_MESSAGE_BYTES,
  MAX_PROOF_HASHES,
  MAX_RETRY_AFTER_MS,
  MAX_SEGMENTS_PER_UNIT,
  MAX_STATE_BYTES,
  MAX_TEAM_BYTES,
  MAX_WORKER_NAME_BYTES,
  MAX_WORKER_THREADS,
  PUBLIC_KEY_BYTES,
  SIGNATURE_BYTES,
} from "./limits.js";
import {
  bool,
  bytes,
  invalid,
  limitError,
  list,
  type MessageCodec,
  message,
  optionalText,
  sint32,
  text,
  u32,
  u64,
  u64Big,
} from "./wire-codecs.js";

/** Indices that must rise strictly (challenged segments, and the openings answering them). */
function checkIncreasing(values: readonly number[], path: string): void {
  for (let i = 1; i < values.length; i++) {
    if (values[i]! <= values[i - 1]!) throw invalid(`${path}[${i}]`, "is not above the one before");
  }
}

type Body<K extends FrameKind> = Omit<FrameOf<K>, "kind">;

const assignmentId = bytes(ASSIGNMENT_ID_BYTES);
const hash = bytes(HASH_BYTES);
const id = text(1, MAX_ID_BYTES);
const code = text(1, MAX_CODE_BYTES);
const state = bytes(1, MAX_STATE_BYTES);
const segmentIndex = u32(0, MAX_SEGMENTS_PER_UNIT - 1);
const proof = list(hash, 0, MAX_PROOF_HASHES);

const opening = message<FrameOf<"openings">["openings"][number]>({
  segment: segmentIndex,
  state,
  startProof: proof,
  endProof: proof,
  endLeaf: hash,
});

/** The message codec of each frame kind (its body: the Frame value without `kind`). */
export const KINDS: { readonly [K in FrameKind]: MessageCodec<Body<K>> } = {
  hello: message({
    publicKey: bytes(PUBLIC_KEY_BYTES),
    client: text(0, MAX_CLIENT_BYTES),
    threads: u32(1, MAX_WORKER_THREADS),
    team: optionalText(MAX_TEAM_BYTES),
    name: optionalText(MAX_WORKER_NAME_BYTES),
  }),
  authChallenge: message({
    nonce: bytes(AUTH_NONCE_BYTES),
    coordinatorKey: bytes(PUBLIC_KEY_BYTES),
  }),
  authResponse: message({ signature: bytes(SIGNATURE_BYTES) }),
  welcome: message({ workerId: id }),
  workRequest: message({ slots: u32(1, MAX_WORKER_THREADS) }),
  assignment: message(
    {
      assignmentId,
      unitId: id,
      jobId: id,
      startState: state,
      steps: u64(1),
      checkpointInterval: u32(1, 0xffff_ffff),
      deadlineMs: u64(0),
    },
    (a, path) => {
      if (a.steps % a.checkpointInterval !== 0) {
        throw invalid(`${path}.steps`, "is not a multiple of checkpointInterval");
      }
      const segments = a.steps / a.checkpointInterval;
      if (segments > MAX_SEGMENTS_PER_UNIT) {
        throw limitError(
          `${path}.steps`,
          MAX_SEGMENTS_PER_UNIT,
          segments,
          "makes too many segments",
        );
      }
    },
  ),
  noWork: message({ retryAfterMs: u32(0, MAX_RETRY_AFTER_MS) }),
  progress: message({ assignmentId, stepsDone: u64(0), bestEnergy: sint32 }),
  resultCommit: message({
    assignmentId,
    unitId: id,
    bestFold: text(1, MAX_FOLD_BYTES),
    bestEnergy: sint32,
    steps: u64(1),
    finalStateHash: hash,
    merkleRoot: hash,
    finalState: state,
    signature: bytes(SIGNATURE_BYTES),
  }),
  challenge: message(
    { assignmentId, segments: list(segmentIndex, 1, MAX_CHALLENGE_SEGMENTS) },
    (c, path) => checkIncreasing(c.segments, `${path}.segments`),
  ),
  openings: message(
    { assignmentId, openings: list(opening, 1, MAX_CHALLENGE_SEGMENTS) },
    (o, path) =>
      checkIncreasing(
        o.openings.map((x) => x.segment),
        `${path}.openings`,
      ),
  ),
  verdict: message({
    assignmentId,
    accepted: bool,
    code: text(0, MAX_CODE_BYTES),
    reward: u64Big,
    message: text(0, MAX_MESSAGE_BYTES),
  }),
  error: message({ code, message: text(0, MAX_MESSAGE_BYTES) }),
  revoke: message({ assignmentId, reason: code }),
  unitFailed: message({ assignmentId, reason: code, message: text(0, MAX_MESSAGE_BYTES) }),
};

/** The frame kinds, in the order of `KINDS`. */
export const KIND_NAMES = Object.keys(KINDS) as FrameKind[];
