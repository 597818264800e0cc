/**
 * `foldnet stats`: the coordinator's standings (keys and teams by tokens earned), printed, or
 * saved with `--out-dir` as the day's export files for statistics sites:
 * `foldnet-stats-YYYY-MM-DD.json`, `…-keys.csv` and `…-teams.csv` (run it daily, e.g. from cron).
 * @module
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { formatTokens } from "../../common/tokens.js";
import { ApiClient, DEFAULT_COORDINATOR } from "../../coordinator/api-client.js";
import { type Command, integerOption, parseCommandArgs } from "../command.js";

interface Standing {
  key?: string;
  keyId?: string;
  team: string | null;
  members?: number;
  tokens: string;
  results: number;
  stepsVerified: number;
}

export const statsCommand: Command = {
  name: "stats",
  summary: "the network's standings by key and team, or the day's export files",
  help: `Usage: foldnet stats [--top N] [--out-dir DIR] [options]

Prints the top keys and teams by tokens earned (rewards and bounties), with their results and
verified steps. With --out-dir, writes the coordinator's full standings as the day's export
files instead (UTC date): foldnet-stats-YYYY-MM-DD.json (GET /api/stats), and
foldnet-stats-YYYY-MM-DD-keys.csv and -teams.csv (GET /api/stats/keys.csv, teams.csv).

Options:
  --top N            rows of each table (default 10)
  --out-dir DIR      write the export files into DIR (created if needed)
  --coordinator URL  the coordinator (default ${DEFAULT_COORDINATOR}, or FOLDNET_COORDINATOR)
  --json             print one JSON object
  -h, --help         this help
`,
  async run(argv) {
    const { values } = parseCommandArgs(argv, {
      top: { type: "string" },
      "out-dir": { type: "string" },
      coordinator: { type: "string" },
      json: { type: "boolean", default: false },
    });
    const client = new ApiClient(
      values.coordinator ?? process.env.FOLDNET_COORDINATOR ?? DEFAULT_COORDINATOR,
    );
    const stats = await client.call<{ generatedAt: number; keys: Standing[]; teams: Standing[] }>(
      "GET",
      "/api/stats",
    );
    const dir = values["out-dir"];
    if (dir !== undefined) {
      mkdirSync(dir, { recursive: true });
      const base = join(
        dir,
        `foldnet-stats-${new Date(stats.generatedAt).toISOString().slice(0, 10)}`,
      );
      const files = [`${base}.json`, `${base}-keys.csv`, `${base}-teams.csv`];
      writeFileSync(files[0]!, `${JSON.stringify(stats)}\n`);
      writeFileSync(files[1]!, await client.call<string>("GET", "/api/stats/keys.csv"));
      writeFileSync(files[2]!, await client.call<string>("GET", "/api/stats/teams.csv"));
      process.stdout.write(
        values.json ? `${JSON.stringify({ files })}\n` : `${files.join("\n")}\n`,
      );
      return 0;
    }
    const top = integerOption(values.top, "top", 10);
    const keys = stats.keys.slice(0, top);
    const teams = stats.teams.slice(0, top);
    if (values.json) {
      process.stdout.write(`${JSON.stringify({ generatedAt: stats.generatedAt, keys, teams })}\n`);
      return 0;
    }
    const row = (rank: number, name: string, s: Standing) =>
      `${String(rank).padStart(3)}  ${name.padEnd(24)} ${formatTokens(BigInt(s.tokens)).padStart(14)} tokens  ${String(s.results).padStart(6)} results  ${s.stepsVerified} steps\n`;
    process.stdout.write(
      `keys\n${keys.map((k, i) => row(i + 1, `${k.keyId}${k.team === null ? "" : ` (${k.team})`}`, k)).join("")}` +
        `teams\n${teams.map((t, i) => row(i + 1, `${t.team} (${t.members})`, t)).join("")}`,
    );
    return 0;
  },
};
