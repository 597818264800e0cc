/**
 * The coordinator's Prometheus metrics: one factory, `createCoordinatorMetrics(register)`,
 * returns every metric of the process as a nested typed object on the caller's own
 * `Registry` (never prom-client's global one), process metrics included. Names follow
 * `foldnet_<subsystem>_<noun>_<unit>` (docs/design.md "Conventions"); docs/metrics.md lists them all.
 *
 * Counters and histograms are updated where things happen (scheduler, sessions, intake,
 * ledger); gauges that describe state (connected workers, job progress) are filled at scrape
 * time from the store and the endpoint through `collectCoordinatorState`.
 * @module
 */
import { Counter, Gauge, type GaugeConfiguration, Histogram, type Registry } from "prom-client";
import type { ErrorAction } from "../common/errors.js";
import { collectProcessMetrics } from "../common/process-metrics.js";
import { jobView } from "./http-api.js";
import type { JobRecord, Store } from "./store/store.js";

/** A gauge filled at scrape time by the collectors added to it. */
export type ScrapeGauge<T extends string> = Gauge<T> & {
  /** Adds a function run (and awaited) at every scrape, before the gauge is read. */
  addCollect(collect: (gauge: Gauge<T>) => void | Promise<void>): void;
};

/** What a tokens counter accepts: token amounts are bigints in the ledger. */
export interface TokenCounter {
  /** Adds `amount` base units (a non-negative integer). */
  inc(amount: number | bigint): void;
}

/**
 * Buckets of the verification time (commit received → verdict sent). It includes the
 * worker's round trip to open the challenged segments and their replay; a 1 M-step unit's
 * replay of 8 segments of 1/1024 of it runs in a few ms on one thread, so most verdicts land
 * in the 5–100 ms buckets, and the tail up to 30 s catches slow volunteers' openings.
 */
const VERIFICATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
/**
 * Buckets of the assignment latency (work request → assignment sent). A request served from
 * the queue takes well under a millisecond of store time; a parked one waits for the next
 * queued unit up to the endpoint's `parkMs` (5 s), so the buckets span 1 ms to 10 s.
 */
const ASSIGNMENT_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/**
 * Buckets of one store transaction: SQLite with `synchronous = FULL` commits in 0.1–5 ms on
 * an SSD (one fsync of the WAL); 100 ms and more means a slow disk or a contended lock.
 */
const STORE_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 1];
/**
 * Most verifications timed at once: one per result between its commit and its verdict. A
 * commit whose verdict never comes (the worker went away) is dropped oldest-first past this.
 */
const MAX_OPEN_VERIFICATIONS = 10_000;

function scrapeGauge<T extends string>(config: GaugeConfiguration<T>): ScrapeGauge<T> {
  const collectors: ((gauge: Gauge<T>) => void | Promise<void>)[] = [];
  const gauge = new Gauge<T>({
    ...config,
    async collect() {
      for (const collect of collectors) await collect(this);
    },
  });
  return Object.assign(gauge, {
    addCollect(collect: (g: Gauge<T>) => void | Promise<void>) {
      collectors.push(collect);
    },
  });
}

/**
 * Creates the coordinator's metrics on `register` (and Node's process metrics, see
 * `collectProcessMetrics`).
 * @throws {Error} from prom-client when `register` already holds a metric of the same name
 * (one factory call per registry).
 */
export function createCoordinatorMetrics(register: Registry) {
  collectProcessMetrics(register);
  const registers = [register];

  const verificationSeconds = new Histogram<"verdict">({
    name: "foldnet_intake_verification_seconds",
    help: "Time from a result commit received to its verdict sent (challenge round trip and replay included)",
    labelNames: ["verdict"],
    buckets: VERIFICATION_BUCKETS,
    registers,
  });
  /** Commits awaiting their verdict: assignment id (hex) → stop function of the timer. */
  const openVerifications = new Map<string, (labels: { verdict: string }) => number>();

  const resultsAccepted = new Counter({
    name: "foldnet_intake_results_accepted_total",
    help: "Results verified and accepted",
    registers,
  });
  const resultsRejected = new Counter<"reason" | "action">({
    name: "foldnet_intake_results_rejected_total",
    help: "Results not accepted, by ResultError code (reason) and action (REJECT: the sender was at fault; IGNORE: stale)",
    labelNames: ["reason", "action"],
    registers,
  });
  const resultsDuplicate = new Counter({
    name: "foldnet_intake_results_duplicate_total",
    help: "Results sent again after their acceptance (answered, not rewarded again)",
    registers,
  });
  const tokensIssued = new Counter({
    name: "foldnet_ledger_tokens_issued_total",
    help: "Tokens issued as rewards, in base units",
    registers,
  });

  return {
    register,
    endpoint: {
      connectedWorkers: scrapeGauge({
        name: "foldnet_endpoint_connected_workers",
        help: "Distinct authenticated worker keys connected now",
        registers,
      }),
      connections: scrapeGauge({
        name: "foldnet_endpoint_connections",
        help: "Open WebSocket connections, authenticated or not",
        registers,
      }),
      parkedRequests: scrapeGauge({
        name: "foldnet_endpoint_parked_requests",
        help: "Work requests parked (long-polled) waiting for queued units",
        registers,
      }),
      assignmentLatencySeconds: new Histogram({
        name: "foldnet_endpoint_assignment_latency_seconds",
        help: "Time from a work request's arrival to an assignment sent for it (parking included)",
        buckets: ASSIGNMENT_BUCKETS,
        registers,
      }),
    },
    scheduler: {
      unitsLeased: new Counter({
        name: "foldnet_scheduler_units_leased_total",
        help: "Work units leased to workers",
        registers,
      }),
      unitsCompleted: new Counter({
        name: "foldnet_scheduler_units_completed_total",
        help: "Work units whose result was verified and accepted",
        registers,
      }),
      unitsReissued: new Counter({
        name: "foldnet_scheduler_units_reissued_total",
        help: "Work units put back in the queue after their lease expired",
        registers,
      }),
      unitsFailed: new Counter<"reason">({
        name: "foldnet_scheduler_units_failed_total",
        help: "Leases ended by the worker's unitFailed and their units queued again, by reason",
        labelNames: ["reason"],
        registers,
      }),
      unitsRevoked: new Counter<"reason">({
        // named by issue 14 without a subsystem, as the figure operators ask for
        name: "foldnet_units_revoked_total",
        help: "Leases revoked by a revoke frame (job cancelled or done, unit done by another), by reason",
        labelNames: ["reason"],
        registers,
      }),
      jobs: scrapeGauge<"status">({
        name: "foldnet_scheduler_jobs",
        help: "Jobs in the store by status",
        labelNames: ["status"],
        registers,
      }),
      units: scrapeGauge<"status">({
        name: "foldnet_scheduler_units",
        help: "Work units in the store by status",
        labelNames: ["status"],
        registers,
      }),
    },
    intake: {
      resultsAccepted,
      resultsRejected,
      resultsDuplicate,
      verificationSeconds,
      /** A result commit arrived: starts its verification timer. */
      verificationStarted(assignmentId: string): void {
        if (openVerifications.has(assignmentId)) return; // a re-sent commit keeps its first time
        if (openVerifications.size >= MAX_OPEN_VERIFICATIONS) {
          const oldest = openVerifications.keys().next().value;
          if (oldest !== undefined) openVerifications.delete(oldest);
        }
        openVerifications.set(assignmentId, verificationSeconds.startTimer());
      },
      /** A verdict was sent: observes the time since the commit, if it was timed. */
      verdictSent(assignmentId: string, accepted: boolean): void {
        const stop = openVerifications.get(assignmentId);
        if (stop === undefined) return;
        openVerifications.delete(assignmentId);
        stop({ verdict: accepted ? "accepted" : "rejected" });
      },
      /** Counts an outcome as result intake reports it (`IntakeDeps.onOutcome`). */
      observeOutcome(outcome: "accepted" | "duplicate" | ErrorAction, code: string): void {
        if (outcome === "accepted") resultsAccepted.inc();
        else if (outcome === "duplicate") resultsDuplicate.inc();
        else resultsRejected.inc({ reason: code, action: outcome });
      },
    },
    jobs: {
      progressRatio: scrapeGauge<"job_id">({
        name: "foldnet_job_progress_ratio",
        help: "Share of a job's planned steps verified (1 when done), running and recently ended jobs",
        labelNames: ["job_id"],
        registers,
      }),
      bestEnergy: scrapeGauge<"job_id">({
        name: "foldnet_job_best_energy",
        help: "Best verified HP energy of a job (lower is better), running and recently ended jobs",
        labelNames: ["job_id"],
        registers,
      }),
    },
    store: {
      transactionSeconds: new Histogram<"op">({
        name: "foldnet_store_transaction_seconds",
        help: "Duration of a store transaction, by operation",
        labelNames: ["op"],
        buckets: STORE_BUCKETS,
        registers,
      }),
    },
    ledger: {
      blocksSealed: new Counter({
        name: "foldnet_ledger_blocks_sealed_total",
        help: "Ledger blocks sealed",
        registers,
      }),
      tokensIssued: {
        inc(amount: number | bigint): void {
          if (amount === 0 || amount === 0n) return;
          tokensIssued.inc(Number(amount));
        },
      } satisfies TokenCounter,
    },
  };
}

/** The coordinator's metrics (see `createCoordinatorMetrics`). */
export type CoordinatorMetrics = ReturnType<typeof createCoordinatorMetrics>;

/** Where scrape-time gauges read the coordinator's state. */
export interface CoordinatorState {
  readonly store: Pick<Store, "counts" | "listJobs">;
  /** Authenticated worker keys (hex), one per connection. */
  connectedWorkers(): readonly string[];
  /** Open sockets. */
  connections(): number;
  /** Parked work requests. */
  parkedRequests(): number;
  readonly now: () => number;
}

/** Most jobs given per-job series: the most recent ones (label cardinality stays bounded). */
export const JOB_SERIES_LIMIT = 100;
/** How long an ended job keeps its per-job series: an hour, enough for alerts and graphs. */
export const JOB_SERIES_RETENTION_MS = 3_600_000;

/** True when a job gets per-job series: running, or ended within the retention time. */
const jobInSeries = (job: JobRecord, now: number) =>
  job.status === "running" ||
  (job.finishedAt !== null && now - job.finishedAt < JOB_SERIES_RETENTION_MS);

/** Fills the scrape-time gauges of `metrics` from the coordinator's state at every scrape. */
export function collectCoordinatorState(
  metrics: CoordinatorMetrics,
  state: CoordinatorState,
): void {
  metrics.endpoint.connectedWorkers.addCollect((g) =>
    g.set(new Set(state.connectedWorkers()).size),
  );
  metrics.endpoint.connections.addCollect((g) => g.set(state.connections()));
  metrics.endpoint.parkedRequests.addCollect((g) => g.set(state.parkedRequests()));
  metrics.scheduler.units.addCollect(async (g) => {
    const { units } = await state.store.counts();
    for (const [status, n] of Object.entries(units)) g.set({ status }, n);
  });
  metrics.scheduler.jobs.addCollect(async (g) => {
    const { jobs } = await state.store.counts();
    for (const [status, n] of Object.entries(jobs)) g.set({ status }, n);
  });
  const perJob = async () => {
    const now = state.now();
    return (await state.store.listJobs(JOB_SERIES_LIMIT)).filter((job) => jobInSeries(job, now));
  };
  metrics.jobs.progressRatio.addCollect(async (g) => {
    g.reset();
    for (const job of await perJob()) g.set({ job_id: job.id }, jobView(job).progress as number);
  });
  metrics.jobs.bestEnergy.addCollect(async (g) => {
    g.reset();
    for (const job of await perJob())
      if (job.bestEnergy !== null) g.set({ job_id: job.id }, job.bestEnergy);
  });
}
