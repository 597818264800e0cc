/**
 * What `foldnet job submit` folds: `--seq` as H/P letters, or as amino acids when it has any
 * other letter (an all-H/P string is read as HP); `--fasta FILE` as one job per record, named
 * by its header. Amino acids are mapped to H/P by the coordinator (sim/hydrophobicity.ts),
 * which stores the mapping with the job.
 * @module
 */
import { readFileSync } from "node:fs";
import { parseFasta } from "../sim/hydrophobicity.js";
import { UsageError } from "./command.js";

/** The sequence fields of a job request for `--seq` (under `mj` always the sequence itself). */
export const sequenceFields = (seq: string, model = "hp"): Record<string, string> =>
  model !== "hp" || /^[HP]+$/i.test(seq) ? { sequence: seq } : { aminoAcids: seq };

/**
 * The records of a FASTA file as sequence fields and names.
 * @throws {UsageError} when the file cannot be read or holds no sequence.
 */
export function fastaJobs(file: string): { name: string; aminoAcids: string }[] {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new UsageError(`--fasta: ${(err as Error).message}`, "fasta");
  }
  const records = parseFasta(text).filter((r) => r.sequence !== "");
  if (records.length === 0) throw new UsageError(`--fasta: no sequence in ${file}`, "fasta");
  return records.map((r) => ({ name: r.name.slice(0, 100), aminoAcids: r.sequence }));
}
