import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ByteReader } from "../../../common/byte-reader.js";

class Truncated extends Error {
  constructor(
    readonly field: string,
    readonly need: number,
    readonly left: number,
  ) {
    super(field);
  }
}

const reader = (bytes: Uint8Array) =>
  new ByteReader(bytes, {
    truncated: (field, need, left) => new Truncated(field, need, left),
    unsafe: (field) => new RangeError(field),
    trailing: (count) => new RangeError(`trailing ${count}`),
  });

describe("ByteReader", () => {
  it("reads little-endian fields in order and views without copying", () => {
    const bytes = Uint8Array.from([
      1, 2, 3, 4, 5, 6, 7, 8, 9, 0xff, 0xfe, 0xff, 0xff, 0xff, 1, 0, 0, 0, 0, 0, 0, 0x80,
    ]);
    const r = reader(bytes.subarray(1));
    expect(r.u8("a")).toBe(2);
    expect(r.u16("b")).toBe(0x0403);
    expect(r.u32("c")).toBe(0x08070605);
    const view = r.take(2, "d");
    expect([...view]).toEqual([9, 0xff]);
    expect(view.buffer).toBe(bytes.buffer);
    expect(r.i32("e")).toBe(-2);
    expect(r.u64("f")).toBe(0x8000_0000_0000_0001n);
    expect(r.remaining).toBe(0);
    r.end();
    expect(() => reader(new Uint8Array(3)).end()).toThrow("trailing 3");
  });

  it("reads a u64 as a number only when it is a safe integer", () => {
    const safe = new Uint8Array(8);
    new DataView(safe.buffer).setBigUint64(0, BigInt(Number.MAX_SAFE_INTEGER), true);
    expect(reader(safe).u64Number("n")).toBe(Number.MAX_SAFE_INTEGER);
    safe[6] = 0x20; // 2^53
    expect(() => reader(safe).u64Number("n")).toThrow(RangeError);
  });

  it("raises its owner's error, naming the field, for any read past the end", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 12 }), fc.integer({ min: 1, max: 16 }), (b, n) => {
        const r = reader(b);
        if (n <= b.length) expect(r.take(n, "f").length).toBe(n);
        else {
          let thrown: unknown;
          try {
            r.take(n, "f");
          } catch (err) {
            thrown = err;
          }
          expect(thrown).toBeInstanceOf(Truncated);
          expect(thrown).toMatchObject({ field: "f", need: n, left: b.length });
          expect(r.offset).toBe(0); // nothing was consumed
        }
      }),
    );
  });
});
