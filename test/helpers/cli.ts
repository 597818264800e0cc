/**
 * Runs the built `bin/foldnet` as a child process (integration tier: needs `npm run build`).
 * @module
 */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";

/** Absolute path of the executable. */
export const FOLDNET_BIN = fileURLToPath(new URL("../../bin/foldnet", import.meta.url));

/** What a finished command printed and its exit code. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `foldnet ...args` to completion. */
export function runFoldnet(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [FOLDNET_BIN, ...args],
      { env: { ...process.env, ...env } },
      (err, stdout, stderr) => {
        const code = err === null ? 0 : typeof err.code === "number" ? err.code : 1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}
