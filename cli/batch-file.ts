/**
 * `foldnet job submit --file JOBS.jsonl`: reads one JSON job request per line (blank lines
 * skipped) and submits them as one batch. Lines that are not JSON, and the lines the
 * coordinator refuses, are reported together with their line numbers in the file.
 * @module
 */
import { readFileSync } from "node:fs";
import { FoldnetError } from "../common/errors.js";
import type { ApiClient } from "../coordinator/api-client.js";
import { UsageError } from "./command.js";

/** A line of the file the batch refused. */
interface LineError {
  readonly line: number;
  readonly field: string;
  readonly message: string;
}

/** The batch was refused: every bad line of the file, numbered as in the file. */
export class BatchFileError extends FoldnetError<{ code: "CLI_ERROR_BATCH"; errors: LineError[] }> {
  constructor(errors: LineError[]) {
    super(
      { code: "CLI_ERROR_BATCH", errors },
      `nothing was submitted:\n${errors.map((e) => `  line ${e.line}: ${e.field}: ${e.message}`).join("\n")}`,
    );
  }
}

/**
 * Submits the lines of `file` as one batch.
 * @throws {BatchFileError} listing every bad line; {UsageError} when the file cannot be read.
 */
export async function submitBatch(
  client: ApiClient,
  file: string,
): Promise<{ id: string; size: number; jobs: string[] }> {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new UsageError(`--file: ${(err as Error).message}`, "file");
  }
  const fileLines: number[] = [];
  const jobs: unknown[] = [];
  const errors: LineError[] = [];
  text.split("\n").forEach((raw, i) => {
    if (raw.trim() === "") return;
    try {
      jobs.push(JSON.parse(raw));
      fileLines.push(i + 1);
    } catch {
      errors.push({ line: i + 1, field: "line", message: "not a JSON object" });
    }
  });
  if (errors.length > 0) throw new BatchFileError(errors);
  try {
    return await client.call("POST", "/api/batches", { jobs });
  } catch (err) {
    const refused = err instanceof FoldnetError ? (err.type as { errors?: LineError[] }) : {};
    if (refused.errors === undefined) throw err;
    throw new BatchFileError(
      refused.errors.map((e) => ({ ...e, line: fileLines[e.line - 1] ?? e.line })),
    );
  }
}
