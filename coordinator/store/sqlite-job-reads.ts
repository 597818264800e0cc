/**
 * The read side of the SQLite store's jobs: a job, the newest jobs, a job's units with their
 * results, its best-energy history and its accepted final states, a result by assignment.
 * Over the workers' part; sqlite-store.ts adds the writes (jobs, leases, acceptance).
 * @module
 */
import {
  acceptedStateFromRow,
  jobFromRow,
  type Row,
  resultFromRow,
  unitFromRow,
} from "./sqlite-rows.js";
import { SqliteWorkerStore } from "./sqlite-worker-store.js";
import type { AcceptedState, JobRecord, Page, ResultRecord, UnitRecord } from "./store.js";

/** Reads of jobs, units and results. */
export class SqliteJobReads extends SqliteWorkerStore {
  getJob(id: string): JobRecord | undefined {
    const row = this.prepare("SELECT * FROM jobs WHERE id = ?").get(id) as Row | undefined;
    return row === undefined ? undefined : jobFromRow(row);
  }

  listJobs(limit: number): JobRecord[] {
    return (
      this.prepare("SELECT * FROM jobs ORDER BY created_at DESC, id LIMIT ?").all(limit) as Row[]
    ).map(jobFromRow);
  }

  listUnits(jobId: string, page?: Page): (UnitRecord & { result: ResultRecord | null })[] {
    const rows = this.prepare(
      "SELECT * FROM units WHERE job_id = ? ORDER BY trajectory, generation LIMIT ? OFFSET ?",
    ).all(jobId, page?.limit ?? -1, page?.offset ?? 0) as Row[];
    const result = this.prepare("SELECT * FROM results WHERE unit_id = ?");
    return rows.map((r) => {
      const res = result.get(r.id) as Row | undefined;
      return { ...unitFromRow(r), result: res === undefined ? null : resultFromRow(res) };
    });
  }

  energyHistory(jobId: string, limit: number): { acceptedAt: number; bestEnergy: number }[] {
    const rows = this.prepare(
      `SELECT accepted_at AS acceptedAt, best_energy AS bestEnergy FROM (
         SELECT r.accepted_at, r.best_energy, MIN(r.best_energy) OVER (
           ORDER BY r.accepted_at ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS before
         FROM results r JOIN units u ON u.id = r.unit_id WHERE u.job_id = ?)
       WHERE before IS NULL OR best_energy < before ORDER BY accepted_at DESC LIMIT ?`,
    ).all(jobId, limit) as { acceptedAt: number; bestEnergy: number }[];
    return rows.reverse();
  }

  acceptedStates(jobId: string, fromGeneration: number, toGeneration: number): AcceptedState[] {
    return (
      this.prepare(
        `SELECT u.id, u.trajectory, u.generation, r.final_state, r.job_seq FROM results r
           JOIN units u ON u.id = r.unit_id WHERE u.job_id = ? AND u.generation BETWEEN ? AND ?`,
      ).all(jobId, fromGeneration, toGeneration) as Row[]
    ).map(acceptedStateFromRow);
  }

  getResultByAssignment(assignmentId: string): ResultRecord | undefined {
    const row = this.prepare("SELECT * FROM results WHERE assignment_id = ?").get(assignmentId) as
      | Row
      | undefined;
    return row === undefined ? undefined : resultFromRow(row);
  }
}
