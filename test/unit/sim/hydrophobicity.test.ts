import { describe, expect, it } from "vitest";
import { KYTE_DOOLITTLE, parseFasta, toHP } from "../../../sim/hydrophobicity.js";
import { expectFoldnetError } from "../../helpers/errors.js";

describe("amino acids to HP", () => {
  it("maps the 20 standard amino acids by the sign of their Kyte-Doolittle hydropathy", () => {
    expect(Object.keys(KYTE_DOOLITTLE)).toHaveLength(20);
    expect(toHP("IVLFCMAGTSWYPHEQDNKR")).toBe("HHHHHHHPPPPPPPPPPPPP");
    expect(toHP("mkvl")).toBe("HPHH");
  });

  it("names the position of an unknown letter", async () => {
    await expectFoldnetError(() => toHP("MKXV"), {
      code: "SIM_ERROR_BAD_SEQUENCE",
      field: "aminoAcids",
      position: 2,
    });
    await expectFoldnetError(() => toHP("M"), { code: "SIM_ERROR_BAD_SEQUENCE" });
  });

  it("reads FASTA records with their headers, over several lines", () => {
    expect(parseFasta(">sp|P1 first\nMKV\nLLA*\n; comment\n>second\nGGA\n")).toEqual([
      { name: "sp|P1 first", sequence: "MKVLLA" },
      { name: "second", sequence: "GGA" },
    ]);
  });
});
