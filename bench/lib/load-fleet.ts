/**
 * A fleet of simulated workers (bench/lib/load-client.ts) on one hub: opens connections in
 * batches, pauses the load until the watched coordinator has gone quiet, and measures windows
 * of assignments, results, assignment latency percentiles and CPU. Used by the coordinator
 * benchmarks.
 * @module
 */
import { monitorEventLoopDelay } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { type CpuFigures, cpuBetween, sampleCpu } from "./cpu-sample.js";
import { LoadClient } from "./load-client.js";
import { LoadHub, type LoadStats } from "./load-hub.js";
import { createLoadIdentity } from "./load-identity.js";

/** How the fleet connects and pauses. */
export interface FleetOptions {
  /** Handshakes in flight at once while ramping up. */
  readonly batch: number;
  readonly connectTimeoutMs: number;
  /** Longest wait for quiet after a pause. */
  readonly quiesceMs: number;
  readonly quietSampleMs: number;
  /** Under this share of a core, the watched process counts as quiet. */
  readonly quietPct: number;
  /** The process whose CPU is measured (the coordinator). */
  readonly watchedPid: () => number | undefined;
}

/** Defaults: 100 handshakes at a time, 15 s to connect, quiet under 20 % of a core for 0.2 s, at most 8 s. */
export const DEFAULT_FLEET_OPTIONS: Omit<FleetOptions, "watchedPid"> = {
  batch: 100,
  connectTimeoutMs: 15_000,
  quiesceMs: 8_000,
  quietSampleMs: 200,
  quietPct: 20,
};

/**
 * Clients per source address: under the coordinator's handshake burst per address (64,
 * worker-endpoint.ts), so that a ramp is not throttled as if one host opened thousands.
 */
const CLIENTS_PER_ADDRESS = 32;

/** The loopback source address of the k-th client (all of 127/8 is loopback on Linux). */
function sourceAddress(k: number): string {
  const host = Math.floor(k / CLIENTS_PER_ADDRESS) + 1;
  return `127.1.${Math.floor(host / 250)}.${(host % 250) + 1}`;
}

/** Figures of one measuring window. */
export interface WindowFigures {
  seconds: number;
  assignmentsPerSec: number;
  resultsPerSec: number;
  requestsPerSec: number;
  p50Ms: number | null;
  p99Ms: number | null;
  maxMs: number | null;
  latencySamples: number;
  /** Requests of the window still unanswered at the end, counted with their age then. */
  unanswered: number;
  clientLoopDelayP99Ms: number;
  stats: LoadStats;
  cpu: CpuFigures;
}

/** The p-th percentile of sorted values (nearest rank), or null for none. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

const round1 = (x: number | null) => (x === null ? null : Math.round(x * 10) / 10);

/** Simulated workers sharing one hub. */
export class LoadFleet {
  readonly hub = new LoadHub();
  readonly clients: LoadClient[] = [];
  private opened = 0;
  private readonly loopDelay = monitorEventLoopDelay({ resolution: 5 });

  constructor(private readonly opts: FleetOptions) {
    this.loopDelay.enable();
  }

  /** Clients still connected. */
  get alive(): number {
    return this.clients.filter((c) => c.alive).length;
  }

  /** Pauses the load and closes every client. */
  close(): void {
    this.hub.pause();
    for (const c of this.clients) c.close();
  }

  /** Opens connections until `n` are up (or have been tried), `batch` handshakes at a time. */
  async rampTo(
    n: number,
    wsUrl: string,
  ): Promise<{ failed: number; perSec: number; lastError: string }> {
    const start = performance.now();
    let toOpen = n - this.alive;
    let failed = 0;
    let lastError = "";
    const opened = toOpen;
    while (toOpen > 0) {
      const size = Math.min(this.opts.batch, toOpen);
      toOpen -= size;
      const settled = await Promise.allSettled(
        Array.from({ length: size }, () =>
          LoadClient.connect(
            wsUrl,
            createLoadIdentity(),
            this.hub,
            this.opts.connectTimeoutMs,
            sourceAddress(this.opened++),
          ),
        ),
      );
      for (const s of settled) {
        if (s.status === "fulfilled") this.clients.push(s.value);
        else {
          failed++;
          lastError = (s.reason as Error).message;
        }
      }
    }
    const seconds = (performance.now() - start) / 1000;
    return { failed, perSec: opened > 0 ? opened / seconds : 0, lastError };
  }

  /**
   * Pauses the load and waits, at most `quiesceMs`, until no cycle is in flight and the
   * watched process has gone quiet (under `quietPct` of a core over `quietSampleMs`: its
   * backlog of frames and replays is worked off). Returns the cycles still in flight.
   */
  async quiesce(): Promise<number> {
    this.hub.pause();
    const until = performance.now() + this.opts.quiesceMs;
    let last = sampleCpu(this.opts.watchedPid());
    for (;;) {
      await sleep(this.opts.quietSampleMs);
      const now = sampleCpu(this.opts.watchedPid());
      const busy = this.clients.filter((c) => c.busy).length;
      const coordinatorPct = cpuBetween(last, now).processCpuPct ?? 0;
      last = now;
      if ((busy === 0 && coordinatorPct < this.opts.quietPct) || performance.now() >= until)
        return busy;
    }
  }

  /**
   * Measures one window of `seconds` in the hub's current mode, then pauses and quiesces;
   * `onEdge` hears the window's start and end as they are sampled (another process's samples).
   */
  async measureWindow(
    seconds: number,
    warmupSeconds: number,
    onEdge: (edge: "start" | "end") => void = () => undefined,
  ): Promise<{ w: WindowFigures; stillBusy: number }> {
    this.hub.newWindow();
    await sleep(warmupSeconds * 1000);
    const stats = this.hub.newWindow();
    this.loopDelay.reset();
    const a = sampleCpu(this.opts.watchedPid());
    onEdge("start");
    await sleep(seconds * 1000);
    const b = sampleCpu(this.opts.watchedPid());
    onEdge("end");
    const clientLoopDelayP99Ms = this.loopDelay.percentile(99) / 1e6;
    this.hub.newWindow(); // arrivals after the window no longer count toward its rates
    const stillBusy = await this.quiesce();
    const now = performance.now();
    const latencies = [...stats.latenciesMs];
    let unanswered = 0;
    for (const c of this.clients) {
      const age = c.waitingSince(stats, now);
      if (age !== undefined) {
        latencies.push(age);
        unanswered++;
      }
    }
    latencies.sort((x, y) => x - y);
    const wall = (b.at - a.at) / 1000;
    const cpu = cpuBetween(a, b);
    return {
      w: {
        seconds: Math.round(wall * 10) / 10,
        assignmentsPerSec: Math.round((stats.assignments / wall) * 10) / 10,
        resultsPerSec: Math.round((stats.results / wall) * 10) / 10,
        requestsPerSec: Math.round((stats.requests / wall) * 10) / 10,
        p50Ms: round1(percentile(latencies, 50)),
        p99Ms: round1(percentile(latencies, 99)),
        maxMs: round1(latencies.at(-1) ?? null),
        latencySamples: latencies.length,
        unanswered,
        clientLoopDelayP99Ms: Math.round(clientLoopDelayP99Ms * 10) / 10,
        stats,
        cpu,
      },
      stillBusy,
    };
  }
}
