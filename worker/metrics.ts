/**
 * The worker's Prometheus metrics (`foldnet worker --metrics-port P`): one factory,
 * `createWorkerMetrics(register, status)`, on the caller's own `Registry` with Node's process
 * metrics; counters are updated by the VolunteerWorker as things happen, gauges are read from
 * its `status()` at scrape time. `serveMetrics` answers `GET /metrics` on 127.0.0.1 only by
 * default: a volunteer's machine exposes nothing to the network unless told to.
 * docs/metrics.md lists every metric.
 * @module
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Counter, Gauge, type Registry } from "prom-client";
import { collectProcessMetrics } from "../common/process-metrics.js";
import type { WorkerStatus } from "./status.js";

/**
 * Creates the worker's metrics on `register`; `status` is read at every scrape.
 * @throws {Error} from prom-client when `register` already holds a metric of the same name.
 */
export function createWorkerMetrics(register: Registry, status: () => WorkerStatus) {
  collectProcessMetrics(register);
  const registers = [register];
  const fromStatus = (name: string, help: string, read: (s: WorkerStatus) => number) =>
    new Gauge({
      name,
      help,
      registers,
      collect() {
        this.set(read(status()));
      },
    });
  const tokensEarned = new Counter({
    name: "foldnet_worker_tokens_earned_total",
    help: "Tokens credited by accepted verdicts since the process started, in base units",
    registers,
  });
  return {
    register,
    unitsRunning: fromStatus(
      "foldnet_worker_units_running",
      "Work units running on the worker's threads",
      (s) => s.units.length,
    ),
    threads: fromStatus("foldnet_worker_threads", "Folding threads", (s) => s.threads),
    connected: fromStatus(
      "foldnet_worker_connected",
      "1 while authenticated with the coordinator, else 0",
      (s) => (s.connection === "connected" ? 1 : 0),
    ),
    resultsSpooled: fromStatus(
      "foldnet_worker_results_spooled",
      "Results in the spool awaiting a verdict",
      (s) => s.spooled,
    ),
    stepsPerSecond: fromStatus(
      "foldnet_worker_steps_per_second",
      "Monte Carlo steps per second of the running units",
      (s) => s.stepsPerSecond,
    ),
    steps: new Counter({
      name: "foldnet_worker_steps_total",
      help: "Monte Carlo steps run (one step is one move attempt on one replica)",
      registers,
    }),
    resultsAccepted: new Counter({
      name: "foldnet_worker_results_accepted_total",
      help: "Results the coordinator accepted",
      registers,
    }),
    resultsRejected: new Counter<"reason">({
      name: "foldnet_worker_results_rejected_total",
      help: "Results the coordinator rejected, by the verdict's code",
      labelNames: ["reason"],
      registers,
    }),
    tokensEarned: {
      /** Adds a verdict's reward (base units). */
      inc(amount: bigint): void {
        if (amount > 0n) tokensEarned.inc(Number(amount));
      },
    },
    reconnects: new Counter({
      name: "foldnet_worker_reconnects_total",
      help: "Successful handshakes with the coordinator after the first",
      registers,
    }),
    unitsRevoked: new Counter({
      name: "foldnet_worker_units_revoked_total",
      help: "Units the coordinator revoked (job ended, or the unit done by another worker): stopped and dropped",
      registers,
    }),
    unitsFailed: new Counter<"reason">({
      name: "foldnet_worker_units_failed_total",
      help: "Units this worker could not run, reported to the coordinator with unitFailed, by reason",
      labelNames: ["reason"],
      registers,
    }),
  };
}

/** The worker's metrics (see `createWorkerMetrics`). */
export type WorkerMetrics = ReturnType<typeof createWorkerMetrics>;

/** A running metrics server. */
export interface MetricsServer {
  /** `http://HOST:PORT/metrics`. */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/**
 * Serves `register` at `GET /metrics` on `host:port` (0 picks a free port); anything else
 * gets 404.
 * @throws {Error} when the port cannot be opened (EADDRINUSE, EACCES).
 */
export async function serveMetrics(
  register: Registry,
  port: number,
  host = "127.0.0.1",
): Promise<MetricsServer> {
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new RangeError(`port must be an integer in 0…65535, got ${port}`);
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://localhost").pathname;
    if (path !== "/metrics" || (req.method !== "GET" && req.method !== "HEAD")) {
      res.writeHead(404, { "content-type": "text/plain" });
      res.end("not found: metrics are at GET /metrics\n");
      return;
    }
    register.metrics().then(
      (body) => {
        res.writeHead(200, { "content-type": register.contentType, "cache-control": "no-store" });
        res.end(req.method === "HEAD" ? undefined : body);
      },
      () => {
        res.writeHead(500, { "content-type": "text/plain" });
        res.end("metrics collection failed\n");
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const actual = (server.address() as AddressInfo).port;
  const shownHost = host.includes(":") ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${actual}/metrics`,
    port: actual,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
