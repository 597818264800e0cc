/**
 * Teams and standings on PostgreSQL, as stats-store.ts: the team each worker key declared,
 * and per-key totals (tokens earned as rewards and bounties, results, verified steps, jobs
 * whose best fold the key found) computed from the shared results, bounties and jobs, so
 * every coordinator shows the whole network's standings. Totals and their order (most tokens,
 * then most verified steps, then by name) are computed in SQL.
 * @module
 */
import { keyId } from "../../../protocol/identity.js";
import type { KeyStats, StatsLedger, TeamStats } from "../store.js";
import type { PgDatabase } from "./pg-database.js";
import { num } from "./pg-rows.js";

/** Every worker key with its team and totals (micro-token sums stay far below 2⁶³). */
const KEY_TOTALS = `
SELECT w.key, t.team, w.steps_verified,
   COALESCE((SELECT SUM(reward) FROM results r WHERE r.worker_key = w.key), 0)
     + COALESCE((SELECT SUM(amount) FROM bounties b WHERE b.worker_key = w.key), 0) AS tokens,
   (SELECT COUNT(*) FROM results r WHERE r.worker_key = w.key) AS results,
   (SELECT COUNT(*) FROM jobs j JOIN results r ON r.unit_id = j.best_unit WHERE r.worker_key = w.key) AS job_bests,
   (SELECT MIN(best_energy) FROM results r WHERE r.worker_key = w.key) AS best_energy
 FROM workers w LEFT JOIN teams t ON t.worker_key = w.key`;

/** Teams and standings in PostgreSQL. */
export class PgStats implements StatsLedger {
  constructor(private readonly db: PgDatabase) {}

  setTeam(key: string, team: string, at: number): Promise<void> {
    return this.db.read(async (sql) => {
      if (team === "") {
        await sql.run("DELETE FROM teams WHERE worker_key = $1", [key]);
        return;
      }
      await sql.run(
        `INSERT INTO teams (worker_key, team, since) VALUES ($1, $2, $3)
           ON CONFLICT (worker_key) DO UPDATE SET team = excluded.team,
             since = CASE WHEN teams.team = excluded.team THEN teams.since ELSE excluded.since END`,
        [key, team, at],
      );
    });
  }

  keyStats(): Promise<KeyStats[]> {
    return this.db.read(async (sql) =>
      (
        await sql.rows(
          `SELECT * FROM (${KEY_TOTALS}) k ORDER BY tokens DESC, steps_verified DESC, key`,
        )
      ).map((r) => ({
        key: r.key as string,
        keyId: keyId(Buffer.from(r.key as string, "hex")),
        team: (r.team as string | null) ?? null,
        tokens: BigInt(r.tokens as string),
        results: num(r.results),
        stepsVerified: num(r.steps_verified),
        jobBests: num(r.job_bests),
        bestEnergy: r.best_energy === null ? null : num(r.best_energy),
      })),
    );
  }

  teamStats(): Promise<TeamStats[]> {
    return this.db.read(async (sql) =>
      (
        await sql.rows(
          `SELECT team, COUNT(*) AS members, SUM(tokens) AS tokens, SUM(results) AS results,
                  SUM(steps_verified) AS steps_verified, SUM(job_bests) AS job_bests
             FROM (${KEY_TOTALS}) k WHERE team IS NOT NULL
            GROUP BY team ORDER BY tokens DESC, steps_verified DESC, team`,
        )
      ).map((r) => ({
        team: r.team as string,
        members: num(r.members),
        tokens: BigInt(r.tokens as string),
        results: num(r.results),
        stepsVerified: num(r.steps_verified),
        jobBests: num(r.job_bests),
      })),
    );
  }
}
