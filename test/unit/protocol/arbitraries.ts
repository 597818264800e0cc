/**
 * fast-check arbitraries of valid frames (every kind, every field across its allowed range) and
 * a raw protobuf encoder of foldnet.proto that bypasses wire.ts's checks, to put invalid values
 * on the wire.
 * @module
 */
import { readFileSync } from "node:fs";
import fc from "fast-check";
import protobuf from "protobufjs";
import type { Frame, FrameKind, FrameOf } from "../../../protocol/frames.js";
import {
  MAX_CHALLENGE_SEGMENTS,
  MAX_CLIENT_BYTES,
  MAX_CODE_BYTES,
  MAX_FOLD_BYTES,
  MAX_ID_BYTES,
  MAX_MESSAGE_BYTES,
  MAX_PROOF_HASHES,
  MAX_RETRY_AFTER_MS,
  MAX_SEGMENTS_PER_UNIT,
  MAX_TEAM_BYTES,
  MAX_WORKER_NAME_BYTES,
  MAX_WORKER_THREADS,
} from "../../../protocol/limits.js";

const schema = protobuf
  .parse(readFileSync(new URL("../../../protocol/foldnet.proto", import.meta.url), "utf8"))
  .root.resolveAll();
const RAW_FRAME = schema.lookupType("foldnet.v1.Frame");

/** Encodes a protobufjs-shaped object as a Frame with no checks at all (version 1 unless given). */
export function rawFrame(fields: Record<string, unknown>): Uint8Array {
  return RAW_FRAME.encode({ version: 1, ...fields }).finish();
}

const bytes = (min: number, max = min) => fc.uint8Array({ minLength: min, maxLength: max });
/** Strings of `min…max` UTF-8 bytes, multi-byte characters included. */
const text = (min: number, max: number) =>
  fc
    .string({ unit: "grapheme", minLength: min, maxLength: Math.max(min, Math.floor(max / 4)) })
    .filter((s) => Buffer.byteLength(s) >= min && Buffer.byteLength(s) <= max);
const id = text(1, MAX_ID_BYTES);
const energy = fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });
const increasing = (max: number) =>
  fc
    .uniqueArray(fc.nat(MAX_SEGMENTS_PER_UNIT - 1), { minLength: 1, maxLength: max })
    .map((xs) => xs.sort((a, b) => a - b));
const proof = fc.array(bytes(32), { maxLength: MAX_PROOF_HASHES });

/** Valid frames of one kind. */
export const FRAME_ARBITRARIES: { readonly [K in FrameKind]: fc.Arbitrary<FrameOf<K>> } = {
  hello: fc.record({
    kind: fc.constant("hello"),
    publicKey: bytes(32),
    client: text(0, MAX_CLIENT_BYTES),
    threads: fc.integer({ min: 1, max: MAX_WORKER_THREADS }),
    team: fc.option(text(1, MAX_TEAM_BYTES), { nil: undefined }),
    name: fc.option(text(1, MAX_WORKER_NAME_BYTES), { nil: undefined }),
  }),
  authChallenge: fc.record({
    kind: fc.constant("authChallenge"),
    nonce: bytes(32),
    coordinatorKey: bytes(32),
  }),
  authResponse: fc.record({ kind: fc.constant("authResponse"), signature: bytes(64) }),
  welcome: fc.record({ kind: fc.constant("welcome"), workerId: id }),
  workRequest: fc.record({
    kind: fc.constant("workRequest"),
    slots: fc.integer({ min: 1, max: MAX_WORKER_THREADS }),
  }),
  assignment: fc
    .record({
      assignmentId: bytes(16),
      unitId: id,
      jobId: id,
      startState: bytes(1, 600),
      segments: fc.integer({ min: 1, max: MAX_SEGMENTS_PER_UNIT }),
      checkpointInterval: fc.oneof(fc.integer({ min: 1, max: 10_000 }), fc.constant(2 ** 32 - 1)),
      deadlineMs: fc.maxSafeNat(),
    })
    .map(({ segments, ...a }) => ({
      kind: "assignment" as const,
      ...a,
      steps: segments * a.checkpointInterval,
    })),
  noWork: fc.record({ kind: fc.constant("noWork"), retryAfterMs: fc.nat(MAX_RETRY_AFTER_MS) }),
  progress: fc.record({
    kind: fc.constant("progress"),
    assignmentId: bytes(16),
    stepsDone: fc.maxSafeNat(),
    bestEnergy: energy,
  }),
  resultCommit: fc.record({
    kind: fc.constant("resultCommit"),
    assignmentId: bytes(16),
    unitId: id,
    bestFold: fc.oneof(fc.stringMatching(/^[RLUDFB]{1,255}$/), text(1, MAX_FOLD_BYTES)),
    bestEnergy: energy,
    steps: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
    finalStateHash: bytes(32),
    merkleRoot: bytes(32),
    finalState: bytes(1, 600),
    signature: bytes(64),
  }),
  challenge: fc.record({
    kind: fc.constant("challenge"),
    assignmentId: bytes(16),
    segments: increasing(MAX_CHALLENGE_SEGMENTS),
  }),
  openings: fc
    .record({ assignmentId: bytes(16), segments: increasing(8) })
    .chain(({ assignmentId, segments }) =>
      fc
        .tuple(
          ...segments.map((segment) =>
            fc.record({
              segment: fc.constant(segment),
              state: bytes(1, 200),
              startProof: proof,
              endProof: proof,
              endLeaf: bytes(32),
            }),
          ),
        )
        .map((openings) => ({ kind: "openings" as const, assignmentId, openings })),
    ),
  verdict: fc.record({
    kind: fc.constant("verdict"),
    assignmentId: bytes(16),
    accepted: fc.boolean(),
    code: text(0, MAX_CODE_BYTES),
    reward: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
    message: text(0, MAX_MESSAGE_BYTES),
  }),
  error: fc.record({
    kind: fc.constant("error"),
    code: text(1, MAX_CODE_BYTES),
    message: text(0, MAX_MESSAGE_BYTES),
  }),
  revoke: fc.record({
    kind: fc.constant("revoke"),
    assignmentId: bytes(16),
    reason: text(1, MAX_CODE_BYTES),
  }),
  unitFailed: fc.record({
    kind: fc.constant("unitFailed"),
    assignmentId: bytes(16),
    reason: text(1, MAX_CODE_BYTES),
    message: text(0, MAX_MESSAGE_BYTES),
  }),
};

/** A valid frame of any kind. */
export const anyFrame: fc.Arbitrary<Frame> = fc.oneof(...Object.values(FRAME_ARBITRARIES));
