/**
 * The SQLite side of what a job was made from, when that was not an HP sequence: the amino
 * acids and the hydrophobicity scale that mapped them (sim/hydrophobicity.ts), kept with the
 * job so its meaning never depends on a later default.
 * @module
 */
import type Database from "better-sqlite3";
import type { JobInput } from "../job-spec.js";
import type { Synchronous } from "./settled-store.js";
import type { JobInputStore } from "./store.js";

/** `JobInputStore` on an open better-sqlite3 connection. */
export class SqliteInputs implements Synchronous<JobInputStore> {
  constructor(private readonly db: Database.Database) {
    db.exec(
      "CREATE TABLE IF NOT EXISTS job_inputs (job_id TEXT PRIMARY KEY, amino_acids TEXT NOT NULL, scale TEXT NOT NULL)",
    );
  }

  setInput(jobId: string, input: JobInput): void {
    this.db
      .prepare("INSERT OR REPLACE INTO job_inputs (job_id, amino_acids, scale) VALUES (?, ?, ?)")
      .run(jobId, input.aminoAcids, input.scale);
  }

  input(jobId: string): JobInput | undefined {
    return this.db
      .prepare("SELECT amino_acids AS aminoAcids, scale FROM job_inputs WHERE job_id = ?")
      .get(jobId) as JobInput | undefined;
  }
}
