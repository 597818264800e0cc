/**
 * The spool directory's lock: one worker process per spool. Two workers on one spool would
 * run and commit the same assignments under one key; the lock makes the second refuse to
 * start with WORKER_ERROR_SPOOL_LOCKED instead. The lock is a file, `<spool>/lock`, created
 * exclusively and holding the owner's pid. A lock left by a process that no longer exists
 * (kill -9, power loss) is stale and taken over; so is one holding this process's own pid
 * that this process did not take (a restarted container often reuses its pid).
 * @module
 */
import { open, readFile, unlink } from "node:fs/promises";
import { join, resolve } from "node:path";
import { WorkerError } from "./errors.js";

/** Name of the lock file inside the spool directory. */
export const LOCK_FILE = "lock";

/** Spool directories locked by this process. */
const heldHere = new Set<string>();

/** True when a process with this pid exists (signal 0 probes without signalling). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Locks a spool directory (which must exist); resolves with the function that releases it.
 * @throws {WorkerError} WORKER_ERROR_SPOOL_LOCKED when another live worker holds it,
 * WORKER_ERROR_SPOOL_IO when the lock file cannot be written.
 */
export async function lockSpool(dir: string): Promise<() => Promise<void>> {
  const key = resolve(dir);
  const file = join(key, LOCK_FILE);
  const locked = (pid: number) =>
    new WorkerError(
      { code: "WORKER_ERROR_SPOOL_LOCKED", dir: key, pid },
      `the spool ${key} is in use by another worker (pid ${pid}); give each worker its own --spool`,
    );
  if (heldHere.has(key)) throw locked(process.pid);
  for (let attempt = 0; ; attempt++) {
    try {
      const fh = await open(file, "wx", 0o600);
      await fh.writeFile(`${process.pid}\n`);
      await fh.close();
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST" || attempt > 0) {
        throw new WorkerError(
          { code: "WORKER_ERROR_SPOOL_IO", file, op: "lock" },
          `cannot lock the spool: ${(err as Error).message}`,
        );
      }
    }
    const pid = Number.parseInt(await readFile(file, "utf8").catch(() => ""), 10);
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) throw locked(pid);
    await unlink(file).catch(() => {}); // stale: its owner is gone
  }
  heldHere.add(key);
  return async () => {
    heldHere.delete(key);
    await unlink(file).catch(() => {});
  };
}
