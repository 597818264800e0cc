/**
 * The coordinator process, wired: one HTTP server on one port serving the job API (`/api`),
 * the workers' WebSocket endpoint (`/ws`), the dashboard and the health probes (`/healthz`,
 * `/readyz`); the store, the scheduler, the
 * result intake with its verification pool, and the coordinator's signing identity. Built
 * from `(opts, deps)` with `start()`/`stop()`.
 * @module
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { bytesToHex } from "@noble/hashes/utils.js";
import { Registry } from "prom-client";
import type { Logger } from "../common/log.js";
import {
  generateIdentity,
  type Identity,
  keyId,
  loadOrCreateIdentity,
} from "../protocol/identity.js";
import { ensureApiKeys } from "./api-keys.js";
import { challengeKey } from "./challenge-draw.js";
import { clientAddress } from "./client-address.js";
import { Dashboard } from "./dashboard.js";
import { DEFAULT_VERIFY_THREADS } from "./defaults.js";
import { ApiError } from "./errors.js";
import { HEALTH_PATHS, type ReadinessCheck, serveHealth } from "./health.js";
import { JobApi } from "./http-api.js";
import { abandon, answerError, notFound, requestUrl } from "./http-util.js";
import { DEFAULT_JOB_QUOTA, type JobQuota } from "./job-submit.js";
import { LeaseHolders } from "./lease-holders.js";
import { LedgerApi } from "./ledger-api.js";
import { DEFAULT_SEALER_OPTIONS, LedgerSealer, type SealerOptions } from "./ledger-sealer.js";
import { DEFAULT_LIVE_FEED_OPTIONS, LiveFeed } from "./live-feed.js";
import {
  type CoordinatorMetrics,
  collectCoordinatorState,
  createCoordinatorMetrics,
} from "./metrics.js";
import { DEFAULT_INTAKE_OPTIONS, type IntakeOptions, ResultIntake } from "./result-intake.js";
import { DEFAULT_SCHEDULER_OPTIONS, Scheduler, type SchedulerOptions } from "./scheduler.js";
import { DEFAULT_SPOT_CHECK_POLICY } from "./spot-check.js";
import { serveStats } from "./stats-api.js";
import type { Leadership } from "./store/open-store.js";
import type { Store } from "./store/store.js";
import { createVerifyPool, type VerifyPool } from "./verify-pool.js";
import { WebhookSender } from "./webhooks.js";
import { WorkWaitlist } from "./work-waitlist.js";
import {
  DEFAULT_ENDPOINT_OPTIONS,
  type EndpointOptions,
  WorkerEndpoint,
} from "./worker-endpoint.js";

/** How to run a coordinator. */
export interface CoordinatorOptions {
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  /**
   * The network's signing key file (shared by every coordinator of one network). Without
   * one the coordinator uses an ephemeral key — only sensible for an in-memory database.
   */
  readonly identityFile?: string | undefined;
  /** Researcher API keys to accept. */
  readonly apiKeys?: readonly string[];
  /** Where an API key minted at start (when the store holds none) is written, 0600. */
  readonly mintedApiKeyFile?: string | undefined;
  /** Verification threads; 0 verifies on the main thread. */
  readonly verifyThreads?: number;
  readonly scheduler?: Partial<SchedulerOptions>;
  readonly endpoint?: Partial<EndpointOptions>;
  readonly intake?: Partial<IntakeOptions>;
  readonly sealer?: Partial<SealerOptions>;
  /** Per-API-key bounds on running jobs. */
  readonly jobQuota?: Partial<JobQuota>;
  /**
   * Load balancers whose X-Forwarded-For names the client (IP addresses), for the
   * per-address limits; nobody else's is believed.
   */
  readonly trustedProxies?: readonly string[];
}

/** What the coordinator takes from its surroundings. */
export interface CoordinatorDeps {
  readonly log: Logger;
  readonly now?: () => number;
  /** The store, owned from now on (closed by `stop`): embedded SQLite or shared PostgreSQL. */
  readonly store: Store;
  /** With a shared store, the sealer's lock (store/pg/leader-lock.ts); alone, always the sealer. */
  readonly leadership?: Leadership;
  /** `/readyz`'s check; default: the store's ping. */
  readonly ready?: ReadinessCheck;
}

/** The role of a coordinator that shares its store with no other. */
const SOLE_LEADER: Leadership = { isHeld: true, start() {}, stop: async () => {} };

/** Where a started coordinator listens. */
export interface CoordinatorAddress {
  readonly url: string;
  readonly wsUrl: string;
  readonly port: number;
  /** An API key minted at this start (printed once), if any. */
  readonly mintedApiKey: string | undefined;
}

/** The coordinator. */
export class Coordinator {
  readonly store: Store;
  readonly identity: Identity;
  readonly scheduler: Scheduler;
  private readonly server: Server;
  private readonly endpoint: WorkerEndpoint;
  private readonly intake: ResultIntake;
  private readonly verifyPool: VerifyPool;
  private readonly api: JobApi;
  private readonly waitlist: WorkWaitlist;
  /** Which session holds which lease: revocations go through it. */
  private readonly holders: LeaseHolders;
  /** The process's metrics on their own registry (served at `/metrics`). */
  readonly metrics: CoordinatorMetrics;
  private readonly feed: LiveFeed;
  private readonly dashboard = new Dashboard();
  /** Seals pending ledger entries into blocks. */
  readonly sealer: LedgerSealer;
  /** Sends the signed notifications of ended jobs (job `notify` URLs). */
  readonly webhooks: WebhookSender;
  private readonly ledgerApi: LedgerApi;
  private readonly now: () => number;
  private readonly leadership: Leadership;
  private readonly unsubscribe: () => void;
  private readonly ready: ReadinessCheck;

  constructor(
    private readonly opts: CoordinatorOptions,
    private readonly deps: CoordinatorDeps,
  ) {
    this.now = deps.now ?? Date.now;
    this.store = deps.store;
    this.leadership = deps.leadership ?? SOLE_LEADER;
    this.ready = deps.ready ?? (() => this.store.ping());
    this.metrics = createCoordinatorMetrics(new Registry());
    this.holders = new LeaseHolders((reason) =>
      this.metrics.scheduler.unitsRevoked.inc({ reason }),
    );
    const store = this.store;
    const addressOf = clientAddress(opts.trustedProxies ?? []);
    this.feed = new LiveFeed(DEFAULT_LIVE_FEED_OPTIONS, {
      store: {
        // the public dashboard shows no private job
        listJobs: async (limit) => {
          const jobs = await store.listJobs(limit);
          const hidden = await Promise.all(jobs.map((j) => store.access.isPrivate(j.id)));
          return jobs.filter((_, i) => !hidden[i]);
        },
        listWorkers: (limit) => store.listWorkers(limit),
        energyHistory: (jobId, limit) => store.energyHistory(jobId, limit),
        counts: () => store.counts(),
      },
      now: this.now,
      addressOf,
      status: () => this.status(),
      onError: (error) => deps.log.warn("dashboard snapshot failed", { error: `${error}` }),
    });
    const endpointOptions = { ...DEFAULT_ENDPOINT_OPTIONS, ...opts.endpoint };
    this.waitlist = new WorkWaitlist(endpointOptions.parkMs, (error) =>
      deps.log.warn("serving parked work requests failed", { error: `${error}` }),
    );
    // units queued by another coordinator on the shared store wake this one's parked requests
    this.unsubscribe = store.onUnitsQueued(() => this.waitlist.notify());
    this.identity =
      opts.identityFile === undefined
        ? generateIdentity()
        : loadOrCreateIdentity(opts.identityFile);
    this.webhooks = new WebhookSender({
      store: this.store,
      identity: this.identity,
      now: this.now,
      log: deps.log,
      isSender: () => this.leadership.isHeld,
    });
    this.sealer = new LedgerSealer(
      { ...DEFAULT_SEALER_OPTIONS, ...opts.sealer },
      {
        store: this.store,
        identity: this.identity,
        now: this.now,
        log: deps.log,
        isSealer: () => this.leadership.isHeld,
        onSealed: () => {
          this.metrics.ledger.blocksSealed.inc();
          this.feed.changed();
        },
      },
    );
    this.ledgerApi = new LedgerApi({
      store: this.store,
      producer: this.identity.publicKey,
      onTransfer: () => this.sealer.poke(),
    });
    this.scheduler = new Scheduler(
      { ...DEFAULT_SCHEDULER_OPTIONS, ...opts.scheduler },
      {
        store: this.store,
        now: this.now,
        metrics: this.metrics,
        log: deps.log,
        onReissue: (units) =>
          deps.log.info("leases expired, units reissued", { units: units.length }),
        onUnitsQueued: () => {
          this.waitlist.notify();
          this.sealer.poke();
        },
        onRevoke: (scope) => {
          const revoked = this.holders.revoke(scope);
          if (revoked > 0) deps.log.info("leases revoked", { ...scope, revoked });
        },
      },
    );
    this.verifyPool = createVerifyPool(opts.verifyThreads ?? DEFAULT_VERIFY_THREADS);
    this.intake = new ResultIntake(
      { spotCheck: DEFAULT_SPOT_CHECK_POLICY, ...DEFAULT_INTAKE_OPTIONS, ...opts.intake },
      {
        store: this.store,
        scheduler: this.scheduler,
        verify: this.verifyPool.verify,
        challengeKey: challengeKey(this.identity.secretKey),
        onOutcome: (outcome, code) => {
          this.metrics.intake.observeOutcome(outcome, code);
          this.feed.changed();
        },
        onReward: (reward) => this.metrics.ledger.tokensIssued.inc(reward),
        log: deps.log,
        now: this.now,
      },
    );
    this.endpoint = new WorkerEndpoint(endpointOptions, {
      coordinatorKey: this.identity.publicKey,
      store: this.store,
      scheduler: this.scheduler,
      results: this.intake,
      waitlist: this.waitlist,
      holders: this.holders,
      log: deps.log,
      now: this.now,
      metrics: this.metrics,
      addressOf,
      onWorkerConnected: () => this.feed.changed(),
      onDisconnect: (session) => {
        this.feed.changed();
        this.scheduler.sessionClosed(this.holders.releaseAll(session)).catch((error: unknown) =>
          // the leases then end at their own deadlines
          deps.log.warn("shortening a closed session's leases failed", { error: `${error}` }),
        );
        this.intake.dropSession(session);
      },
    });
    this.api = new JobApi({
      quota: { ...DEFAULT_JOB_QUOTA, ...opts.jobQuota },
      store: this.store,
      scheduler: this.scheduler,
      onJobsChanged: () => this.feed.changed(),
      onWorkerBanned: (key) => this.endpoint.disconnect(key),
      status: () => this.status(),
    });
    this.server = createServer((req, res) => {
      void this.route(req, res);
    });
    collectCoordinatorState(this.metrics, {
      store: this.store,
      connectedWorkers: () => this.endpoint.connectedWorkers(),
      connections: () => this.endpoint.connections,
      parkedRequests: () => this.waitlist.size,
      now: this.now,
    });
  }

  /** Live figures for `/api/status` and the dashboard feed. */
  private status() {
    return {
      coordinatorKey: bytesToHex(this.identity.publicKey),
      coordinatorKeyId: keyId(this.identity.publicKey),
      connections: this.endpoint.connections,
      connectedWorkers: this.endpoint.connectedWorkers(),
    };
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let path = "?";
    try {
      const url = requestUrl(req.url);
      path = url.pathname;
      if (HEALTH_PATHS.has(path)) return await serveHealth(req, res, path, this.ready);
      if (path === "/metrics") return await this.serveMetrics(req, res);
      if (path === "/api/events") return this.feed.handle(req, res);
      if (path.startsWith("/api/ledger/")) return await this.ledgerApi.handle(req, res, url);
      if ((path === "/api/stats" || path.startsWith("/api/stats/")) && req.method === "GET")
        return await serveStats(this.store, this.now(), res, path);
      if (path === "/api" || path.startsWith("/api/")) return await this.api.handle(req, res, url);
      if (await this.dashboard.handle(req, res, path)) return;
      throw notFound(path);
    } catch (err) {
      if (err instanceof ApiError && !res.headersSent) return answerError(res, err);
      this.deps.log.error("request failed", { err, path });
      abandon(res);
    }
  }

  /** `GET /metrics`: the registry in Prometheus's text format. */
  private async serveMetrics(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET" });
      res.end();
      return;
    }
    const body = await this.metrics.register.metrics();
    res.writeHead(200, {
      "content-type": this.metrics.register.contentType,
      "cache-control": "no-store",
    });
    res.end(req.method === "HEAD" ? undefined : body);
  }

  /** Opens the port and starts the lease sweep. */
  async start(): Promise<CoordinatorAddress> {
    const mintedApiKey = await ensureApiKeys(
      this.store,
      this.opts.apiKeys ?? [],
      this.opts.mintedApiKeyFile,
      this.now(),
    );
    await this.scheduler.sweep(); // leases that expired while the coordinator was down
    this.scheduler.start();
    this.leadership.start();
    this.feed.start();
    this.sealer.start();
    this.webhooks.start();
    this.endpoint.attach(this.server);
    await new Promise<void>((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(this.opts.port, this.opts.host, () => resolve());
    });
    const { port } = this.server.address() as AddressInfo;
    const host = this.opts.host.includes(":") ? `[${this.opts.host}]` : this.opts.host;
    const address = {
      url: `http://${host}:${port}`,
      wsUrl: `ws://${host}:${port}/ws`,
      port,
      mintedApiKey,
    };
    this.deps.log.info("coordinator listening", {
      url: address.url,
      key: keyId(this.identity.publicKey),
    });
    return address;
  }

  /** Closes connections, the port, the pools and the store. */
  async stop(): Promise<void> {
    this.scheduler.stop();
    this.feed.stop();
    this.sealer.stop();
    this.unsubscribe();
    await this.leadership.stop();
    await this.webhooks.stop();
    this.waitlist.clear();
    await this.endpoint.stop();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    await this.verifyPool.close();
    await this.store.close();
  }
}
