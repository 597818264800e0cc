/**
 * Real processes for network tests: a `foldnet coordinator` and `foldnet worker`s started
 * from the built executable on 127.0.0.1, their stderr logs collected, killable with any
 * signal; and a poller that waits for a condition of the coordinator's API with a deadline.
 * @module
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { workerArgs } from "../../testkit/worker-args.js";
import { FOLDNET_BIN } from "./cli.js";

/** A child process with its collected stderr. */
export interface Proc {
  readonly child: ChildProcess;
  /** stderr so far. */
  log(): string;
  /** Resolves with the exit code or signal when the process ends. */
  readonly exited: Promise<number | NodeJS.Signals>;
  kill(signal?: NodeJS.Signals): Promise<number | NodeJS.Signals>;
}

/** Starts `command` with its stderr collected (e.g. an installed `foldnet` executable). */
export function spawnLogged(command: string, args: string[]): Proc {
  const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  const exited = new Promise<number | NodeJS.Signals>((resolve) => {
    child.once("exit", (code, signal) => resolve(code ?? (signal as NodeJS.Signals)));
  });
  return {
    child,
    log: () => stderr,
    exited,
    async kill(signal: NodeJS.Signals = "SIGTERM") {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

const start = (args: string[]): Proc => spawnLogged(process.execPath, [FOLDNET_BIN, ...args]);

/** A free TCP port on 127.0.0.1 (so a restarted coordinator can take the same one). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A fresh temporary directory. */
export const tempDir = (prefix: string) => mkdtempSync(join(tmpdir(), `foldnet-${prefix}-`));

/** A running coordinator process and its addresses. */
export interface CoordinatorProc extends Proc {
  readonly url: string;
  readonly wsUrl: string;
}

/** Starts `foldnet coordinator` and waits for its listening line. */
export async function startCoordinator(
  db: string,
  port: number,
  apiKey: string,
  extra: string[] = [],
): Promise<CoordinatorProc> {
  const proc = start([
    "coordinator",
    "--host",
    "127.0.0.1",
    "--port",
    String(port),
    "--db",
    db,
    "--api-key",
    apiKey,
    ...extra,
  ]);
  const line = await new Promise<string>((resolve, reject) => {
    let out = "";
    proc.child.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
      const nl = out.indexOf("\n");
      if (nl >= 0) resolve(out.slice(0, nl));
    });
    void proc.exited.then((code) =>
      reject(new Error(`coordinator exited (${code}) before listening:\n${proc.log()}`)),
    );
  });
  const { url, wsUrl } = JSON.parse(line) as { url: string; wsUrl: string };
  return { ...proc, url, wsUrl };
}

/** Starts `foldnet worker` with its own identity and spool under `dir` (and `extra` options). */
export function startWorker(wsUrl: string, dir: string, threads = 1, extra: string[] = []): Proc {
  return start([...workerArgs(wsUrl, dir, threads), "--log-level", "info", ...extra]);
}

/** Polls `probe` every `intervalMs` until it returns a value, or fails after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 60_000,
  intervalMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Unit ids a worker's log says were acknowledged (accepted verdicts). */
export function acknowledgedUnits(log: string): string[] {
  return [...log.matchAll(/result accepted (\{.*\})/g)].map(
    (m) => (JSON.parse(m[1] as string) as { unitId: string }).unitId,
  );
}
