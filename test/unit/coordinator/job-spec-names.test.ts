import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseJobSpec } from "../../../coordinator/job-spec.js";
import { expectFoldnetError } from "../../helpers/errors.js";

const base = { sequence: "HPHPPHHPHPPH", steps: 4096 };

describe("job names", () => {
  it("refuse any control character or line break, wherever it is", async () => {
    const control = fc.oneof(
      fc.integer({ min: 0, max: 0x1f }),
      fc.integer({ min: 0x7f, max: 0x9f }),
      fc.constantFrom(0x2028, 0x2029),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.string({ maxLength: 40 }),
        control,
        fc.string({ maxLength: 40 }),
        async (a, c, b) => {
          const name = `${a}${String.fromCharCode(c)}${b}`.slice(0, 100);
          if (!name.includes(String.fromCharCode(c))) return;
          await expectFoldnetError(() => parseJobSpec({ ...base, name }), {
            code: "API_ERROR_BAD_REQUEST",
            field: "name",
          });
        },
      ),
    );
  });

  it("keep printable names, Unicode included", () => {
    for (const name of ["", "lysozyme run 3", "Faltung — größer", "蛋白质 #2"])
      expect(parseJobSpec({ ...base, name }).name).toBe(name);
  });
});
