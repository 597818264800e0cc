import { bytesToHex, hexToBytes } from "@noble/hashes/utils.js";
import { describe, expect, it } from "vitest";
import { decodeFrame, encodeFrame } from "../../protocol/wire.js";
import { loadVectors } from "./load.js";
import { SAMPLE_FRAMES } from "./protocol-samples.js";

/** test/vectors/frames.json: hex of encodeFrame(SAMPLE_FRAMES[kind]) for each kind. */
const golden = loadVectors<{ frames: Record<string, string> }>("frames.json");

describe("golden frame encodings (protocol version 1)", () => {
  it("has one golden frame for every kind", () => {
    expect(Object.keys(golden.frames).sort()).toEqual(Object.keys(SAMPLE_FRAMES).sort());
  });

  it.each(Object.entries(SAMPLE_FRAMES))(
    "%s encodes to its golden bytes and decodes back",
    (kind, frame) => {
      const hex = golden.frames[kind]!;
      expect(bytesToHex(encodeFrame(frame))).toBe(hex);
      expect(decodeFrame(hexToBytes(hex))).toEqual(frame);
    },
  );
});
