/**
 * The layering of the source folders and a checker for it: which top-level folder may import
 * which (docs/design.md "Layers"), read from every TypeScript file's import and export
 * specifiers with TypeScript's own pre-processor, so comments and strings never count.
 * @module
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import ts from "typescript";

/** For each top-level folder, the other folders its files may import from. */
export const LAYERS: Readonly<Record<string, readonly string[]>> = {
  common: [],
  sim: ["common"],
  protocol: ["sim", "common"],
  ledger: ["sim", "protocol", "common"],
  worker: ["sim", "protocol", "common"],
  coordinator: ["sim", "protocol", "ledger", "common"],
  cli: ["common", "sim", "protocol", "ledger", "worker", "coordinator"],
  testkit: ["common", "sim", "protocol", "ledger", "worker", "coordinator"],
  bench: ["common", "sim", "protocol", "ledger", "worker", "coordinator", "testkit"],
  test: ["common", "sim", "protocol", "ledger", "worker", "coordinator", "cli", "testkit"],
};

/** One import that crosses the layers the wrong way. */
export interface Violation {
  /** File, relative to the root, with the line of the import: `worker/x.ts:12`. */
  readonly at: string;
  readonly from: string;
  readonly to: string;
  readonly specifier: string;
}

function* typeScriptFiles(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === "node_modules" || entry.name.startsWith(".")) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* typeScriptFiles(path);
    else if (entry.name.endsWith(".ts")) yield path;
  }
}

function topFolder(root: string, path: string): string {
  return relative(root, path).split(sep)[0] ?? "";
}

/** Every import of every layered folder under `root` that its layer does not allow. */
export function findViolations(root: string): Violation[] {
  const violations: Violation[] = [];
  for (const folder of Object.keys(LAYERS)) {
    const allowed = new Set([folder, ...(LAYERS[folder] ?? [])]);
    let files: string[];
    try {
      files = [...typeScriptFiles(join(root, folder))];
    } catch {
      continue; // a folder the tree does not have
    }
    for (const file of files) {
      const text = readFileSync(file, "utf8");
      for (const ref of ts.preProcessFile(text, true, true).importedFiles) {
        if (!ref.fileName.startsWith(".")) continue; // packages and node: builtins
        const target = topFolder(root, resolve(dirname(file), ref.fileName));
        if (allowed.has(target) || !(target in LAYERS)) continue;
        const line = text.slice(0, ref.pos).split("\n").length;
        violations.push({
          at: `${relative(root, file)}:${line}`,
          from: folder,
          to: target,
          specifier: ref.fileName,
        });
      }
    }
  }
  return violations;
}
