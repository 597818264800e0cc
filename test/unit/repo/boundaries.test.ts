import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { findViolations } from "../../helpers/import-graph.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");

describe("layer boundaries", () => {
  it("no folder imports one its layer does not allow", () => {
    const found = findViolations(ROOT).map(
      (v) => `${v.at}: ${v.from} must not import ${v.to} (${v.specifier})`,
    );
    expect(found).toEqual([]);
  });

  describe("the checker", () => {
    const tree = mkdtempSync(join(tmpdir(), "foldnet-layers-"));
    afterAll(() => rmSync(tree, { recursive: true, force: true }));
    const write = (path: string, text: string) => {
      mkdirSync(dirname(join(tree, path)), { recursive: true });
      writeFileSync(join(tree, path), text);
    };

    it("names the file and line of a bad import, and ignores comments and strings", () => {
      write("common/a.ts", "export const a = 1;\n");
      write(
        "sim/b.ts",
        [
          'import { a } from "../common/a.js";',
          '// import { w } from "../worker/w.js";',
          'const s = "../coordinator/c.js";',
          'export { w } from "../worker/w.js";',
          'import type { C } from "../coordinator/c.js";',
          "export const b = a + s.length;",
        ].join("\n"),
      );
      write("test/t.ts", 'import { b } from "../bench/x.js";\n');
      expect(findViolations(tree)).toEqual([
        { at: "sim/b.ts:4", from: "sim", to: "worker", specifier: "../worker/w.js" },
        { at: "sim/b.ts:5", from: "sim", to: "coordinator", specifier: "../coordinator/c.js" },
        { at: "test/t.ts:1", from: "test", to: "bench", specifier: "../bench/x.js" },
      ]);
    });
  });
});
