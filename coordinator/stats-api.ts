/**
 * Standings over HTTP, for the dashboard's leaderboard and for third-party statistics sites
 * (like BOINC's statistics exports): `GET /api/stats` (JSON: every key and team, best
 * first), `GET /api/stats/keys.csv` and `GET /api/stats/teams.csv` (RFC 4180, tokens in
 * micro-tokens, a rank column). `foldnet stats --out-dir` saves them as dated daily files.
 * @module
 */
import type { ServerResponse } from "node:http";
import { notFound, send } from "./http-util.js";
import type { Store } from "./store/store.js";

/** The standings as JSON (bigints become decimal strings when sent). */
export async function statsView(store: Store, at: number) {
  const [keys, teams] = await Promise.all([store.stats.keyStats(), store.stats.teamStats()]);
  return { generatedAt: at, keys, teams };
}

/** Columns of the two CSV files, in order. */
export const CSV_COLUMNS = {
  keys: [
    "rank",
    "key",
    "keyId",
    "team",
    "tokens",
    "results",
    "stepsVerified",
    "jobBests",
    "bestEnergy",
  ],
  teams: ["rank", "team", "members", "tokens", "results", "stepsVerified", "jobBests"],
} as const;

/** One CSV field: quoted when needed; a leading = + - @ is escaped so no spreadsheet runs it. */
function csvField(value: unknown): string {
  let text = value === null || value === undefined ? "" : String(value);
  if (typeof value === "string" && /^[=+\-@]/.test(text)) text = `'${text}`;
  return /[",\r\n']/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** Rows as CSV with a header line, ranked from 1. */
export function toCsv(rows: readonly object[], columns: readonly string[]): string {
  const lines = rows.map((row, i) => {
    const r = { ...row, rank: i + 1 } as Record<string, unknown>;
    return columns.map((c) => csvField(r[c])).join(",");
  });
  return `${[columns.join(","), ...lines].join("\r\n")}\r\n`;
}

/** Answers `GET /api/stats…`. @throws {ApiError} API_ERROR_NOT_FOUND for another path. */
export async function serveStats(
  store: Store,
  at: number,
  res: ServerResponse,
  path: string,
): Promise<void> {
  const csv = "text/csv; charset=utf-8";
  if (path === "/api/stats") send(res, 200, await statsView(store, at));
  else if (path === "/api/stats/keys.csv")
    send(res, 200, toCsv(await store.stats.keyStats(), CSV_COLUMNS.keys), csv);
  else if (path === "/api/stats/teams.csv")
    send(res, 200, toCsv(await store.stats.teamStats(), CSV_COLUMNS.teams), csv);
  else throw notFound(path);
}
