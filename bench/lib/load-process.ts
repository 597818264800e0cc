/**
 * The simulated workers of `bench:scale` in a process of their own, so that the load client's
 * CPU is neither the bench's nor hidden in it: `LoadProcess` forks this file (run as a script
 * it serves the parent over IPC) and asks it to connect workers spread over several
 * coordinators' URLs, run a closed loop or a paced load, and measure a window (load-fleet.ts).
 * The child says when each window starts and ends, so that the parent samples the
 * coordinators' and the database's counters over the same interval.
 * @module
 */
import { type ChildProcess, fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { DEFAULT_FLEET_OPTIONS, LoadFleet, type WindowFigures } from "./load-fleet.js";

/** A window's figures as they cross the process boundary (no latency samples, codes as an object). */
export type SentWindow = Omit<WindowFigures, "stats"> & {
  readonly stillBusy: number;
  readonly stats: {
    readonly results: number;
    readonly rejected: number;
    readonly errors: number;
    readonly noWork: number;
    readonly abandoned: number;
    readonly errorCodes: Record<string, number>;
  };
};

/** What connecting gave. */
export interface Ramped {
  readonly connected: number;
  readonly failed: number;
  readonly perSec: number;
  readonly lastError: string;
}

type Load = { mode: "closed"; active: number } | { mode: "paced"; perSecond: number };

type Request =
  | { op: "ramp"; n: number; urls: readonly string[] }
  | { op: "measure"; load: Load; seconds: number; warmup: number };

type Reply =
  | { op: "ramped"; ramped: Ramped }
  | { op: "edge"; edge: "start" | "end" }
  | { op: "window"; window: SentWindow }
  | { op: "failed"; message: string };

/** The parent's handle on the load process. */
export class LoadProcess {
  private readonly child: ChildProcess;
  private onEdge: (edge: "start" | "end") => void = () => undefined;
  private pending: { resolve: (r: Reply) => void; reject: (e: Error) => void } | undefined;

  constructor() {
    // the child inherits this process's loader flags (tsx), so it runs the TypeScript source
    this.child = fork(fileURLToPath(import.meta.url), ["--serve-load"], { stdio: "inherit" });
    this.child.on("message", (m: Reply) => {
      if (m.op === "edge") this.onEdge(m.edge);
      else if (m.op === "failed") this.settle().reject(new Error(m.message));
      else this.settle().resolve(m);
    });
    this.child.on("exit", (code) =>
      this.pending?.reject(new Error(`load process exited (${code})`)),
    );
    process.once("exit", this.killOnExit);
  }

  private readonly killOnExit = () => this.child.kill("SIGKILL");

  get pid(): number | undefined {
    return this.child.pid;
  }

  private settle() {
    const p = this.pending!;
    this.pending = undefined;
    return p;
  }

  private ask(req: Request): Promise<Reply> {
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      this.child.send(req);
    });
  }

  /** Connects workers until `n` are up, spread evenly over `urls` (WebSocket URLs). */
  async rampTo(n: number, urls: readonly string[]): Promise<Ramped> {
    return ((await this.ask({ op: "ramp", n, urls })) as { ramped: Ramped }).ramped;
  }

  /** Runs `load` for a warm-up and a window of `seconds`; `onEdge` hears the window's edges. */
  async measure(
    load: Load,
    seconds: number,
    warmup: number,
    onEdge: (edge: "start" | "end") => void,
  ): Promise<SentWindow> {
    this.onEdge = onEdge;
    const reply = await this.ask({ op: "measure", load, seconds, warmup });
    return (reply as { window: SentWindow }).window;
  }

  /** Closes every worker and ends the process. */
  async close(): Promise<void> {
    process.off("exit", this.killOnExit);
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once("exit", () => resolve()));
    this.child.kill("SIGTERM");
    await exited;
  }
}

/** The child's side: one fleet, answering the parent's requests one at a time. */
function serve(): void {
  const fleet = new LoadFleet({ ...DEFAULT_FLEET_OPTIONS, watchedPid: () => undefined });
  const send = (reply: Reply) => process.send?.(reply);
  process.on("SIGTERM", () => {
    fleet.close();
    process.exit(0);
  });
  process.on("disconnect", () => process.exit(0));
  process.on("message", (req: Request) => {
    void handle(fleet, req, send).catch((err: Error) =>
      send({ op: "failed", message: err.stack ?? String(err) }),
    );
  });
}

async function handle(fleet: LoadFleet, req: Request, send: (r: Reply) => void): Promise<void> {
  if (req.op === "ramp") {
    let failed = 0;
    let lastError = "";
    const start = performance.now();
    const before = fleet.alive;
    for (let i = 0; i < req.urls.length; i++) {
      const r = await fleet.rampTo(Math.round((req.n * (i + 1)) / req.urls.length), req.urls[i]!);
      failed += r.failed;
      if (r.lastError !== "") lastError = r.lastError;
    }
    const seconds = (performance.now() - start) / 1000;
    const perSec = Math.round((fleet.alive - before) / seconds);
    send({ op: "ramped", ramped: { connected: fleet.alive, failed, perSec, lastError } });
    return;
  }
  if (req.load.mode === "closed") fleet.hub.closedLoop(req.load.active);
  else fleet.hub.paced(req.load.perSecond);
  const { w, stillBusy } = await fleet.measureWindow(req.seconds, req.warmup, (edge) =>
    send({ op: "edge", edge }),
  );
  const { stats, ...rest } = w;
  send({
    op: "window",
    window: {
      ...rest,
      stillBusy,
      stats: {
        results: stats.results,
        rejected: stats.rejected,
        errors: stats.errors,
        noWork: stats.noWork,
        abandoned: stats.abandoned,
        errorCodes: Object.fromEntries(stats.errorCodes),
      },
    },
  });
}

if (process.argv.includes("--serve-load")) serve();
