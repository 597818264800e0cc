/**
 * Teams and standings: the team each worker key declared in its signed hello, and per-key
 * and per-team totals (tokens earned as rewards and bounties, results, verified steps, jobs
 * whose best fold the key found) computed from the results, bounties and jobs tables. The
 * SqliteStore delegates to it; the stats API and the daily export read it.
 * @module
 */
import type Database from "better-sqlite3";
import { keyId } from "../../protocol/identity.js";
import type { Synchronous } from "./settled-store.js";
import type { KeyStats, StatsLedger, TeamStats } from "./store.js";

const STATS_SCHEMA = `
CREATE TABLE IF NOT EXISTS teams (worker_key TEXT PRIMARY KEY, team TEXT NOT NULL, since INTEGER NOT NULL);
`;

type Row = Record<string, unknown>;

/** Teams and standings in SQLite. */
export class StatsStore implements Synchronous<StatsLedger> {
  constructor(private readonly db: Database.Database) {
    db.exec(STATS_SCHEMA);
  }

  setTeam(key: string, team: string, at: number): void {
    if (team === "") {
      this.db.prepare("DELETE FROM teams WHERE worker_key = ?").run(key);
      return;
    }
    this.db
      .prepare(
        `INSERT INTO teams (worker_key, team, since) VALUES (?, ?, ?)
           ON CONFLICT (worker_key) DO UPDATE SET team = excluded.team,
             since = CASE WHEN teams.team = excluded.team THEN teams.since ELSE excluded.since END`,
      )
      .run(key, team, at);
  }

  keyStats(): KeyStats[] {
    // Micro-token sums stay far below 2⁶³ (the supply is capped at 3.2 × 10¹² micro-tokens).
    const rows = this.db
      .prepare(
        `SELECT w.key, t.team,
            COALESCE((SELECT SUM(CAST(reward AS INTEGER)) FROM results r WHERE r.worker_key = w.key), 0) AS rewards,
            COALESCE((SELECT SUM(CAST(amount AS INTEGER)) FROM bounties b WHERE b.worker_key = w.key), 0) AS bounties,
            (SELECT COUNT(*) FROM results r WHERE r.worker_key = w.key) AS results,
            w.steps_verified,
            (SELECT COUNT(*) FROM jobs j JOIN results r ON r.unit_id = j.best_unit WHERE r.worker_key = w.key) AS job_bests,
            (SELECT MIN(best_energy) FROM results r WHERE r.worker_key = w.key) AS best_energy
         FROM workers w LEFT JOIN teams t ON t.worker_key = w.key`,
      )
      .safeIntegers(true)
      .all() as Row[];
    return rows
      .map((r) => ({
        key: r.key as string,
        keyId: keyId(Buffer.from(r.key as string, "hex")),
        team: (r.team as string | null) ?? null,
        tokens: (r.rewards as bigint) + (r.bounties as bigint),
        results: Number(r.results),
        stepsVerified: Number(r.steps_verified),
        jobBests: Number(r.job_bests),
        bestEnergy: r.best_energy === null ? null : Number(r.best_energy),
      }))
      .sort(byStanding);
  }

  teamStats(): TeamStats[] {
    const teams = new Map<string, TeamStats>();
    for (const k of this.keyStats()) {
      if (k.team === null) continue;
      const t = teams.get(k.team) ?? {
        team: k.team,
        members: 0,
        tokens: 0n,
        results: 0,
        stepsVerified: 0,
        jobBests: 0,
      };
      teams.set(k.team, {
        team: k.team,
        members: t.members + 1,
        tokens: t.tokens + k.tokens,
        results: t.results + k.results,
        stepsVerified: t.stepsVerified + k.stepsVerified,
        jobBests: t.jobBests + k.jobBests,
      });
    }
    return [...teams.values()].sort(byStanding);
  }
}

/** Most tokens first, then most verified steps, then by name: a total order. */
function byStanding<T extends { tokens: bigint; stepsVerified: number }>(a: T, b: T): number {
  if (a.tokens !== b.tokens) return a.tokens > b.tokens ? -1 : 1;
  if (a.stepsVerified !== b.stepsVerified) return b.stepsVerified - a.stepsVerified;
  const name = (x: T) =>
    String((x as { key?: string; team?: string }).key ?? (x as { team?: string }).team);
  return name(a).localeCompare(name(b));
}
