/**
 * A `foldnet coordinator` for a benchmark: built from the working tree, started from dist/ in a
 * child process (so it has a core of its own) on 127.0.0.1 with a throwaway database, its
 * address read from its first stdout line, its log kept in the work directory, and stopped
 * (SIGTERM, then SIGKILL) when the benchmark ends, whatever happens.
 * @module
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { closeSync, existsSync, openSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { note } from "./report.js";

/** The repository's root. */
export const ROOT = fileURLToPath(new URL("../..", import.meta.url));
/** Every byte of a benchmark goes to loopback. */
export const BENCH_HOST = "127.0.0.1";
const STARTUP_TIMEOUT_MS = 30_000;

/**
 * Builds dist/ (`npm run build`) unless `--no-build` is among the arguments.
 * @throws {Error} when there is no dist/ to run.
 */
export function buildDist(): void {
  const main = join(ROOT, "dist", "cli", "main.js");
  if (process.argv.includes("--no-build")) {
    if (!existsSync(main)) throw new Error("dist/ is missing: run `npm run build` first");
    return;
  }
  note("building (npm run build)…");
  const r = spawnSync("npm", ["run", "--silent", "build"], {
    cwd: ROOT,
    stdio: ["ignore", 2, 2],
    timeout: 180_000,
  });
  if (r.status === 0) return;
  if (!existsSync(main)) throw new Error("`npm run build` failed and there is no dist/");
  note("`npm run build` failed: measuring the dist/ already there, which may be stale");
}

/** Where a started coordinator listens. */
export interface CoordinatorAddress {
  readonly url: string;
  readonly wsUrl: string;
}

/** How to start one. */
export interface CoordinatorProcessOptions {
  /** Folder of its log (`<name>.log`) and default database. */
  readonly workDir: string;
  readonly name: string;
  /** Arguments after `foldnet coordinator --host 127.0.0.1 --port 0`. */
  readonly args: readonly string[];
  /** Writes a V8 CPU profile into this folder when it stops. */
  readonly profileDir?: string;
  /** Called when it exits while not being stopped. */
  readonly onUnexpectedExit?: (code: number | string | null) => void;
}

/** One coordinator child process. */
export class CoordinatorProcess {
  private child: ChildProcess | undefined;
  private stopping = false;

  constructor(private readonly opts: CoordinatorProcessOptions) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get logFile(): string {
    return join(this.opts.workDir, `${this.opts.name}.log`);
  }

  /**
   * Starts it and waits for its address.
   * @throws {Error} when it exits or stays silent for 30 s, or listens elsewhere than loopback.
   */
  async start(): Promise<CoordinatorAddress> {
    const logFd = openSync(this.logFile, "w");
    const profile = this.opts.profileDir;
    const child = spawn(
      process.execPath,
      [
        ...(profile === undefined ? [] : ["--cpu-prof", `--cpu-prof-dir=${profile}`]),
        join(ROOT, "bin", "foldnet"),
        "coordinator",
        "--host",
        BENCH_HOST,
        "--port",
        "0",
        ...this.opts.args,
      ],
      { cwd: ROOT, stdio: ["ignore", "pipe", logFd] },
    );
    closeSync(logFd);
    this.child = child;
    const line = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`the coordinator did not start in ${STARTUP_TIMEOUT_MS} ms`)),
        STARTUP_TIMEOUT_MS,
      );
      createInterface({ input: child.stdout! }).once("line", (l) => {
        clearTimeout(timer);
        resolve(l);
      });
      child.once("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`the coordinator exited (${code}) before listening`));
      });
    });
    const address = JSON.parse(line) as CoordinatorAddress;
    if (
      new URL(address.url).hostname !== BENCH_HOST ||
      new URL(address.wsUrl).hostname !== BENCH_HOST
    )
      throw new Error(`the coordinator listens on ${address.url}, not on ${BENCH_HOST}`);
    child.once("exit", (code, signal) => {
      if (!this.stopping) this.opts.onUnexpectedExit?.(code ?? signal);
    });
    // Whatever happens, no coordinator outlives the bench (one listener per live child).
    const killer = () => this.kill("SIGKILL");
    process.once("exit", killer);
    child.once("exit", () => process.off("exit", killer));
    return address;
  }

  private readonly killOnExit = () => this.kill("SIGKILL");

  /** The last `lines` lines of its log. */
  logTail(lines: number): string {
    try {
      return readFileSync(this.logFile, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
    } catch {
      return "";
    }
  }

  /** Sends `signal` if it still runs. */
  kill(signal: NodeJS.Signals): void {
    const child = this.child;
    if (child !== undefined && child.exitCode === null && child.signalCode === null)
      child.kill(signal);
  }

  /** SIGTERM, then SIGKILL after 5 s; resolves when it has exited. */
  async stop(): Promise<void> {
    this.stopping = true;
    process.off("exit", this.killOnExit);
    const child = this.child;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
    await exited;
    clearTimeout(timer);
  }
}
