import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  authPayload,
  CanonicalReader,
  CanonicalWriter,
  resultCommitPayload,
  TAGS,
  transferPayload,
} from "../../../protocol/canonical.js";
import { expectFoldnetError } from "../../helpers/errors.js";
import { SAMPLE_FRAMES } from "../../vectors/protocol-samples.js";

/** One field of each primitive, as a writer call and the reader call that must return it. */
const field = fc.oneof(
  fc.nat(0xff).map((v) => ({
    v,
    w: (x: CanonicalWriter) => x.u8(v, "f"),
    r: (x: CanonicalReader) => x.u8("f"),
  })),
  fc.nat(0xffff).map((v) => ({
    v,
    w: (x: CanonicalWriter) => x.u16(v, "f"),
    r: (x: CanonicalReader) => x.u16("f"),
  })),
  fc.nat(0xffff_ffff).map((v) => ({
    v,
    w: (x: CanonicalWriter) => x.u32(v, "f"),
    r: (x: CanonicalReader) => x.u32("f"),
  })),
  fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }).map((v) => ({
    v,
    w: (x: CanonicalWriter) => x.i32(v, "f"),
    r: (x: CanonicalReader) => x.i32("f"),
  })),
  fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map((v) => ({
    v,
    w: (x: CanonicalWriter) => x.u64(v, "f"),
    r: (x: CanonicalReader) => x.u64("f"),
  })),
  fc.maxSafeNat().map((v) => ({
    v,
    w: (x: CanonicalWriter) => x.u64(v, "f"),
    r: (x: CanonicalReader) => x.u64Number("f"),
  })),
  fc.uint8Array({ maxLength: 70 }).map((v) => ({
    v,
    w: (x: CanonicalWriter) => x.bytes(v, "f", v.length),
    r: (x: CanonicalReader) => x.bytes(v.length, "f"),
  })),
  fc.uint8Array({ maxLength: 70 }).map((v) => ({
    v,
    w: (x: CanonicalWriter) => x.varBytes(v, "f"),
    r: (x: CanonicalReader) => x.varBytes(70, "f"),
  })),
  fc.string({ unit: "grapheme", maxLength: 20 }).map((v) => ({
    v,
    w: (x: CanonicalWriter) => x.string(v, "f"),
    r: (x: CanonicalReader) => x.string(200, "f"),
  })),
);

describe("CanonicalWriter and CanonicalReader", () => {
  it("read back any sequence of fields written, and nothing more", () => {
    fc.assert(
      fc.property(fc.array(field, { maxLength: 30 }), (fields) => {
        const writer = new CanonicalWriter(1).tag("foldnet/v1/test");
        for (const f of fields) f.w(writer);
        const reader = new CanonicalReader(writer.finish()).tag("foldnet/v1/test");
        for (const f of fields) expect(f.r(reader)).toEqual(f.v);
        expect(reader.remaining).toBe(0);
        reader.end();
      }),
    );
  });

  it("writes little-endian fixed widths, u32-prefixed bytes and UTF-8 strings", () => {
    const bytes = new CanonicalWriter()
      .tag("t")
      .u8(1, "a")
      .u16(0x0203, "b")
      .u32(0x04050607, "c")
      .i32(-2, "d")
      .u64(0x0102030405060708n, "e")
      .varBytes(Uint8Array.of(9), "f")
      .string("é", "g")
      .finish();
    expect(Array.from(bytes)).toEqual([
      0x74, 0, 1, 3, 2, 7, 6, 5, 4, 0xfe, 0xff, 0xff, 0xff, 8, 7, 6, 5, 4, 3, 2, 1, 1, 0, 0, 0, 9,
      2, 0, 0, 0, 0xc3, 0xa9,
    ]);
  });

  it("refuses values that do not fit, naming the field", () => {
    const w = new CanonicalWriter();
    expect(() => w.u8(256, "level")).toThrow(new RangeError("level must be an integer in 0…255"));
    expect(() => w.u16(-1, "x")).toThrow(RangeError);
    expect(() => w.u32(2 ** 32, "x")).toThrow(RangeError);
    expect(() => w.u32(1.5, "x")).toThrow(RangeError);
    expect(() => w.i32(2 ** 31, "x")).toThrow(RangeError);
    expect(() => w.u64(2n ** 64n, "x")).toThrow(RangeError);
    expect(() => w.u64(-1n, "x")).toThrow(RangeError);
    expect(() => w.u64(2 ** 53, "x")).toThrow(RangeError);
    expect(() => w.bytes(new Uint8Array(31), "key", 32)).toThrow(
      new RangeError("key must be 32 bytes, got 31"),
    );
    expect(() => w.bytes([1, 2] as unknown as Uint8Array, "key")).toThrow(TypeError);
    expect(() => w.string("\ud800", "name")).toThrow(
      new TypeError("name must be a well-formed string"),
    );
    expect(() => w.tag("with space")).toThrow(RangeError);
    expect(() => w.tag("")).toThrow(RangeError);
  });

  it("reports truncation, trailing bytes, a wrong tag, oversized lengths and bad UTF-8 with typed errors", async () => {
    const bytes = new CanonicalWriter().tag("foldnet/v1/a").u32(7, "n").string("hi", "s").finish();
    await expectFoldnetError(() => new CanonicalReader(bytes).tag("foldnet/v1/b"), {
      code: "CANONICAL_ERROR_BAD_TAG",
      expected: "foldnet/v1/b",
    });
    await expectFoldnetError(() => new CanonicalReader(bytes).tag("foldnet/v1"), {
      code: "CANONICAL_ERROR_BAD_TAG",
    });
    await expectFoldnetError(
      () => new CanonicalReader(bytes.subarray(0, 15)).tag("foldnet/v1/a").u32("n"),
      {
        code: "CANONICAL_ERROR_TRUNCATED",
        field: "n",
      },
    );
    const full = () => new CanonicalReader(bytes).tag("foldnet/v1/a");
    await expectFoldnetError(() => full().u32("n") && full().end(), {
      code: "CANONICAL_ERROR_TRAILING_BYTES",
      count: 10,
    });
    await expectFoldnetError(
      () => {
        const r = full();
        r.u32("n");
        r.string(1, "s");
      },
      { code: "CANONICAL_ERROR_LIMIT", field: "s", limit: 1, actual: 2 },
    );
    const bad = Uint8Array.from(bytes);
    bad[bad.length - 1] = 0xff;
    await expectFoldnetError(
      () => {
        const r = new CanonicalReader(bad).tag("foldnet/v1/a");
        r.u32("n");
        r.string(10, "s");
      },
      { code: "CANONICAL_ERROR_BAD_VALUE", field: "s" },
    );
    const huge = new CanonicalWriter().u64(2n ** 60n, "x").finish();
    await expectFoldnetError(() => new CanonicalReader(huge).u64Number("steps"), {
      code: "CANONICAL_ERROR_BAD_VALUE",
      field: "steps",
    });
  });

  it("refuses a claimed length larger than what is present before allocating it", async () => {
    const claim = new CanonicalWriter().u32(0xffff_fff0, "len").finish();
    await expectFoldnetError(() => new CanonicalReader(claim).varBytes(2 ** 32, "blob"), {
      code: "CANONICAL_ERROR_TRUNCATED",
      field: "blob",
    });
  });

  it("reads from a subarray of a larger buffer at the right offset", () => {
    const inner = new CanonicalWriter().u32(0xdeadbeef, "x").finish();
    const outer = new Uint8Array(10);
    outer.set(inner, 3);
    expect(new CanonicalReader(outer.subarray(3, 7)).u32("x")).toBe(0xdeadbeef);
  });
});

describe("signed payloads", () => {
  const key = (fill: number) => new Uint8Array(32).fill(fill);

  it("start with distinct domain tags, none a prefix of another", () => {
    const payloads = [
      authPayload(key(1), key(2), key(3)),
      resultCommitPayload(SAMPLE_FRAMES.resultCommit),
      transferPayload({ from: key(1), to: key(2), amount: 5n, nonce: 0n }, key(9)),
    ];
    const tags = Object.values(TAGS);
    payloads.forEach((p, i) => {
      expect(new CanonicalReader(p).tag(tags[i]!).remaining).toBeGreaterThan(0);
      for (const other of tags.filter((_, j) => j !== i)) {
        expect(() => new CanonicalReader(p).tag(other)).toThrow();
      }
    });
  });

  it("sign a worker's team under their own tag, with the team as its last field", () => {
    const plain = authPayload(key(1), key(2), key(3));
    const team = authPayload(key(1), key(2), key(3), "Folders");
    expect(authPayload(key(1), key(2), key(3), "")).toEqual(plain);
    const r = new CanonicalReader(team).tag(TAGS.teamAuth);
    expect([r.bytes(32, "n"), r.bytes(32, "c"), r.bytes(32, "w")]).toEqual([
      key(1),
      key(2),
      key(3),
    ]);
    expect(r.string(64, "team")).toBe("Folders");
    r.end();
    expect(() => new CanonicalReader(team).tag(TAGS.auth)).toThrow();
  });

  it("bind every field: changing any one changes the bytes", () => {
    const base = SAMPLE_FRAMES.resultCommit;
    const variants = [
      { ...base, assignmentId: new Uint8Array(16) },
      { ...base, unitId: "unit-8" },
      { ...base, bestFold: "RRUULLDL" },
      { ...base, bestEnergy: -3 },
      { ...base, steps: base.steps + 1 },
      { ...base, finalStateHash: key(0) },
      { ...base, merkleRoot: key(0) },
    ];
    const encoded = new Set(
      [base, ...variants].map((c) => Buffer.from(resultCommitPayload(c)).toString("hex")),
    );
    expect(encoded.size).toBe(variants.length + 1);
    // unit id and fold are length-prefixed: moving a letter between them changes the bytes
    const shifted = resultCommitPayload({ ...base, unitId: "unit-7R", bestFold: "RUULLDR" });
    expect(shifted).not.toEqual(resultCommitPayload(base));
  });

  it("refuse arguments of the wrong length or range, naming them", () => {
    expect(() => authPayload(new Uint8Array(31), key(2), key(3))).toThrow(
      new RangeError("nonce must be 32 bytes, got 31"),
    );
    expect(() => resultCommitPayload({ ...SAMPLE_FRAMES.resultCommit, steps: -1 })).toThrow(
      RangeError,
    );
    expect(() =>
      transferPayload({ from: key(1), to: key(2), amount: 2n ** 64n, nonce: 0n }, key(9)),
    ).toThrow(new RangeError("amount must be an integer in 0…2^64−1"));
  });
});
