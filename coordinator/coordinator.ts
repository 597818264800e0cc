/**
 * The coordinator process, wired: one HTTP server on one port serving the job API (`/api`),
 * the workers' WebSocket endpoint (`/ws`) and the dashboard; the store, the scheduler, the
 * result intake with its verification pool, and the coordinator's signing identity. Built
 * from `(opts, deps)` with `start()`/`stop()`.
 * @module
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { bytesToHex } from "@noble/hashes/utils.js";
import {
  generateIdentity,
  type Identity,
  keyId,
  loadOrCreateIdentity,
} from "../protocol/identity.js";
import type { Logger } from "../worker/log.js";
import { ensureApiKeys } from "./api-keys.js";
import { JobApi } from "./http-api.js";
import { createReplayPool, type ReplayPool } from "./replay-pool.js";
import { type IntakeOptions, ResultIntake, type RewardFn } from "./result-intake.js";
import { DEFAULT_SCHEDULER_OPTIONS, Scheduler, type SchedulerOptions } from "./scheduler.js";
import { DEFAULT_SPOT_CHECK_POLICY } from "./spot-check.js";
import { SqliteStore } from "./store/sqlite-store.js";
import type { Store } from "./store/store.js";
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
  /** SQLite file, or ":memory:". */
  readonly dbFile: string;
  /** The coordinator's key file; default `<dbFile>.key.json` (an ephemeral key for ":memory:"). */
  readonly identityFile?: string;
  /** Researcher API keys to accept; with none stored, one is minted into `<dbFile>.api-key`. */
  readonly apiKeys?: readonly string[];
  /** Verification threads; 0 replays on the main thread. */
  readonly replayThreads?: number;
  readonly scheduler?: Partial<SchedulerOptions>;
  readonly endpoint?: Partial<EndpointOptions>;
  readonly intake?: Partial<IntakeOptions>;
}

/** What the coordinator takes from its surroundings. */
export interface CoordinatorDeps {
  readonly log: Logger;
  readonly now?: () => number;
  /** The reward of an accepted unit; none until the ledger assigns one. */
  readonly reward?: RewardFn;
}

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
  private readonly replayPool: ReplayPool;
  private readonly api: JobApi;
  private readonly waitlist: WorkWaitlist;
  private readonly now: () => number;

  constructor(
    private readonly opts: CoordinatorOptions,
    private readonly deps: CoordinatorDeps,
  ) {
    this.now = deps.now ?? Date.now;
    const memory = opts.dbFile === ":memory:";
    this.store = new SqliteStore(opts.dbFile);
    const endpointOptions = { ...DEFAULT_ENDPOINT_OPTIONS, ...opts.endpoint };
    this.waitlist = new WorkWaitlist(endpointOptions.parkMs);
    this.identity =
      memory && opts.identityFile === undefined
        ? generateIdentity()
        : loadOrCreateIdentity(opts.identityFile ?? `${opts.dbFile}.key.json`);
    this.scheduler = new Scheduler(
      { ...DEFAULT_SCHEDULER_OPTIONS, ...opts.scheduler },
      {
        store: this.store,
        now: this.now,
        onReissue: (units) =>
          deps.log.info("leases expired, units reissued", { units: units.length }),
        onUnitsQueued: () => this.waitlist.notify(),
      },
    );
    this.replayPool = createReplayPool(opts.replayThreads ?? 1);
    this.intake = new ResultIntake(
      { spotCheck: DEFAULT_SPOT_CHECK_POLICY, banAfterStrikes: 3, ...opts.intake },
      {
        store: this.store,
        scheduler: this.scheduler,
        replay: this.replayPool.replay,
        reward: deps.reward ?? (() => 0n),
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
      log: deps.log,
      now: this.now,
      onDisconnect: (key) => {
        if (key === undefined) return;
        this.scheduler.workerDisconnected(bytesToHex(key));
        this.intake.dropWorker(key);
      },
    });
    this.api = new JobApi({
      store: this.store,
      scheduler: this.scheduler,
      status: () => ({
        coordinatorKey: bytesToHex(this.identity.publicKey),
        coordinatorKeyId: keyId(this.identity.publicKey),
        connections: this.endpoint.connections,
        connectedWorkers: this.endpoint.connectedWorkers(),
      }),
    });
    this.server = createServer((req, res) => {
      void this.route(req, res);
    });
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? "/", "http://localhost").pathname;
    try {
      if (path === "/api" || path.startsWith("/api/")) return await this.api.handle(req, res, path);
      res.writeHead(404, { "content-type": "application/json" });
      res.end(
        `${JSON.stringify({ error: { code: "API_ERROR_NOT_FOUND", message: `${path} not found` } })}\n`,
      );
    } catch (err) {
      this.deps.log.error("request failed", { err, path });
    }
  }

  /** Opens the port and starts the lease sweep. */
  async start(): Promise<CoordinatorAddress> {
    const mintedApiKey = ensureApiKeys(
      this.store,
      this.opts.apiKeys ?? [],
      this.opts.dbFile === ":memory:" ? undefined : `${this.opts.dbFile}.api-key`,
      this.now(),
    );
    this.scheduler.sweep(); // leases that expired while the coordinator was down
    this.scheduler.start();
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
    this.waitlist.clear();
    await this.endpoint.stop();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    await this.replayPool.close();
    this.store.close();
  }
}
