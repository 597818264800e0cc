/**
 * The command line of a `foldnet worker` started by a test or a benchmark: its coordinator,
 * threads, and its identity and spool kept in one folder of its own.
 * @module
 */
import { join } from "node:path";

/** Arguments after `bin/foldnet` for a worker of `threads` threads keeping its files in `dir`. */
export const workerArgs = (wsUrl: string, dir: string, threads: number): string[] => [
  "worker",
  "--coordinator",
  wsUrl,
  "--threads",
  String(threads),
  "--identity",
  join(dir, "identity.json"),
  "--spool",
  join(dir, "spool"),
];
