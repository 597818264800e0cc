/**
 * A throwaway PostgreSQL server for tests and benchmarks: `initdb` into a temporary directory,
 * `postgres` on a free port on 127.0.0.1 (and a Unix socket in that directory), run as an
 * unprivileged user (`postgres` when this process is root: the server refuses to run as root),
 * one database created, and everything removed on `destroy()`. Nothing relies on a server that
 * was already running. Needs Debian's `postgresql` package (`npm test` installs it).
 * @module
 */
import { type ChildProcess, execFileSync, spawn, spawnSync } from "node:child_process";
import {
  chownSync,
  closeSync,
  existsSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readlinkSync,
  rmSync,
} from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import pg from "pg";

/** Where Debian installs the server's programs, newest major version first. */
function serverBinDir(): string {
  const root = "/usr/lib/postgresql";
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => existsSync(join(root, v, "bin", "initdb")))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions[0] === undefined) {
    throw new Error(
      "this test needs a PostgreSQL server: apt-get install postgresql (npm test does: test/system-deps.sh)",
    );
  }
  return join(root, versions[0], "bin");
}

/** A free TCP port on 127.0.0.1 (free when asked; the server binds it right after). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

/** The user the server runs as: ourselves, or `postgres` when we are root. */
function serverUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const uid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim());
  const gid = Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim());
  return { uid, gid };
}

/** Options of a throwaway cluster. */
export interface PgClusterOptions {
  /** Name of the database created in it; default "foldnet". */
  readonly database?: string;
  /**
   * `fsync = off` (default true): much faster, and safe for tests that never crash the
   * machine (a killed server still recovers from its WAL); false for durability checks.
   */
  readonly fast?: boolean;
}

/** A running throwaway cluster. */
export class PgCluster {
  private child: ChildProcess | undefined;

  private constructor(
    readonly dataDir: string,
    readonly port: number,
    private readonly bin: string,
    private readonly user: { uid: number; gid: number } | undefined,
    private readonly settings: readonly string[],
    /** Connection URL of the created database. */
    readonly url: string,
  ) {}

  /**
   * Creates, starts and opens a cluster with one database.
   * @throws {Error} when PostgreSQL is not installed or does not start within 30 s.
   */
  static async create(opts: PgClusterOptions = {}): Promise<PgCluster> {
    const bin = serverBinDir();
    const user = serverUser();
    const parent = mkdtempSync(join(tmpdir(), "foldnet-pg-"));
    const dataDir = join(parent, "data");
    if (user !== undefined) chownSync(parent, user.uid, user.gid);
    execFileSync(
      join(bin, "initdb"),
      ["-D", dataDir, "-U", "foldnet", "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync"],
      { ...user, stdio: "ignore" },
    );
    const port = await freePort();
    const database = opts.database ?? "foldnet";
    const settings = [
      "-c",
      "listen_addresses=127.0.0.1",
      "-c",
      `unix_socket_directories=${parent}`,
      "-c",
      "max_connections=200",
      ...(opts.fast === false ? [] : ["-c", "fsync=off", "-c", "synchronous_commit=off"]),
    ];
    const cluster = new PgCluster(
      dataDir,
      port,
      bin,
      user,
      settings,
      `postgres://foldnet@127.0.0.1:${port}/${database}`,
    );
    await cluster.start();
    const admin = new pg.Client({ host: "127.0.0.1", port, user: "foldnet", database: "postgres" });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${database}`);
    await admin.end();
    return cluster;
  }

  /** True while the server process runs. */
  get running(): boolean {
    return (
      this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null
    );
  }

  /**
   * Starts the server (again) on the same port and data, and waits until it accepts queries.
   * @throws {Error} when it exits or is not ready within 30 s.
   */
  async start(): Promise<void> {
    if (this.running) return;
    const log = openSync(join(this.dataDir, "..", "server.log"), "a");
    this.child = spawn(
      join(this.bin, "postgres"),
      ["-D", this.dataDir, "-p", String(this.port), ...this.settings],
      { ...this.user, stdio: ["ignore", log, log] },
    );
    closeSync(log);
    const until = Date.now() + 30_000;
    for (;;) {
      if (!this.running)
        throw new Error(`postgres exited at start; see ${this.dataDir}/../server.log`);
      const probe = new pg.Client({
        host: "127.0.0.1",
        port: this.port,
        user: "foldnet",
        database: "postgres",
        connectionTimeoutMillis: 1_000,
      });
      try {
        await probe.connect();
        await probe.end();
        return;
      } catch {
        await probe.end().catch(() => undefined);
        if (Date.now() > until) throw new Error("postgres was not ready within 30 s");
        await sleep(100);
      }
    }
  }

  /**
   * Stops the server: `fast` (SIGINT: clients are cut, a clean shutdown) or `kill`
   * (SIGKILL: as a crash; the next start recovers from the WAL).
   */
  async stop(mode: "fast" | "kill" = "fast"): Promise<void> {
    const child = this.child;
    if (child === undefined || !this.running) return;
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.kill(mode === "kill" ? "SIGKILL" : "SIGINT");
    await exited;
    // A killed postmaster leaves its backends to notice and exit; a new one cannot start
    // while they hold the data directory.
    if (mode === "kill") await this.waitForBackendsToExit();
  }

  private async waitForBackendsToExit(): Promise<void> {
    const until = Date.now() + 10_000;
    while (Date.now() < until) {
      const r = spawnSync("pgrep", ["-f", `postgres: .*`], { encoding: "utf8" });
      const pids = (r.stdout ?? "").split("\n").filter(Boolean);
      const ours = pids.filter((pid) => {
        try {
          return readlinkSync(`/proc/${pid}/cwd`) === this.dataDir;
        } catch {
          return false;
        }
      });
      if (ours.length === 0) return;
      await sleep(50);
    }
  }

  /** Stops the server and removes its files. */
  async destroy(): Promise<void> {
    await this.stop("fast");
    rmSync(join(this.dataDir, ".."), { recursive: true, force: true });
  }
}
