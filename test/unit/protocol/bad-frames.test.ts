import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ProtocolError } from "../../../protocol/errors.js";
import { MAX_FRAME_BYTES } from "../../../protocol/limits.js";
import { decodeFrame, encodeFrame } from "../../../protocol/wire.js";
import { SAMPLE_LIST } from "../../vectors/protocol-samples.js";
import { anyFrame } from "./arbitraries.js";

const RUNS = 10_000;

/** Encoded valid frames: generated ones and the fixed samples. */
const valid = fc.oneof(anyFrame.map(encodeFrame), fc.constantFrom(...SAMPLE_LIST.map(encodeFrame)));

/** Bytes of a varint: huge lengths and counts, or an over-long (11-byte) encoding. */
const hugeVarint = fc.constantFrom(
  Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0x0f),
  Uint8Array.of(0x80, 0x80, 0x80, 0x80, 0x08),
  Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01),
  Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff),
);

function splice(bytes: Uint8Array, at: number, remove: number, insert: Uint8Array): Uint8Array {
  const start = at % (bytes.length + 1);
  const out = new Uint8Array(bytes.length - Math.min(remove, bytes.length - start) + insert.length);
  out.set(bytes.subarray(0, start));
  out.set(insert, start);
  out.set(bytes.subarray(start + remove), start + insert.length);
  return out;
}

/** Random and mutated frames: every way a peer (or the network) could garble one. */
const badFrame = fc.oneof(
  // random bytes, often starting like a version-1 frame
  fc.uint8Array({ maxLength: 300 }),
  fc.uint8Array({ maxLength: 300 }).map((b) => Uint8Array.of(0x08, 0x01, ...b)),
  // truncated
  fc.tuple(valid, fc.nat()).map(([b, n]) => b.subarray(0, n % Math.max(b.length, 1))),
  // 1…8 flipped bits
  fc.tuple(valid, fc.array(fc.nat(), { minLength: 1, maxLength: 8 })).map(([b, bits]) => {
    const out = Uint8Array.from(b);
    for (const bit of bits) out[(bit >> 3) % out.length]! ^= 1 << (bit & 7);
    return out;
  }),
  // bytes overwritten: wire types and tags change
  fc
    .tuple(valid, fc.array(fc.tuple(fc.nat(), fc.nat(255)), { minLength: 1, maxLength: 4 }))
    .map(([b, sets]) => {
      const out = Uint8Array.from(b);
      for (const [at, value] of sets) out[at % out.length] = value;
      return out;
    }),
  // a huge varint spliced over a length, count or value
  fc
    .tuple(valid, fc.nat(), fc.nat(3), hugeVarint)
    .map(([b, at, remove, v]) => splice(b, at, remove, v)),
  // random bytes inserted or appended
  fc
    .tuple(valid, fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 40 }))
    .map(([b, at, x]) => splice(b, at, 0, x)),
  // two frames run together: duplicated kinds and fields
  fc.tuple(valid, valid).map(([a, b]) => Uint8Array.of(...a, ...b.subarray(2))),
  // another version
  fc
    .tuple(valid, fc.integer({ min: 2, max: 127 }))
    .map(([b, v]) => Uint8Array.of(0x08, v, ...b.subarray(2))),
  // oversized
  fc.nat(1000).map((extra) => new Uint8Array(MAX_FRAME_BYTES + 1 + extra)),
);

describe("decoding random and mutated frames", () => {
  it(`${RUNS} of them each decode to a valid frame or throw a ProtocolError with a FRAME_ERROR code`, () => {
    const outcomes = new Map<string, number>();
    fc.assert(
      fc.property(badFrame, (bytes) => {
        let outcome: string;
        try {
          const frame = decodeFrame(bytes);
          // valid: it passes every check again on the way out and back
          expect(decodeFrame(encodeFrame(frame))).toEqual(frame);
          outcome = "decoded";
        } catch (err) {
          expect(err).toBeInstanceOf(ProtocolError);
          outcome = (err as ProtocolError).code;
          expect(outcome).toMatch(/^FRAME_ERROR_/);
        }
        outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
      }),
      { numRuns: RUNS },
    );
    const total = [...outcomes.values()].reduce((a, b) => a + b, 0);
    expect(total).toBe(RUNS);
    for (const code of [
      "decoded",
      "FRAME_ERROR_MALFORMED",
      "FRAME_ERROR_LIMIT",
      "FRAME_ERROR_UNKNOWN_VERSION",
      "FRAME_ERROR_UNKNOWN_KIND",
      "FRAME_ERROR_TOO_LARGE",
    ]) {
      expect(outcomes.get(code), code).toBeGreaterThan(0);
    }
  });
});
