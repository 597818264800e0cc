/**
 * The process-level policy of long-running commands for the unexpected: an exception or a
 * rejection that escaped every handler means a bug, and the process state can no longer be
 * trusted. It is logged as one `fatal` line and the process exits with EX_SOFTWARE (70), to
 * be restarted by its supervisor (ops/systemd/): every acknowledged result is already in the
 * store, so a restart loses nothing. Inputs never get here: each handler answers its own.
 * @module
 */
import type { Logger } from "../common/log.js";

/** Exit code of a process ended by an unexpected error (sysexits.h EX_SOFTWARE). */
export const EXIT_UNEXPECTED = 70;

/** Installs the policy for this process. */
export function installCrashPolicy(log: Logger, what: string): void {
  const fatal = (kind: string) => (err: unknown) => {
    log.error(`${what}: ${kind}; exiting for the supervisor to restart`, { err });
    process.exit(EXIT_UNEXPECTED);
  };
  process.on("uncaughtException", fatal("uncaught exception"));
  process.on("unhandledRejection", fatal("unhandled rejection"));
}
