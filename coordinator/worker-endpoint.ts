/**
 * The WebSocket endpoint for workers at `/ws` on the coordinator's HTTP server: accepts
 * upgrades, bounds every message at the protocol's largest frame (ws `maxPayload`), runs a
 * ping/terminate heartbeat, and gives each connection a WorkerSession. A closed connection
 * shortens the leases handed out on it to the grace period and drops its open challenges;
 * other connections of the same key keep theirs. Before authentication a connection is
 * bounded twice: per address (address-limits.ts: HTTP 429 beyond the limits) and in time
 * (closed `authTimeoutMs` after its upgrade).
 * @module
 */
import type { IncomingMessage, Server } from "node:http";
import type { Duplex } from "node:stream";
import { type WebSocket, WebSocketServer } from "ws";
import { MAX_FRAME_BYTES } from "../protocol/limits.js";
import { type AddressLimitOptions, AddressLimits } from "./address-limits.js";
import type { AddressOf } from "./client-address.js";
import { requestUrl } from "./http-util.js";
import { type SessionDeps, type SessionOptions, WorkerSession } from "./worker-session.js";

/** Options of the endpoint. */
export interface EndpointOptions extends SessionOptions, AddressLimitOptions {
  /** A connection that has not authenticated this long after its upgrade is closed. */
  readonly authTimeoutMs: number;
  /** Interval of pings; a connection that has not answered the previous ping is terminated. */
  readonly heartbeatMs: number;
  /** Most simultaneous connections; more are refused with HTTP 503. */
  readonly maxConnections: number;
  /** How long a work request waits for units before `noWork` (long polling). */
  readonly parkMs: number;
}

/**
 * Heartbeat slices: every socket is pinged once per heartbeatMs, but a tick pings only one
 * slice, so 2,000 sockets never stall the event loop (and the assignment latency) at once.
 */
const HEARTBEAT_SLICES = 15;

/** Defaults, with their reasons in docs/limits.md. */
export const DEFAULT_ENDPOINT_OPTIONS: EndpointOptions = {
  heartbeatMs: 15_000,
  authTimeoutMs: 10_000,
  maxUnauthenticatedPerAddress: 64,
  handshakesPerSecond: 10,
  handshakeBurst: 64,
  maxConnections: 20_000,
  parkMs: 5_000,
  maxBadFrames: 10,
  framesPerSecond: 50,
  frameBurst: 200,
  maxSlots: 64,
  maxLeasesPerThread: 2,
  noWorkRetryMs: 1_000,
};

/** Answers an upgrade request with an HTTP error status and closes the socket. */
function refuse(socket: Duplex, status: string): void {
  socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

/** The `/ws` endpoint. */
export class WorkerEndpoint {
  private readonly wss: WebSocketServer;
  private readonly sessions = new Map<WebSocket, WorkerSession>();
  private readonly alive = new WeakSet<WebSocket>();
  /** Sockets by heartbeat slice: each tick pings one slice, so pings and pongs spread out. */
  private readonly slices: Set<WebSocket>[] = Array.from(
    { length: HEARTBEAT_SLICES },
    () => new Set(),
  );
  private nextSlice = 0;
  private tick = 0;
  private heartbeat: NodeJS.Timeout | undefined;
  private readonly limits: AddressLimits;

  constructor(
    private readonly opts: EndpointOptions,
    private readonly deps: SessionDeps & {
      onDisconnect(session: WorkerSession): void;
      /** The client's address (behind a trusted load balancer, from X-Forwarded-For). */
      addressOf: AddressOf;
    },
  ) {
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: MAX_FRAME_BYTES,
      perMessageDeflate: false,
    });
    this.limits = new AddressLimits(opts, deps.now);
  }

  /** Connections that have not authenticated yet. */
  get unauthenticated(): number {
    return this.limits.unauthenticated;
  }

  /** Connected sockets (authenticated or not). */
  get connections(): number {
    return this.sessions.size;
  }

  /** Authenticated workers' keys (hex), one per connection. */
  connectedWorkers(): string[] {
    const keys: string[] = [];
    for (const s of this.sessions.values())
      if (s.workerKeyHex !== undefined) keys.push(s.workerKeyHex);
    return keys;
  }

  /** Ends every connection of a worker key an admin just banned. */
  disconnect(workerKeyHex: string): void {
    for (const s of this.sessions.values())
      if (s.workerKeyHex === workerKeyHex)
        s.ban("AUTH_ERROR_BANNED", "this key was banned by an admin");
  }

  /** Takes over upgrade requests for `/ws` on the server and starts the heartbeat. */
  attach(server: Server): void {
    server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      // the HTTP server has let go of an upgraded socket: its errors are ours from here
      socket.on("error", () => socket.destroy());
      try {
        this.upgrade(req, socket, head);
      } catch (err) {
        this.deps.log.error("upgrade failed", { err });
        refuse(socket, "500 Internal Server Error");
      }
    });
    this.heartbeat = setInterval(() => this.beat(), this.opts.heartbeatMs / HEARTBEAT_SLICES);
    this.heartbeat.unref();
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const address = this.deps.addressOf(req);
    const refusal = this.refusal(req) ?? this.limits.admit(address);
    if (refusal !== undefined) {
      refuse(socket, refusal);
      return;
    }
    let handed = false; // a handshake ws refuses never reaches connected(): settle it here
    socket.once("close", () => {
      if (!handed) this.limits.settled(address);
    });
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      handed = true;
      this.connected(ws, address);
    });
  }

  /** Why an upgrade request is refused (an HTTP status line), if it is. */
  private refusal(req: IncomingMessage): string | undefined {
    let path: string;
    try {
      path = requestUrl(req.url).pathname;
    } catch {
      return "400 Bad Request";
    }
    if (path !== "/ws") return "404 Not Found";
    if (this.sessions.size >= this.opts.maxConnections) return "503 Service Unavailable";
    return undefined;
  }

  private connected(ws: WebSocket, address: string): void {
    let pending = true; // counted against its address until it authenticates or closes
    const settle = () => {
      if (pending) this.limits.settled(address);
      pending = false;
      clearTimeout(deadline);
    };
    const deadline = setTimeout(() => ws.terminate(), this.opts.authTimeoutMs);
    deadline.unref();
    const session = new WorkerSession(ws, this.opts, {
      ...this.deps,
      onWorkerConnected: (key) => {
        settle();
        this.deps.onWorkerConnected?.(key);
      },
    });
    this.sessions.set(ws, session);
    this.alive.add(ws);
    const slice = this.slices[this.nextSlice++ % HEARTBEAT_SLICES]!;
    slice.add(ws);
    ws.on("pong", () => this.alive.add(ws));
    ws.on("message", (data, isBinary) => {
      void session.receive(data as Buffer, isBinary);
    });
    ws.on("error", () => ws.terminate());
    ws.on("close", () => {
      settle();
      session.closed();
      this.sessions.delete(ws);
      slice.delete(ws);
      this.deps.onDisconnect(session);
    });
  }

  /** One heartbeat tick: pings one slice; a socket that missed its last ping is terminated. */
  private beat(): void {
    if (this.tick % HEARTBEAT_SLICES === 0) this.limits.prune();
    for (const ws of this.slices[this.tick++ % HEARTBEAT_SLICES]!) {
      if (!this.alive.has(ws)) {
        ws.terminate();
        continue;
      }
      this.alive.delete(ws);
      ws.ping();
    }
  }

  /** Closes every connection and stops the heartbeat. */
  async stop(): Promise<void> {
    clearInterval(this.heartbeat);
    for (const ws of this.sessions.keys()) ws.close(1001, "coordinator shutting down");
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    for (const ws of this.sessions.keys()) ws.terminate();
  }
}
