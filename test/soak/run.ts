/**
 * `npm run soak -- --minutes N [--workers W]`: a longer soak than CI's (test/soak/soak.ts),
 * printing its report as JSON; exits 1 when the books do not balance.
 * @module
 */
import { parseArgs } from "node:util";
import { runSoak } from "./soak.js";

const { values } = parseArgs({
  options: {
    minutes: { type: "string", default: "5" },
    workers: { type: "string", default: "2" },
  },
});
const minutes = Number(values.minutes);
const report = await runSoak({
  minutes,
  workers: Number(values.workers),
  coordinatorKills: Math.max(3, Math.round(minutes * 3)),
  workerKills: Math.max(2, Math.round(minutes * 2)),
  unitSteps: 1_048_576,
  concurrentJobs: 2,
  log: (line) => process.stderr.write(`${line}\n`),
});
process.stdout.write(
  `${JSON.stringify(report, (_k, v) => (typeof v === "bigint" ? v.toString() : v), 2)}\n`,
);
const balanced =
  report.integrity === "ok" &&
  report.lostAcknowledged.length === 0 &&
  report.workEntries === report.unitsVerified &&
  report.issued === report.rewards;
process.exitCode = balanced ? 0 : 1;
