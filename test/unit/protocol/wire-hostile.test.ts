/**
 * Frames that are not version-1 frames of a known kind: other versions and kinds, malformed
 * and oversized bodies, lying length prefixes, invalid UTF-8, and values of the wrong
 * JavaScript type handed to encodeFrame.
 * @module
 */
import { concatBytes } from "@noble/hashes/utils.js";
import { describe, expect, it } from "vitest";
import type { Frame } from "../../../protocol/frames.js";
import { MAX_FRAME_BYTES } from "../../../protocol/limits.js";
import { decodeFrame, encodeFrame } from "../../../protocol/wire.js";
import { expectFoldnetError } from "../../helpers/errors.js";
import { SAMPLE_FRAMES } from "../../vectors/protocol-samples.js";
import { rawFrame } from "./arbitraries.js";

const { assignment, challenge, openings, hello } = SAMPLE_FRAMES;
const wireId = assignment.assignmentId;

describe("frames that are not version-1 frames of a known kind", () => {
  it("refuses another version before reading anything else, even a body it could not parse", async () => {
    await expectFoldnetError(() => decodeFrame(rawFrame({ version: 2, hello })), {
      code: "FRAME_ERROR_UNKNOWN_VERSION",
      version: 2,
    });
    // version 2 with a kind this schema has never heard of, holding bytes that are no Frame field
    await expectFoldnetError(
      () => decodeFrame(Uint8Array.of(0x08, 0x02, 0xfa, 0x01, 0x03, 0xff, 0xff, 0xff)),
      {
        code: "FRAME_ERROR_UNKNOWN_VERSION",
        version: 2,
      },
    );
    await expectFoldnetError(() => decodeFrame(rawFrame({ version: 0, hello })), {
      code: "FRAME_ERROR_UNKNOWN_VERSION",
      version: 0,
    });
    await expectFoldnetError(() => decodeFrame(new Uint8Array(0)), {
      code: "FRAME_ERROR_UNKNOWN_VERSION",
      version: 0,
    });
  });

  it("refuses a frame of no kind, or of a kind from a newer schema", async () => {
    await expectFoldnetError(() => decodeFrame(Uint8Array.of(0x08, 0x01)), {
      code: "FRAME_ERROR_UNKNOWN_KIND",
    });
    await expectFoldnetError(() => decodeFrame(Uint8Array.of(0x08, 0x01, 0xfa, 0x01, 0x00)), {
      code: "FRAME_ERROR_UNKNOWN_KIND",
    });
    await expectFoldnetError(() => encodeFrame({ kind: "bogus" } as unknown as Frame), {
      code: "FRAME_ERROR_UNKNOWN_KIND",
      kind: "bogus",
    });
    await expectFoldnetError(() => encodeFrame({ kind: "toString" } as unknown as Frame), {
      code: "FRAME_ERROR_UNKNOWN_KIND",
    });
    await expectFoldnetError(() => encodeFrame(null as unknown as Frame), {
      code: "FRAME_ERROR_UNKNOWN_KIND",
    });
  });

  it("skips unknown fields inside a known message (forward compatibility)", () => {
    const bytes = encodeFrame({ kind: "workRequest", slots: 3 });
    // Frame{version 1, workRequest{slots 3, field 9: "x"}}
    const extended = Uint8Array.of(0x08, 0x01, 0x32, 0x05, 0x08, 0x03, 0x4a, 0x01, 0x78);
    expect(decodeFrame(extended)).toEqual(decodeFrame(bytes));
  });

  it("names the structural fault of malformed frames", async () => {
    const good = encodeFrame(assignment);
    await expectFoldnetError(() => decodeFrame(good.subarray(0, good.length - 1)), {
      code: "FRAME_ERROR_MALFORMED",
      reason: "truncated",
    });
    // hello sent as a varint instead of a message
    await expectFoldnetError(() => decodeFrame(Uint8Array.of(0x08, 0x01, 0x10, 0x05)), {
      code: "FRAME_ERROR_MALFORMED",
      reason: "wire-type",
    });
    // slots (uint32) sent as a length-delimited field inside workRequest
    await expectFoldnetError(
      () => decodeFrame(Uint8Array.of(0x08, 0x01, 0x32, 0x03, 0x0a, 0x01, 0x00)),
      {
        code: "FRAME_ERROR_MALFORMED",
        reason: "wire-type",
      },
    );
    await expectFoldnetError(
      () => decodeFrame(Uint8Array.of(0x08, 0x01, 0x32, 0x02, 0x08, 0x01, 0x07)),
      {
        code: "FRAME_ERROR_MALFORMED",
        reason: "wire-type",
      },
    );
    await expectFoldnetError(() => decodeFrame(Uint8Array.of(0x08, 0x01, 0x32, 0x02, 0x00, 0x00)), {
      code: "FRAME_ERROR_MALFORMED",
      reason: "field-number",
    });
    const twoKinds = Uint8Array.of(...encodeFrame({ kind: "workRequest", slots: 1 }), 0x42, 0x00);
    await expectFoldnetError(() => decodeFrame(twoKinds), {
      code: "FRAME_ERROR_MALFORMED",
      reason: "multiple-kinds",
    });
    // a nested message claiming more bytes than its parent holds
    // an opening claiming 5 bytes in an openings message of 2 (the frame itself has them)
    const overrun = Uint8Array.of(0x08, 0x01, 0x62, 0x02, 0x12, 0x05, 0x00, 0x00, 0x00, 0x00, 0x00);
    await expectFoldnetError(() => decodeFrame(overrun), {
      code: "FRAME_ERROR_MALFORMED",
      reason: "truncated",
    });
  });

  it("refuses frames above MAX_FRAME_BYTES from their size alone", async () => {
    const huge = new Uint8Array(MAX_FRAME_BYTES + 1);
    await expectFoldnetError(() => decodeFrame(huge), {
      code: "FRAME_ERROR_TOO_LARGE",
      size: MAX_FRAME_BYTES + 1,
      limit: MAX_FRAME_BYTES,
    });
  });

  it("checks claimed lengths and counts before reading them", async () => {
    // startState claims 2³² − 1 bytes and holds 3: a limit error on the claim, nothing copied
    const claim = Uint8Array.of(
      0x08,
      0x01,
      0x3a,
      0x08,
      0x22,
      0xff,
      0xff,
      0xff,
      0xff,
      0x0f,
      0x01,
      0x02,
    );
    await expectFoldnetError(() => decodeFrame(claim), {
      code: "FRAME_ERROR_LIMIT",
      field: "assignment.startState",
      actual: 2 ** 32 - 1,
    });
    // an assignment message claiming 2³¹ bytes: truncated, found from the frame's length
    await expectFoldnetError(
      () => decodeFrame(Uint8Array.of(0x08, 0x01, 0x3a, 0x80, 0x80, 0x80, 0x80, 0x08)),
      {
        code: "FRAME_ERROR_MALFORMED",
        reason: "truncated",
      },
    );
    // 100,000 packed segments: refused at the 65th, before any array is built
    // Frame{version 1, challenge (100,022 bytes){assignmentId, segments packed (100,000 bytes)}}
    const packed = new Uint8Array(100_000).fill(0x01);
    const bytes = concatBytes(
      Uint8Array.of(0x08, 0x01, 0x5a, 0xb6, 0x8d, 0x06, 0x0a, 0x10),
      wireId,
      Uint8Array.of(0x12, 0xa0, 0x8d, 0x06),
      packed,
    );
    await expectFoldnetError(() => decodeFrame(bytes), {
      code: "FRAME_ERROR_LIMIT",
      field: "challenge.segments",
      limit: 64,
      actual: 65,
    });
  });

  it("decodes invalid UTF-8 as U+FFFD, never as a lone surrogate", () => {
    // workerId = ED A0 80, the UTF-8-like encoding of the surrogate U+D800
    const frame = decodeFrame(Uint8Array.of(0x08, 0x01, 0x2a, 0x05, 0x0a, 0x03, 0xed, 0xa0, 0x80));
    expect(frame).toEqual({ kind: "welcome", workerId: "\ufffd\ufffd\ufffd" });
  });
});

describe("encodeFrame refuses values of the wrong JavaScript type, naming the field", () => {
  it.each([
    ["hello.publicKey must be a Uint8Array", { ...hello, publicKey: Array.from(hello.publicKey) }],
    ["hello.threads must be an integer", { ...hello, threads: 1.5 }],
    ["hello.client must be a string", { ...hello, client: 7 }],
    ["verdict.reward must be a bigint", { ...SAMPLE_FRAMES.verdict, reward: 5 }],
    ["verdict.accepted must be a boolean", { ...SAMPLE_FRAMES.verdict, accepted: "yes" }],
    ["challenge.segments must be an array", { ...challenge, segments: "1,2" }],
    ["openings.openings[0] must be an object", { ...openings, openings: [null] }],
  ])("%s", (message, frame) => {
    expect(() => encodeFrame(frame as unknown as Frame)).toThrow(new TypeError(message));
  });
});
