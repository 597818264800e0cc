/**
 * What the simulated workers of `bench:coordinator` share: the figures of a measuring window
 * and the `LoadHub`, which decides when an idle client asks for work (paused, closed loop or
 * paced at a total rate) and runs the clients' units one at a time on a queue, so that the
 * event loop reads frames between units and assignment latencies stay true to ± one unit.
 * @module
 */
import type { FrameOf } from "../../protocol/frames.js";
import type { LoadClient } from "./load-client.js";

/** Figures of one measuring window, shared by all clients of a hub. */
export interface LoadStats {
  /** Assignments received. */
  assignments: number;
  /** Accepted verdicts. */
  results: number;
  /** Rejected verdicts, by code. */
  rejected: number;
  noWork: number;
  /** Assignments dropped unrun because the hub was paused (their leases stay with the coordinator). */
  abandoned: number;
  /** Error frames, unexpected closes, failed units. */
  errors: number;
  readonly errorCodes: Map<string, number>;
  /** workRequests sent in this window. */
  requests: number;
  /** workRequest → assignment, ms, of requests sent in this window (whenever answered). */
  readonly latenciesMs: number[];
}

/** Empty figures. */
export function newStats(): LoadStats {
  return {
    assignments: 0,
    results: 0,
    rejected: 0,
    noWork: 0,
    abandoned: 0,
    errors: 0,
    errorCodes: new Map(),
    requests: 0,
    latenciesMs: [],
  };
}

/** Counts one error of `code` in `stats`. */
export function countError(stats: LoadStats, code: string): void {
  stats.errors++;
  stats.errorCodes.set(code, (stats.errorCodes.get(code) ?? 0) + 1);
}

/** When idle clients ask for work. */
type Mode = "paused" | "closed" | "paced";

/** Most request tokens a paced hub saves up while no client is idle (caps the burst after). */
const PACER_BURST = 2;
/** Period of the pacer's timer. */
const PACER_TICK_MS = 5;

/**
 * The clients' common state: the current window's figures, the mode, the queue of idle
 * clients (paused or paced) and the queue of units to run.
 */
export class LoadHub {
  /** The window being measured; `newWindow` swaps in a fresh one. */
  stats: LoadStats = newStats();
  private mode: Mode = "paused";
  private readonly idle = new Set<LoadClient>();
  /** The clients cycling in closed-loop mode. */
  private readonly looping = new Set<LoadClient>();
  private readonly units: { client: LoadClient; assignment: FrameOf<"assignment"> }[] = [];
  private draining = false;
  private pacer: NodeJS.Timeout | undefined;
  private tokens = 0;
  private pacedAt = 0;

  /** True when clients should drop new assignments instead of running them. */
  get paused(): boolean {
    return this.mode === "paused";
  }

  /** Clients waiting to ask for work. */
  get idleCount(): number {
    return this.idle.size;
  }

  /** Starts a new measuring window and returns it. */
  newWindow(): LoadStats {
    this.stats = newStats();
    return this.stats;
  }

  /** A client finished a cycle (or connected): it asks for work now or waits its turn. */
  ready(client: LoadClient): void {
    if (this.mode === "closed" && this.looping.has(client)) client.requestWork();
    else this.idle.add(client);
  }

  /** A client went away. */
  forget(client: LoadClient): void {
    this.idle.delete(client);
    this.looping.delete(client);
  }

  /** No new work: idle clients wait, queued units are dropped (their clients go idle). */
  pause(): void {
    this.mode = "paused";
    this.looping.clear();
    clearInterval(this.pacer);
    this.pacer = undefined;
    const dropped = this.units.splice(0);
    for (const { client } of dropped) client.abandon();
  }

  /**
   * Closed loop: `active` idle clients ask for work at once, and each asks again as soon as it
   * has its verdict; the other clients stay connected and idle.
   */
  closedLoop(active: number): void {
    this.pause();
    this.mode = "closed";
    for (const client of this.idle) {
      if (this.looping.size >= active) break;
      this.looping.add(client);
    }
    for (const client of this.looping) {
      this.idle.delete(client);
      client.requestWork();
    }
  }

  /** Paced: idle clients ask for work in turn, `perSecond` requests a second in all. */
  paced(perSecond: number): void {
    if (!(perSecond > 0)) throw new RangeError("perSecond must be positive");
    this.pause();
    this.mode = "paced";
    this.tokens = 1;
    this.pacedAt = performance.now();
    this.pacer = setInterval(() => {
      const now = performance.now();
      this.tokens = Math.min(PACER_BURST, this.tokens + ((now - this.pacedAt) / 1000) * perSecond);
      this.pacedAt = now;
      while (this.tokens >= 1 && this.idle.size > 0) {
        const client = this.idle.values().next().value as LoadClient;
        this.idle.delete(client);
        this.tokens -= 1;
        client.requestWork();
      }
    }, PACER_TICK_MS);
  }

  /** Queues a unit; units run one per event-loop turn, so frames are read in between. */
  enqueue(client: LoadClient, assignment: FrameOf<"assignment">): void {
    this.units.push({ client, assignment });
    if (!this.draining) {
      this.draining = true;
      setImmediate(() => this.runOne());
    }
  }

  private runOne(): void {
    const next = this.units.shift();
    if (next === undefined) {
      this.draining = false;
      return;
    }
    next.client.run(next.assignment);
    setImmediate(() => this.runOne());
  }
}
