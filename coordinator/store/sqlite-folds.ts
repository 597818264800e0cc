/**
 * The SQLite side of a job's best distinct folds: the accepted results of its units, one row
 * per distinct fold string, lowest energy first (the earliest found first among equals).
 * @module
 */
import type Database from "better-sqlite3";
import type { Synchronous } from "./settled-store.js";
import type { FoldStore, RankedFold } from "./store.js";

/** `FoldStore` on an open better-sqlite3 connection. */
export class SqliteFolds implements Synchronous<FoldStore> {
  private readonly top: Database.Statement;

  constructor(db: Database.Database) {
    this.top = db.prepare(
      `SELECT r.best_fold AS fold, MIN(r.best_energy) AS energy, MIN(r.accepted_at) AS foundAt,
              COUNT(*) AS units
         FROM results r JOIN units u ON u.id = r.unit_id
        WHERE u.job_id = ?
        GROUP BY r.best_fold
        ORDER BY energy, foundAt, fold
        LIMIT ?`,
    );
  }

  topFolds(jobId: string, k: number): RankedFold[] {
    return this.top.all(jobId, k) as RankedFold[];
  }
}
