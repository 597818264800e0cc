/**
 * The worker's WebSocket client: connects to a coordinator of its list, authenticates with the
 * worker's ed25519 key (hello → authChallenge → authResponse → welcome), hands every later
 * frame to its owner, and, when the socket closes or goes silent, reconnects to the next
 * coordinator of the list (worker/failover.ts: backoff only after a full round failed).
 *
 * Limits (docs/limits.md, docs/worker.md): `maxPayload` is the protocol's MAX_FRAME_BYTES, the
 * handshake must finish within HANDSHAKE_TIMEOUT_MS, and a socket that brings neither a frame
 * nor a ping for `heartbeatTimeoutMs` (2 × the coordinator's ping interval) is terminated.
 * ws answers pings by itself. Frames that do not decode are logged (code only) and dropped;
 * ws errors are logged and end in a close, which schedules the reconnect. Nothing here throws
 * into the event loop.
 * @module
 */
import { EventEmitter } from "node:events";
import { equalBytes } from "@noble/curves/utils.js";
import WebSocket from "ws";
import { type Clock, systemClock, type TimerHandle } from "../common/clock.js";
import { FoldnetError } from "../common/errors.js";
import { type Logger, silentLogger } from "../common/log.js";
import { authPayload } from "../protocol/canonical.js";
import type { Frame } from "../protocol/frames.js";
import { type Identity, keyId, sign } from "../protocol/identity.js";
import { MAX_FRAME_BYTES } from "../protocol/limits.js";
import { decodeFrame, encodeFrame } from "../protocol/wire.js";
import { sanitizeWorkerName } from "../protocol/worker-name.js";
import type { BackoffOptions } from "./backoff.js";
import { CoordinatorRing } from "./failover.js";
import type { ConnectionState } from "./status.js";

/**
 * The coordinator pings every 15 s (its heartbeat); a worker hearing nothing for twice that
 * assumes a dead link (a half-open TCP connection never closes by itself) and reconnects.
 */
export const HEARTBEAT_TIMEOUT_MS = 30_000;
/** Connect plus hello/challenge/response/welcome: a few round trips, generously bounded. */
export const HANDSHAKE_TIMEOUT_MS = 15_000;
/** How long `stop()` waits for the close handshake before terminating the socket. */
export const CLOSE_TIMEOUT_MS = 2_000;

/** Options of a connection. */
export interface ConnectionOptions {
  /** The coordinators' URLs, tried in turn (normalized by `coordinatorUrls`). */
  readonly urls: readonly string[];
  readonly identity: Identity;
  /** Software name and version sent in `hello`. */
  readonly client: string;
  /** Threads announced in `hello`. */
  readonly threads: number;
  /** The team announced in `hello` and covered by the auth signature ("" or absent for none). */
  readonly team?: string;
  /** The machine's name announced in `hello` (≤ MAX_WORKER_NAME_BYTES; absent for none). */
  readonly name?: string;
  readonly backoff?: Omit<BackoffOptions, "random">;
  readonly heartbeatTimeoutMs?: number;
  readonly handshakeTimeoutMs?: number;
  /**
   * The coordinator's public key, if pinned: a challenge from any other key is not answered
   * (no signature for an impostor) and the socket is closed.
   */
  readonly coordinatorKey?: Uint8Array;
}

/** Collaborators of a connection (injected in tests). */
export interface ConnectionDeps {
  readonly log?: Logger;
  readonly clock?: Clock;
  /** Draws the first coordinator and the backoff's jitter. */
  readonly random?: () => number;
}

/** What the connection reports. */
export interface ConnectionEvents {
  /** Authenticated: the coordinator's welcome. */
  connected: [info: { workerId: string; coordinatorKey: Uint8Array }];
  /** A frame after the handshake. */
  frame: [frame: Frame];
  /** An authenticated session ended (the reconnect is already scheduled unless stopped). */
  disconnected: [info: { code: number; reason: string }];
  /** The connection state changed. */
  state: [state: ConnectionState];
}

/** A self-reconnecting, authenticating WebSocket client of the coordinator. */
export class WorkerConnection extends EventEmitter<ConnectionEvents> {
  private readonly opts: ConnectionOptions;
  private readonly log: Logger;
  private readonly clock: Clock;
  private readonly ring: CoordinatorRing;
  private ws: WebSocket | undefined;
  private current: ConnectionState = "idle";
  private stopped = true;
  private authenticated = false;
  /** The coordinator key of the current handshake's challenge. */
  private coordinatorKey: Uint8Array | undefined;
  private reconnectTimer: TimerHandle | undefined;
  private silenceTimer: TimerHandle | undefined;
  private handshakeTimer: TimerHandle | undefined;
  private sessions = 0;

  constructor(opts: ConnectionOptions, deps: ConnectionDeps = {}) {
    super();
    this.opts = opts;
    this.log = deps.log ?? silentLogger;
    this.clock = deps.clock ?? systemClock;
    this.ring = new CoordinatorRing(opts.urls, opts.backoff, deps.random);
  }

  /** The coordinator URL connected to, or tried next. */
  get url(): string {
    return this.ring.current;
  }

  /** The connection state. */
  get state(): ConnectionState {
    return this.current;
  }

  /** True between `welcome` and the socket's close. */
  get connected(): boolean {
    return this.current === "connected";
  }

  /** Authenticated sessions so far (reconnects = sessions − 1). */
  get sessionCount(): number {
    return this.sessions;
  }

  /** Starts connecting (and reconnecting until `stop`). */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.connect();
  }

  /**
   * Sends a frame if authenticated; returns false (and sends nothing) otherwise.
   * @throws {ProtocolError|TypeError} when the frame does not encode (a bug of the caller).
   */
  send(frame: Frame): boolean {
    const ws = this.ws;
    if (!this.connected || ws === undefined || ws.readyState !== WebSocket.OPEN) return false;
    ws.send(encodeFrame(frame));
    return true;
  }

  /** Stops reconnecting and closes the socket cleanly (1000), terminating it if it hangs. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.clearTimer("reconnectTimer");
    const ws = this.ws;
    if (ws === undefined || ws.readyState === WebSocket.CLOSED) {
      this.setState("closed");
      return;
    }
    await new Promise<void>((resolve) => {
      const force = this.clock.setTimeout(() => ws.terminate(), CLOSE_TIMEOUT_MS);
      ws.once("close", () => {
        this.clock.clearTimeout(force);
        resolve();
      });
      if (ws.readyState === WebSocket.CONNECTING) ws.terminate();
      else ws.close(1000, "worker stopping");
    });
    this.setState("closed");
  }

  private setState(state: ConnectionState): void {
    if (state === this.current) return;
    this.current = state;
    this.emit("state", state);
  }

  private clearTimer(name: "reconnectTimer" | "silenceTimer" | "handshakeTimer"): void {
    const t = this[name];
    if (t !== undefined) this.clock.clearTimeout(t);
    this[name] = undefined;
  }

  private connect(): void {
    if (this.stopped) return;
    this.setState("connecting");
    this.authenticated = false;
    const ws = new WebSocket(this.url, {
      maxPayload: MAX_FRAME_BYTES,
      handshakeTimeout: this.opts.handshakeTimeoutMs ?? HANDSHAKE_TIMEOUT_MS,
      perMessageDeflate: false,
    });
    ws.binaryType = "nodebuffer";
    this.ws = ws;
    this.handshakeTimer = this.clock.setTimeout(() => {
      this.log.warn("handshake timed out", { url: this.url });
      ws.terminate();
    }, this.opts.handshakeTimeoutMs ?? HANDSHAKE_TIMEOUT_MS);

    ws.on("open", () => {
      this.setState("authenticating");
      this.armSilenceTimer(ws);
      ws.send(
        encodeFrame({
          kind: "hello",
          publicKey: this.opts.identity.publicKey,
          client: this.opts.client,
          threads: this.opts.threads,
          team: this.opts.team ?? "",
          // as the coordinator will store it: never too long to encode
          name: sanitizeWorkerName(this.opts.name ?? ""),
        }),
      );
    });
    ws.on("ping", () => this.armSilenceTimer(ws));
    ws.on("message", (data, isBinary) => {
      this.armSilenceTimer(ws);
      if (!isBinary) {
        this.log.warn("ignored a text message from the coordinator");
        return;
      }
      this.onMessage(ws, toBytes(data));
    });
    ws.on("error", (err) => {
      this.log.warn("connection error", { url: this.url, error: err.message });
    });
    ws.on("close", (code, reason) => this.onClose(ws, code, reason.toString("utf8")));
  }

  private onMessage(ws: WebSocket, bytes: Uint8Array): void {
    let frame: Frame;
    try {
      frame = decodeFrame(bytes);
    } catch (err) {
      const code = err instanceof FoldnetError ? err.code : "FRAME_ERROR_MALFORMED";
      this.log.warn("dropped a frame that does not decode", { code, bytes: bytes.length });
      return;
    }
    if (this.authenticated) {
      this.emit("frame", frame);
      return;
    }
    switch (frame.kind) {
      case "authChallenge": {
        const pinned = this.opts.coordinatorKey;
        if (pinned !== undefined && !equalBytes(pinned, frame.coordinatorKey)) {
          this.log.error("the coordinator's key is not the pinned one; not authenticating", {
            expected: keyId(pinned),
            got: keyId(frame.coordinatorKey),
          });
          ws.close(1008, "unexpected coordinator key");
          return;
        }
        const signature = sign(
          this.opts.identity.secretKey,
          authPayload(
            frame.nonce,
            frame.coordinatorKey,
            this.opts.identity.publicKey,
            this.opts.team ?? "",
          ),
        );
        ws.send(encodeFrame({ kind: "authResponse", signature }));
        this.coordinatorKey = frame.coordinatorKey;
        return;
      }
      case "welcome": {
        if (this.coordinatorKey === undefined) {
          this.log.warn("welcome before an auth challenge; closing");
          ws.close(1002, "welcome before challenge");
          return;
        }
        this.clearTimer("handshakeTimer");
        this.authenticated = true;
        this.sessions++;
        this.ring.connected();
        this.setState("connected");
        this.log.info("connected", {
          url: this.url,
          workerId: frame.workerId,
          coordinator: keyId(this.coordinatorKey),
        });
        this.emit("connected", { workerId: frame.workerId, coordinatorKey: this.coordinatorKey });
        return;
      }
      case "error":
        this.log.error("the coordinator refused the connection", {
          code: frame.code,
          message: frame.message,
        });
        return;
      default:
        this.log.warn("unexpected frame during the handshake", { kind: frame.kind });
    }
  }

  private armSilenceTimer(ws: WebSocket): void {
    this.clearTimer("silenceTimer");
    this.silenceTimer = this.clock.setTimeout(() => {
      this.log.warn("no message or ping from the coordinator; reconnecting", {
        silentMs: this.opts.heartbeatTimeoutMs ?? HEARTBEAT_TIMEOUT_MS,
      });
      ws.terminate();
    }, this.opts.heartbeatTimeoutMs ?? HEARTBEAT_TIMEOUT_MS);
  }

  private onClose(ws: WebSocket, code: number, reason: string): void {
    if (ws !== this.ws) return;
    this.clearTimer("silenceTimer");
    this.clearTimer("handshakeTimer");
    const wasAuthenticated = this.authenticated;
    this.authenticated = false;
    this.coordinatorKey = undefined;
    this.ws = undefined;
    if (wasAuthenticated) this.emit("disconnected", { code, reason });
    if (this.stopped) {
      this.setState("closed");
      return;
    }
    const left = this.url;
    const delay = this.ring.failed();
    this.setState("waiting");
    this.log.info("disconnected; retrying", {
      code,
      ...(reason === "" ? {} : { reason }),
      url: left,
      next: this.url,
      retryInMs: delay,
      rounds: this.ring.rounds,
    });
    this.reconnectTimer = this.clock.setTimeout(() => {
      this.reconnectTimer = undefined;
      this.connect();
    }, delay);
  }
}

/** ws hands binary messages as a Buffer, a Buffer[] (fragments) or an ArrayBuffer. */
function toBytes(data: WebSocket.RawData): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return data;
}
