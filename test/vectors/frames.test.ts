import { bytesToHex, hexToBytes } from "@noble/hashes/utils.js";
import { describe, expect, it } from "vitest";
import { decodeFrame, encodeFrame } from "../../protocol/wire.js";
import { loadVectors } from "./load.js";
import { SAMPLE_FRAMES, VARIANT_FRAMES } from "./protocol-samples.js";

/**
 * test/vectors/frames.json: hex of encodeFrame(SAMPLE_FRAMES[kind]) for each kind, and of each
 * VARIANT_FRAMES entry under its name. A vector never changes: old peers rely on these bytes.
 */
const golden = loadVectors<{ frames: Record<string, string> }>("frames.json");

describe("golden frame encodings (protocol version 1)", () => {
  it("has one golden frame for every kind and every variant", () => {
    expect(Object.keys(golden.frames).sort()).toEqual(
      [...Object.keys(SAMPLE_FRAMES), ...Object.keys(VARIANT_FRAMES)].sort(),
    );
  });

  it.each([...Object.entries(SAMPLE_FRAMES), ...Object.entries(VARIANT_FRAMES)])(
    "%s encodes to its golden bytes and decodes back",
    (kind, frame) => {
      const hex = golden.frames[kind]!;
      expect(bytesToHex(encodeFrame(frame))).toBe(hex);
      expect(decodeFrame(hexToBytes(hex))).toEqual(frame);
    },
  );
});
