/**
 * The dashboard's live feed at `/api/events`: server-sent events, each a compact snapshot of
 * the network (jobs with progress, best fold and best-energy history; workers with their
 * verified throughput; store counts). Components call `changed()` when something happened
 * (a job submitted or cancelled, a result accepted or rejected, a worker connected or gone,
 * units reissued); snapshots go out at most every `minIntervalMs`, and at least every
 * `heartbeatMs` while anyone listens (so throughput figures stay fresh and proxies keep the
 * stream open). The feed reads everything from the store, so it survives restarts: the
 * energy history of a job is rebuilt from its accepted results (`acceptedAt`, `bestEnergy`).
 * @module
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressOf } from "./client-address.js";
import { jobView } from "./http-api.js";
import type { JobRecord, Store, StoreCounts, WorkerRecord } from "./store/store.js";

/** Tunables of the feed, with their reasons in docs/dashboard.md. */
export interface LiveFeedOptions {
  /** Least time between two pushed snapshots (throttle). */
  readonly minIntervalMs: number;
  /** A snapshot is pushed at least this often while clients listen. */
  readonly heartbeatMs: number;
  /** Most simultaneous event streams; more get HTTP 503. */
  readonly maxClients: number;
  /** Most simultaneous event streams of one address; more get HTTP 429. */
  readonly maxClientsPerAddress: number;
  /** Most jobs in a snapshot (the most recent ones). */
  readonly jobs: number;
  /** Most workers in a snapshot (connected first, then the most recently seen). */
  readonly workers: number;
  /** Window over which a worker's verified steps per second are measured. */
  readonly throughputWindowMs: number;
  /** A stream whose unsent output exceeds this is closed (a client that stopped reading). */
  readonly maxBufferedBytes: number;
}

/** Defaults: 2 snapshots/s at most, one every 5 s at least, 64 streams, 20 jobs, 100 workers. */
export const DEFAULT_LIVE_FEED_OPTIONS: LiveFeedOptions = {
  minIntervalMs: 500,
  heartbeatMs: 5_000,
  maxClients: 64,
  maxClientsPerAddress: 4,
  jobs: 20,
  workers: 100,
  throughputWindowMs: 60_000,
  maxBufferedBytes: 1 << 20,
};

/** Most points of a job's best-energy history in a snapshot (the most recent ones). */
const HISTORY_POINTS = 200;

/** Least span a throughput is divided by, so one unit just verified does not read as a spike. */
const MIN_RATE_SPAN_MS = 10_000;

/** What the feed reads. */
export interface LiveFeedDeps {
  readonly store: Pick<Store, "listJobs" | "listWorkers" | "energyHistory" | "counts">;
  /** Live figures of the endpoint. */
  readonly status: () => {
    readonly coordinatorKeyId: string;
    readonly connections: number;
    /** Authenticated worker keys (hex), one per connection. */
    readonly connectedWorkers: readonly string[];
  };
  /** Milliseconds since the epoch (injected for tests). */
  readonly now: () => number;
  /** Hears why a snapshot could not be read (the store is away). */
  readonly onError?: (error: unknown) => void;
  /** The client's address (behind a trusted load balancer, from X-Forwarded-For). */
  readonly addressOf: AddressOf;
}

/** A point of a job's best-energy history: [milliseconds since the epoch, energy]. */
export type HistoryPoint = readonly [at: number, energy: number];

/** A job in a snapshot: its public view and its best-energy history. */
export type JobSnapshot = Record<string, unknown> & {
  readonly id: string;
  readonly history: readonly HistoryPoint[];
};

/** A worker in a snapshot. */
export interface WorkerSnapshot {
  readonly keyId: string;
  /** The volunteer's name for the machine (`foldnet worker --name`, sanitised), "" for none. */
  readonly name: string;
  readonly connected: boolean;
  /** Connections this key has open. */
  readonly connections: number;
  readonly accepted: number;
  readonly rejected: number;
  readonly strikes: number;
  readonly banned: boolean;
  readonly stepsVerified: number;
  /** Verified steps per second over the throughput window. */
  readonly stepsPerSecond: number;
  readonly firstSeen: number;
  readonly lastSeen: number;
}

/** What one event carries. */
export interface Snapshot {
  readonly at: number;
  readonly coordinator: { readonly keyId: string; readonly connections: number };
  readonly workersConnected: number;
  /** Verified steps per second of all workers in the snapshot. */
  readonly stepsPerSecond: number;
  readonly counts: StoreCounts;
  readonly jobs: readonly JobSnapshot[];
  readonly workers: readonly WorkerSnapshot[];
}

/**
 * The best-energy history of `results`: one point per improvement, in acceptance order.
 * Results with equal times keep their order; energies are integers (HP model).
 */
export function bestEnergyHistory(
  results: readonly { readonly acceptedAt: number; readonly bestEnergy: number }[],
): HistoryPoint[] {
  const sorted = [...results].sort((a, b) => a.acceptedAt - b.acceptedAt);
  const points: HistoryPoint[] = [];
  let best = Number.POSITIVE_INFINITY;
  for (const r of sorted) {
    if (r.bestEnergy < best) {
      best = r.bestEnergy;
      points.push([r.acceptedAt, r.bestEnergy]);
    }
  }
  return points;
}

/** Workers (most recently seen first) with the connected ones first. */
function connectedFirst(
  recent: readonly WorkerRecord[],
  connected: ReadonlyMap<string, number>,
): WorkerRecord[] {
  const isOn = (w: WorkerRecord) => connected.has(w.key);
  return [...recent.filter(isOn), ...recent.filter((w) => !isOn(w))];
}

/** The SSE feed (`start`/`stop`, `changed`, `handle`). */
export class LiveFeed {
  private readonly clients = new Set<ServerResponse>();
  /** Open streams by client address. */
  private readonly perAddress = new Map<string, number>();
  /** Energy histories by job id, with the best energy they were built for. */
  private readonly histories = new Map<string, { best: number | null; points: HistoryPoint[] }>();
  /** Samples of each worker's verified steps: key → [time, steps][] (oldest first). */
  private readonly samples = new Map<string, [number, number][]>();
  private pending: NodeJS.Timeout | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private lastPushAt = Number.NEGATIVE_INFINITY;
  private latest: Snapshot | undefined;

  constructor(
    private readonly opts: LiveFeedOptions,
    private readonly deps: LiveFeedDeps,
  ) {}

  /** Open event streams. */
  get clientCount(): number {
    return this.clients.size;
  }

  /** Starts the heartbeat. */
  start(): void {
    this.heartbeat = setInterval(() => this.changed(), this.opts.heartbeatMs);
    this.heartbeat.unref();
  }

  /** Stops the timers and ends every stream. */
  stop(): void {
    clearInterval(this.heartbeat);
    clearTimeout(this.pending);
    this.heartbeat = undefined;
    this.pending = undefined;
    for (const res of this.clients) res.end();
    this.clients.clear();
  }

  /** Something changed: a snapshot goes out within `minIntervalMs` (bursts coalesce into one). */
  changed(): void {
    if (this.clients.size === 0 || this.pending !== undefined) return;
    const wait = Math.max(0, this.lastPushAt + this.opts.minIntervalMs - this.deps.now());
    this.pending = setTimeout(() => {
      this.pending = undefined;
      this.push();
    }, wait);
    this.pending.unref();
  }

  /** Answers `GET /api/events` with an event stream that starts with a snapshot. */
  handle(req: IncomingMessage, res: ServerResponse): void {
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { "content-type": "application/json", allow: "GET" });
      res.end(`${JSON.stringify({ error: { code: "API_ERROR_METHOD", message: "use GET" } })}\n`);
      return;
    }
    if (this.clients.size >= this.opts.maxClients) {
      res.writeHead(503, { "content-type": "application/json", "retry-after": "10" });
      res.end(
        `${JSON.stringify({ error: { code: "API_ERROR_BUSY", message: `at most ${this.opts.maxClients} event streams` } })}\n`,
      );
      return;
    }
    const address = this.deps.addressOf(req);
    const mine = this.perAddress.get(address) ?? 0;
    if (mine >= this.opts.maxClientsPerAddress) {
      res.writeHead(429, { "content-type": "application/json", "retry-after": "10" });
      res.end(
        `${JSON.stringify({ error: { code: "API_ERROR_BUSY", message: `at most ${this.opts.maxClientsPerAddress} event streams per address` } })}\n`,
      );
      return;
    }
    this.perAddress.set(address, mine + 1);
    res.on("close", () => {
      const left = (this.perAddress.get(address) ?? 1) - 1;
      if (left > 0) this.perAddress.set(address, left);
      else this.perAddress.delete(address);
    });
    res.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-store",
      connection: "keep-alive",
      "x-accel-buffering": "no",
    });
    res.write("retry: 2000\n\n");
    this.clients.add(res);
    res.on("close", () => this.clients.delete(res));
    const fresh =
      this.latest !== undefined && this.deps.now() - this.latest.at < this.opts.minIntervalMs;
    if (fresh) this.send(res, this.latest!);
    else
      this.snapshot().then(
        (snapshot) => this.send(res, snapshot),
        () => res.destroy(), // the store is away: the client reconnects after `retry`
      );
  }

  /** Builds a snapshot of the network now (also used by tests and the first event). */
  async snapshot(): Promise<Snapshot> {
    const now = this.deps.now();
    const status = this.deps.status();
    const connectedKeys = new Map<string, number>();
    for (const key of status.connectedWorkers)
      connectedKeys.set(key, (connectedKeys.get(key) ?? 0) + 1);
    const [jobs, recent, counts] = await Promise.all([
      this.deps.store.listJobs(this.opts.jobs),
      this.deps.store.listWorkers(this.opts.workers),
      this.deps.store.counts(),
    ]);
    for (const id of this.histories.keys())
      if (!jobs.some((j) => j.id === id)) this.histories.delete(id);
    const listed = connectedFirst(recent, connectedKeys);
    const workers = listed.map((w) => this.workerSnapshot(w, connectedKeys.get(w.key) ?? 0, now));
    for (const key of this.samples.keys())
      if (!listed.some((w) => w.key === key)) this.samples.delete(key);
    const snapshot: Snapshot = {
      at: now,
      coordinator: { keyId: status.coordinatorKeyId, connections: status.connections },
      workersConnected: connectedKeys.size,
      stepsPerSecond: workers.reduce((sum, w) => sum + w.stepsPerSecond, 0),
      counts,
      jobs: await Promise.all(
        jobs.map(async (job) => ({
          ...jobView(job),
          id: job.id,
          history: await this.history(job),
        })),
      ),
      workers,
    };
    this.latest = snapshot;
    return snapshot;
  }

  private workerSnapshot(w: WorkerRecord, connections: number, now: number): WorkerSnapshot {
    return {
      keyId: w.keyId,
      name: w.name,
      connected: connections > 0,
      connections,
      accepted: w.accepted,
      rejected: w.rejected,
      strikes: w.strikes,
      banned: w.banned,
      stepsVerified: w.stepsVerified,
      stepsPerSecond: this.rate(w.key, w.stepsVerified, now),
      firstSeen: w.firstSeen,
      lastSeen: w.lastSeen,
    };
  }

  /** Records a sample of a worker's verified steps and returns its rate over the window. */
  private rate(key: string, steps: number, now: number): number {
    let samples = this.samples.get(key);
    if (samples === undefined) {
      samples = [];
      this.samples.set(key, samples);
    }
    const last = samples.at(-1);
    if (last === undefined || last[1] !== steps || now - last[0] >= this.opts.minIntervalMs)
      samples.push([now, steps]);
    // Keep one sample at or before the window's start, so the window is always covered.
    while (
      samples.length > 2 &&
      now - (samples[1] as [number, number])[0] >= this.opts.throughputWindowMs
    )
      samples.shift();
    const first = samples[0] as [number, number];
    const span = Math.min(now - first[0], this.opts.throughputWindowMs);
    if (span <= 0) return 0;
    return ((steps - first[1]) * 1000) / Math.max(span, MIN_RATE_SPAN_MS);
  }

  /** A job's best-energy history, rebuilt from its results when its best energy changed. */
  private async history(job: JobRecord): Promise<readonly HistoryPoint[]> {
    const cached = this.histories.get(job.id);
    if (cached !== undefined && cached.best === job.bestEnergy) return cached.points;
    const points =
      job.bestEnergy === null
        ? []
        : bestEnergyHistory(await this.deps.store.energyHistory(job.id, HISTORY_POINTS));
    this.histories.set(job.id, { best: job.bestEnergy, points });
    return points;
  }

  private push(): void {
    if (this.clients.size === 0) return;
    this.lastPushAt = this.deps.now();
    // a failed read (the store is away) skips this push; the heartbeat brings the next
    this.snapshot().then((snapshot) => {
      for (const res of this.clients) this.send(res, snapshot);
    }, this.deps.onError);
  }

  private send(res: ServerResponse, snapshot: Snapshot): void {
    if (res.writableLength > this.opts.maxBufferedBytes) {
      this.clients.delete(res);
      res.destroy();
      return;
    }
    res.write(`event: snapshot\ndata: ${JSON.stringify(snapshot)}\n\n`);
  }
}
