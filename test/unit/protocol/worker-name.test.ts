import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MAX_WORKER_NAME_BYTES } from "../../../protocol/limits.js";
import { sanitizeWorkerName } from "../../../protocol/worker-name.js";

describe("sanitizeWorkerName", () => {
  it("keeps a plain name, folds whitespace and trims", () => {
    expect(sanitizeWorkerName("kitchen pc")).toBe("kitchen pc");
    expect(sanitizeWorkerName("  lab\t\tbox\n 3  ")).toBe("lab box 3");
    expect(sanitizeWorkerName("Ümlaut 研究室 🧬")).toBe("Ümlaut 研究室 🧬");
  });

  it("drops controls, bidi overrides, zero-width and private-use characters", () => {
    expect(sanitizeWorkerName("a\u0000b\u001bc\u007fd\u0085")).toBe("abcd");
    expect(sanitizeWorkerName("evil\u202egnp.exe")).toBe("evilgnp.exe");
    expect(sanitizeWorkerName("zero\u200bwidth\ufeff\ue000")).toBe("zerowidth");
    expect(sanitizeWorkerName("\u2028\u2029")).toBe("");
  });

  it("normalises to NFC, after the characters it drops", () => {
    expect(sanitizeWorkerName("e\u0301")).toBe("\u00e9");
    expect(sanitizeWorkerName("e\u200b\u0301")).toBe("\u00e9");
    expect(sanitizeWorkerName("!\t\u0000\t¡")).toBe("! ¡");
  });

  it("cuts to MAX_WORKER_NAME_BYTES on a character boundary", () => {
    const name = sanitizeWorkerName("é".repeat(40));
    expect(Buffer.byteLength(name)).toBe(MAX_WORKER_NAME_BYTES);
    expect(name).toBe("é".repeat(32));
  });

  it("is idempotent and always within the limit, for any string", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: "binary", maxLength: 200 }),
          fc.string({
            unit: fc.constantFrom(" ", "\t", "\u0000", "\u200b", "e", "\u0301", "é"),
            maxLength: 80,
          }),
        ),
        (raw) => {
          const once = sanitizeWorkerName(raw);
          expect(Buffer.byteLength(once)).toBeLessThanOrEqual(MAX_WORKER_NAME_BYTES);
          expect(/[\p{Cc}\p{Cf}\p{Co}\p{Cs}]/u.test(once)).toBe(false);
          expect(once).toBe(once.trim());
          expect(sanitizeWorkerName(once)).toBe(once);
        },
      ),
      { numRuns: 2_000 },
    );
  });
});
