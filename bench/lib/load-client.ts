/**
 * The simulated workers of `bench:coordinator`: lightweight WebSocket clients, thousands in one
 * process, that speak the real protocol (hello → authChallenge → authResponse → welcome, then
 * workRequest → assignment → resultCommit → challenge → openings → verdict) and run each unit
 * with the real sim so that the coordinator checks and replays honest results. A `LoadHub`
 * holds the shared figures, decides when an idle client asks for work (paused, closed loop or
 * paced at a total rate) and runs the clients' units one at a time on a queue, so that the
 * event loop reads frames between units and assignment latencies stay true to ± one unit.
 *
 * What is reused and what is not: frames (protocol/wire.ts), the auth and commit payloads
 * (protocol/canonical.ts), the Merkle tree (protocol/merkle.ts) and the unit itself
 * (worker/unit-task.ts `runUnit`) are the project's own. Two things differ from
 * worker/result.ts, on purpose, to keep the client process from being the bottleneck: one
 * `MerkleTree` per unit serves both the root and the openings (`sealResult` then
 * `buildOpenings` would hash the 1,025 leaves three times, ≈ 8 ms more per unit), and
 * signatures are made with node:crypto (OpenSSL) instead of @noble/curves — ed25519 is
 * deterministic (RFC 8032), so the bytes are identical, which `createLoadIdentity` checks
 * once, and signing costs ≈ 0.05 ms instead of ≈ 1.7 ms on the development VM.
 * @module
 */
import {
  createPrivateKey,
  generateKeyPairSync,
  type KeyObject,
  sign as nodeSign,
} from "node:crypto";
import { equalBytes } from "@noble/curves/utils.js";
import WebSocket from "ws";
import { authPayload, resultCommitPayload } from "../../protocol/canonical.js";
import type { Frame, FrameOf, Opening } from "../../protocol/frames.js";
import { identityFromSecretKey, sign } from "../../protocol/identity.js";
import { MAX_FRAME_BYTES } from "../../protocol/limits.js";
import { MerkleTree } from "../../protocol/merkle.js";
import { decodeFrame, encodeFrame } from "../../protocol/wire.js";
import { segmentStartState } from "../../worker/result.js";
import { runUnit, type UnitTaskOutput } from "../../worker/unit-task.js";

/** DER prefix of a PKCS#8 ed25519 private key; the 32-byte seed follows (RFC 8410 §7). */
const PKCS8_ED25519_PREFIX = Buffer.from("302e020100300506032b657004220420", "hex");
/** DER prefix of an SPKI ed25519 public key; the 32-byte key follows (RFC 8410 §4). */
const SPKI_ED25519_PREFIX_BYTES = 12;

/** A worker key pair with a node:crypto signing key. */
export interface LoadIdentity {
  readonly publicKey: Uint8Array;
  readonly signingKey: KeyObject;
}

let identityChecked = false;

/**
 * A fresh key pair made by node:crypto (≈ 50 µs, against ≈ 2 ms for noble's keygen here).
 * The first call checks that node:crypto and protocol/identity.ts agree on the public key and
 * the signature bytes.
 * @throws {Error} when they do not agree (the bench would measure rejections).
 */
export function createLoadIdentity(): LoadIdentity {
  const { publicKey, privateKey } = generateKeyPairSync("ed25519");
  const pub = new Uint8Array(
    publicKey.export({ format: "der", type: "spki" }).subarray(SPKI_ED25519_PREFIX_BYTES),
  );
  if (!identityChecked) {
    const seed = new Uint8Array(
      privateKey.export({ format: "der", type: "pkcs8" }).subarray(PKCS8_ED25519_PREFIX.length),
    );
    const key = createPrivateKey({
      key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]),
      format: "der",
      type: "pkcs8",
    });
    const message = new TextEncoder().encode("foldnet bench signature check");
    if (
      !equalBytes(identityFromSecretKey(seed).publicKey, pub) ||
      !equalBytes(new Uint8Array(nodeSign(null, message, key)), sign(seed, message))
    )
      throw new Error("node:crypto and protocol/identity.ts disagree on ed25519");
    identityChecked = true;
  }
  return { publicKey: pub, signingKey: privateKey };
}

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

function countError(stats: LoadStats, code: string): void {
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

/** A unit run and committed, kept until its challenge is answered. */
interface Committed {
  readonly assignmentId: Uint8Array;
  readonly checkpointInterval: number;
  readonly output: UnitTaskOutput;
  readonly tree: MerkleTree;
}

type Phase = "connecting" | "idle" | "requesting" | "queued" | "committed" | "closed";

/** One simulated worker on one WebSocket. */
export class LoadClient {
  private phase: Phase = "connecting";
  private sentAt = 0;
  private sentIn: LoadStats | undefined;
  private committed: Committed | undefined;
  private closing = false;
  private welcomed: (() => void) | undefined;
  private failed: ((err: Error) => void) | undefined;

  private constructor(
    private readonly socket: WebSocket,
    private readonly identity: LoadIdentity,
    private readonly hub: LoadHub,
  ) {
    socket.binaryType = "nodebuffer";
    socket.on("message", (data: Buffer, isBinary: boolean) => this.onMessage(data, isBinary));
    socket.on("error", (err) => {
      if (this.phase === "connecting") this.failed?.(err);
      else if (!this.closing) countError(this.hub.stats, `SOCKET_${err.name}`);
    });
    socket.on("close", (code) => {
      const was = this.phase;
      this.phase = "closed";
      this.hub.forget(this);
      if (was === "connecting") this.failed?.(new Error(`closed (${code}) before welcome`));
      else if (!this.closing) countError(this.hub.stats, `CLOSED_${code}`);
    });
  }

  /**
   * Opens a socket to `wsUrl` and completes the handshake; the client is then idle in `hub`.
   * @throws {Error} when the socket fails, closes or the handshake takes over `timeoutMs`.
   */
  static connect(
    wsUrl: string,
    identity: LoadIdentity,
    hub: LoadHub,
    timeoutMs: number,
  ): Promise<LoadClient> {
    const socket = new WebSocket(wsUrl, { perMessageDeflate: false, maxPayload: MAX_FRAME_BYTES });
    const client = new LoadClient(socket, identity, hub);
    return new Promise<LoadClient>((resolve, reject) => {
      const timer = setTimeout(() => {
        client.close();
        reject(new Error(`handshake took over ${timeoutMs} ms`));
      }, timeoutMs);
      client.welcomed = () => {
        clearTimeout(timer);
        resolve(client);
      };
      client.failed = (err) => {
        clearTimeout(timer);
        client.close();
        reject(err);
      };
      socket.once("open", () =>
        client.send({
          kind: "hello",
          publicKey: identity.publicKey,
          client: "foldnet-bench/1",
          threads: 1,
        }),
      );
    });
  }

  /** True while a cycle is under way (a request, a unit to run or a commit unanswered). */
  get busy(): boolean {
    return this.phase === "requesting" || this.phase === "queued" || this.phase === "committed";
  }

  /** True until the socket closes. */
  get alive(): boolean {
    return this.phase !== "closed";
  }

  /** Age in ms of this client's unanswered workRequest if it was sent in `window`. */
  waitingSince(window: LoadStats, now: number): number | undefined {
    return this.phase === "requesting" && this.sentIn === window ? now - this.sentAt : undefined;
  }

  /** Sends a workRequest for one unit, timing it in the hub's current window. */
  requestWork(): void {
    if (this.phase === "closed") return;
    this.phase = "requesting";
    this.sentIn = this.hub.stats;
    this.sentIn.requests++;
    this.sentAt = performance.now();
    this.send({ kind: "workRequest", slots: 1 });
  }

  /** Drops a queued or arriving unit unrun (the hub paused) and goes idle. */
  abandon(): void {
    if (this.phase === "closed") return;
    this.hub.stats.abandoned++;
    this.goIdle();
  }

  /** Runs a unit with the real sim and sends its commit (called from the hub's unit queue). */
  run(assignment: FrameOf<"assignment">): void {
    if (this.phase !== "queued") return;
    try {
      const output = runUnit({
        startState: assignment.startState,
        steps: assignment.steps,
        checkpointInterval: assignment.checkpointInterval,
      });
      const tree = new MerkleTree(output.leaves);
      const claim = {
        assignmentId: assignment.assignmentId,
        unitId: assignment.unitId,
        bestFold: output.bestFold,
        bestEnergy: output.bestEnergy,
        steps: assignment.steps,
        finalStateHash: output.leaves[output.leaves.length - 1]!,
        merkleRoot: tree.root,
      };
      const signature = new Uint8Array(
        nodeSign(null, resultCommitPayload(claim), this.identity.signingKey),
      );
      this.committed = {
        assignmentId: assignment.assignmentId,
        checkpointInterval: assignment.checkpointInterval,
        output,
        tree,
      };
      this.phase = "committed";
      this.send({ kind: "resultCommit", ...claim, finalState: output.finalState, signature });
    } catch (err) {
      countError(this.hub.stats, `UNIT_${(err as { code?: string }).code ?? "FAILED"}`);
      this.goIdle();
    }
  }

  /** Closes the socket without counting it as an error. */
  close(): void {
    this.closing = true;
    this.phase = "closed";
    this.hub.forget(this);
    this.socket.terminate();
  }

  private goIdle(): void {
    this.committed = undefined;
    this.phase = "idle";
    this.hub.ready(this);
  }

  private send(frame: Frame): void {
    if (this.socket.readyState === WebSocket.OPEN) this.socket.send(encodeFrame(frame));
  }

  private onMessage(data: Buffer, isBinary: boolean): void {
    const at = performance.now();
    let frame: Frame;
    try {
      if (!isBinary) throw new Error("text frame");
      frame = decodeFrame(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    } catch {
      countError(this.hub.stats, "CLIENT_BAD_FRAME");
      return;
    }
    const stats = this.hub.stats;
    switch (frame.kind) {
      case "authChallenge":
        this.send({
          kind: "authResponse",
          signature: new Uint8Array(
            nodeSign(
              null,
              authPayload(frame.nonce, frame.coordinatorKey, this.identity.publicKey),
              this.identity.signingKey,
            ),
          ),
        });
        return;
      case "welcome":
        this.phase = "idle";
        this.welcomed?.();
        this.hub.ready(this);
        return;
      case "assignment":
        stats.assignments++;
        this.sentIn?.latenciesMs.push(at - this.sentAt);
        this.sentIn = undefined;
        if (this.hub.paused) {
          this.abandon();
          return;
        }
        this.phase = "queued";
        this.hub.enqueue(this, frame);
        return;
      case "noWork":
        stats.noWork++;
        this.sentIn = undefined;
        this.phase = "idle";
        setTimeout(() => {
          if (this.phase === "idle") this.hub.ready(this);
        }, frame.retryAfterMs);
        return;
      case "challenge":
        this.answer(frame);
        return;
      case "verdict":
        if (frame.accepted) stats.results++;
        else {
          stats.rejected++;
          stats.errorCodes.set(frame.code, (stats.errorCodes.get(frame.code) ?? 0) + 1);
        }
        this.goIdle();
        return;
      case "error":
        countError(stats, frame.code);
        if (this.phase === "committed") this.goIdle();
        return;
      default:
        countError(stats, `CLIENT_UNEXPECTED_${frame.kind}`);
    }
  }

  private answer(challenge: FrameOf<"challenge">): void {
    const c = this.committed;
    if (c === undefined || !equalBytes(c.assignmentId, challenge.assignmentId)) {
      countError(this.hub.stats, "CLIENT_UNKNOWN_CHALLENGE");
      return;
    }
    const count = c.output.leaves.length - 1;
    const openings: Opening[] = [];
    for (const j of challenge.segments) {
      if (!Number.isSafeInteger(j) || j < 0 || j >= count) {
        countError(this.hub.stats, "CLIENT_BAD_CHALLENGE");
        this.goIdle();
        return;
      }
      openings.push({
        segment: j,
        state: segmentStartState(c.output, c.checkpointInterval, j),
        startProof: c.tree.proof(j),
        endProof: c.tree.proof(j + 1),
        endLeaf: c.output.leaves[j + 1]!,
      });
    }
    this.send({ kind: "openings", assignmentId: c.assignmentId, openings });
  }
}
