/**
 * Wire round-trips of every frame kind, every protocol limit enforced on encode and on
 * decode, and errorFrame. Malformed and hostile frames: wire-hostile.test.ts.
 * @module
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Frame } from "../../../protocol/frames.js";
import {
  MAX_FRAME_BYTES,
  MAX_PROOF_HASHES,
  MAX_SEGMENTS_PER_UNIT,
  MAX_STATE_BYTES,
} from "../../../protocol/limits.js";
import { decodeFrame, encodeFrame, errorFrame, PROTOCOL_VERSION } from "../../../protocol/wire.js";
import { expectFoldnetError } from "../../helpers/errors.js";
import { SAMPLE_FRAMES, SAMPLE_LIST } from "../../vectors/protocol-samples.js";
import { FRAME_ARBITRARIES, rawFrame } from "./arbitraries.js";

const { assignment, challenge, openings, resultCommit, hello } = SAMPLE_FRAMES;
const wireId = assignment.assignmentId;

/** The same error from encodeFrame(frame) and from decoding the same values put raw on the wire. */
async function expectBothWays(
  frame: Frame,
  raw: Record<string, unknown>,
  type: { code: string } & Record<string, unknown>,
) {
  await expectFoldnetError(() => encodeFrame(frame), type);
  await expectFoldnetError(() => decodeFrame(rawFrame(raw)), type);
}

describe("frames round-trip", () => {
  it.each(Object.entries(FRAME_ARBITRARIES))(
    "every valid %s frame decodes to itself",
    (_, arbitrary) => {
      fc.assert(
        fc.property(arbitrary as fc.Arbitrary<Frame>, (frame) => {
          const bytes = encodeFrame(frame);
          expect(bytes.length).toBeLessThanOrEqual(MAX_FRAME_BYTES);
          expect(decodeFrame(bytes)).toEqual(frame);
        }),
        { numRuns: 200 },
      );
    },
  );

  it("decodes from a Buffer, and from a subarray at an offset, and copies every byte field out", () => {
    const bytes = encodeFrame(resultCommit);
    const padded = new Uint8Array(bytes.length + 7);
    padded.set(bytes, 5);
    const fromView = decodeFrame(padded.subarray(5, 5 + bytes.length));
    expect(fromView).toEqual(resultCommit);
    expect(decodeFrame(Buffer.from(bytes))).toEqual(resultCommit);
    padded.fill(0);
    expect(fromView).toEqual(resultCommit);
    const decoded = decodeFrame(bytes) as typeof resultCommit;
    expect(decoded.finalState.constructor).toBe(Uint8Array);
    expect(decoded.finalState.buffer.byteLength).toBe(decoded.finalState.length);
  });

  it("carries version 1 as the first field", () => {
    expect(PROTOCOL_VERSION).toBe(1);
    for (const frame of SAMPLE_LIST)
      expect(Array.from(encodeFrame(frame).subarray(0, 2))).toEqual([0x08, 0x01]);
  });
});

describe("every limit, enforced on encode and on decode", () => {
  it("exact key, nonce, id, hash and signature lengths", async () => {
    await expectBothWays(
      { ...hello, publicKey: new Uint8Array(31) },
      { hello: { ...hello, publicKey: new Uint8Array(31) } },
      { code: "FRAME_ERROR_LIMIT", field: "hello.publicKey", limit: 32, actual: 31 },
    );
    await expectBothWays(
      { ...SAMPLE_FRAMES.authChallenge, nonce: new Uint8Array(0) },
      { authChallenge: { ...SAMPLE_FRAMES.authChallenge, nonce: new Uint8Array(0) } },
      { code: "FRAME_ERROR_LIMIT", field: "authChallenge.nonce", limit: 32, actual: 0 },
    );
    await expectBothWays(
      { ...resultCommit, assignmentId: new Uint8Array(15) },
      { resultCommit: { ...resultCommit, assignmentId: new Uint8Array(15) } },
      { code: "FRAME_ERROR_LIMIT", field: "resultCommit.assignmentId", limit: 16, actual: 15 },
    );
    await expectBothWays(
      { ...resultCommit, signature: new Uint8Array(63) },
      { resultCommit: { ...resultCommit, signature: new Uint8Array(63) } },
      { code: "FRAME_ERROR_LIMIT", field: "resultCommit.signature", limit: 64, actual: 63 },
    );
    // too long: refused by the scan from the claimed length, before any copy
    await expectBothWays(
      { ...resultCommit, merkleRoot: new Uint8Array(33) },
      { resultCommit: { ...resultCommit, merkleRoot: new Uint8Array(33) } },
      { code: "FRAME_ERROR_LIMIT", field: "resultCommit.merkleRoot", limit: 32, actual: 33 },
    );
  });

  it("numeric ranges", async () => {
    for (const threads of [0, 257]) {
      await expectBothWays(
        { ...hello, threads },
        { hello: { ...hello, threads } },
        {
          code: "FRAME_ERROR_LIMIT",
          field: "hello.threads",
          limit: threads === 0 ? 1 : 256,
          actual: threads,
        },
      );
    }
    await expectBothWays(
      { kind: "noWork", retryAfterMs: 3_600_001 },
      { noWork: { retryAfterMs: 3_600_001 } },
      { code: "FRAME_ERROR_LIMIT", field: "noWork.retryAfterMs", limit: 3_600_000 },
    );
    await expectBothWays(
      { ...assignment, checkpointInterval: 0, steps: 10 },
      { assignment: { ...assignment, checkpointInterval: 0, steps: 10 } },
      { code: "FRAME_ERROR_LIMIT", field: "assignment.checkpointInterval", limit: 1, actual: 0 },
    );
  });

  it("uint64 counts must be safe integers; the reward spans the whole uint64 range", async () => {
    await expectFoldnetError(
      () =>
        decodeFrame(
          rawFrame({
            progress: { ...SAMPLE_FRAMES.progress, stepsDone: { low: 0, high: 0x20_0000 } },
          }),
        ),
      {
        code: "FRAME_ERROR_LIMIT",
        field: "progress.stepsDone",
        limit: Number.MAX_SAFE_INTEGER,
        actual: 2 ** 53,
      },
    );
    await expectFoldnetError(() => encodeFrame({ ...SAMPLE_FRAMES.progress, stepsDone: 2 ** 53 }), {
      code: "FRAME_ERROR_LIMIT",
      field: "progress.stepsDone",
    });
    const verdict = SAMPLE_FRAMES.verdict;
    for (const reward of [0n, 1n, 2n ** 53n + 1n, 2n ** 64n - 1n]) {
      expect(decodeFrame(encodeFrame({ ...verdict, reward }))).toEqual({ ...verdict, reward });
    }
    await expectFoldnetError(() => encodeFrame({ ...verdict, reward: 2n ** 64n }), {
      code: "FRAME_ERROR_LIMIT",
      field: "verdict.reward",
    });
    await expectFoldnetError(() => encodeFrame({ ...verdict, reward: -1n }), {
      code: "FRAME_ERROR_LIMIT",
      limit: 0,
    });
  });

  it("string lengths in UTF-8 bytes, and no empty ids", async () => {
    const longClient = "é".repeat(33); // 66 bytes, 33 characters
    await expectBothWays(
      { ...hello, client: longClient },
      { hello: { ...hello, client: longClient } },
      { code: "FRAME_ERROR_LIMIT", field: "hello.client", limit: 64, actual: 66 },
    );
    await expectBothWays(
      { ...assignment, unitId: "" },
      { assignment: { ...assignment, unitId: "" } },
      { code: "FRAME_ERROR_LIMIT", field: "assignment.unitId", limit: 1, actual: 0 },
    );
    await expectBothWays(
      { ...resultCommit, bestFold: "R".repeat(256) },
      { resultCommit: { ...resultCommit, bestFold: "R".repeat(256) } },
      { code: "FRAME_ERROR_LIMIT", field: "resultCommit.bestFold", limit: 255, actual: 256 },
    );
    await expectFoldnetError(() => encodeFrame({ kind: "welcome", workerId: "a\ud800" }), {
      code: "FRAME_ERROR_INVALID",
      field: "welcome.workerId",
    });
  });

  it("state sizes", async () => {
    const big = new Uint8Array(MAX_STATE_BYTES + 1);
    await expectBothWays(
      { ...assignment, startState: big },
      { assignment: { ...assignment, startState: big } },
      {
        code: "FRAME_ERROR_LIMIT",
        field: "assignment.startState",
        limit: MAX_STATE_BYTES,
        actual: MAX_STATE_BYTES + 1,
      },
    );
    await expectBothWays(
      { ...resultCommit, finalState: new Uint8Array(0) },
      { resultCommit: { ...resultCommit, finalState: new Uint8Array(0) } },
      { code: "FRAME_ERROR_LIMIT", field: "resultCommit.finalState", limit: 1, actual: 0 },
    );
  });

  it("assignment segmentation: steps a multiple of K, at most MAX_SEGMENTS_PER_UNIT segments", async () => {
    await expectBothWays(
      { ...assignment, steps: 1500, checkpointInterval: 1000 },
      { assignment: { ...assignment, steps: 1500, checkpointInterval: 1000 } },
      { code: "FRAME_ERROR_INVALID", field: "assignment.steps" },
    );
    const steps = (MAX_SEGMENTS_PER_UNIT + 1) * 10;
    await expectBothWays(
      { ...assignment, steps, checkpointInterval: 10 },
      { assignment: { ...assignment, steps, checkpointInterval: 10 } },
      {
        code: "FRAME_ERROR_LIMIT",
        field: "assignment.steps",
        limit: MAX_SEGMENTS_PER_UNIT,
        actual: MAX_SEGMENTS_PER_UNIT + 1,
      },
    );
  });

  it("challenges: 1…64 strictly increasing segments below MAX_SEGMENTS_PER_UNIT", async () => {
    const many = Array.from({ length: 65 }, (_, i) => i);
    await expectBothWays(
      { ...challenge, segments: many },
      { challenge: { assignmentId: wireId, segments: many } },
      {
        code: "FRAME_ERROR_LIMIT",
        field: "challenge.segments",
        limit: 64,
        actual: 65,
      },
    );
    await expectBothWays(
      { ...challenge, segments: [] },
      { challenge: { assignmentId: wireId, segments: [] } },
      {
        code: "FRAME_ERROR_LIMIT",
        field: "challenge.segments",
        limit: 1,
        actual: 0,
      },
    );
    await expectBothWays(
      { ...challenge, segments: [1, 7, 7] },
      { challenge: { assignmentId: wireId, segments: [1, 7, 7] } },
      { code: "FRAME_ERROR_INVALID", field: "challenge.segments[2]" },
    );
    await expectBothWays(
      { ...challenge, segments: [MAX_SEGMENTS_PER_UNIT] },
      { challenge: { assignmentId: wireId, segments: [MAX_SEGMENTS_PER_UNIT] } },
      {
        code: "FRAME_ERROR_LIMIT",
        field: "challenge.segments[0]",
        limit: MAX_SEGMENTS_PER_UNIT - 1,
      },
    );
  });

  it("openings: proof lengths and hash sizes, named down to the element", async () => {
    const first = openings.openings[0]!;
    const withFirst = (o: Partial<typeof first>) => ({
      ...openings,
      openings: [{ ...first, ...o }, openings.openings[1]!],
    });
    const longProof = Array.from({ length: MAX_PROOF_HASHES + 1 }, () => new Uint8Array(32));
    await expectBothWays(
      withFirst({ startProof: longProof }),
      { openings: withFirst({ startProof: longProof }) },
      {
        code: "FRAME_ERROR_LIMIT",
        field: "openings.openings[0].startProof",
        limit: MAX_PROOF_HASHES,
        actual: MAX_PROOF_HASHES + 1,
      },
    );
    const shortHash = [new Uint8Array(32), new Uint8Array(31)];
    await expectBothWays(
      withFirst({ endProof: shortHash }),
      { openings: withFirst({ endProof: shortHash }) },
      {
        code: "FRAME_ERROR_LIMIT",
        field: "openings.openings[0].endProof[1]",
        limit: 32,
        actual: 31,
      },
    );
    const longHash = [new Uint8Array(33)];
    await expectBothWays(
      withFirst({ endProof: longHash }),
      { openings: withFirst({ endProof: longHash }) },
      {
        code: "FRAME_ERROR_LIMIT",
        field: "openings.openings[0].endProof[0]",
        limit: 32,
        actual: 33,
      },
    );
    await expectBothWays(
      withFirst({ segment: 4 }),
      { openings: withFirst({ segment: 4 }) },
      {
        code: "FRAME_ERROR_INVALID",
        field: "openings.openings[1]",
      },
    );
  });
});

describe("errorFrame", () => {
  it("always encodes: cuts code and message on character boundaries, fills an empty code", () => {
    const frame = errorFrame("", `${"€".repeat(400)}\ud800`);
    expect(frame.code).toBe("ERROR");
    expect(Buffer.byteLength(frame.message)).toBeLessThanOrEqual(1024);
    expect(frame.message).toBe("€".repeat(341));
    expect(decodeFrame(encodeFrame(frame))).toEqual(frame);
    const long = errorFrame("X".repeat(100), "fine");
    expect(long.code).toBe("X".repeat(64));
    expect(errorFrame("FRAME_ERROR_MALFORMED", "a\ud800b").message).toBe("a\ufffdb");
  });
});
