/**
 * The simulated workers of `bench:coordinator`: lightweight WebSocket clients, thousands in one
 * process, that speak the real protocol (hello → authChallenge → authResponse → welcome, then
 * workRequest → assignment → resultCommit → challenge → openings → verdict) and run each unit
 * with the real sim so that the coordinator checks and replays honest results; a `LoadHub`
 * (load-hub.ts) paces them.
 *
 * What is reused and what is not: frames (protocol/wire.ts), the auth and commit payloads
 * (protocol/canonical.ts), the Merkle tree (protocol/merkle.ts) and the unit itself
 * (worker/unit-task.ts `runUnit`) are the project's own. Two things differ from
 * worker/result.ts, on purpose, to keep the client process from being the bottleneck: one
 * `MerkleTree` per unit serves both the root and the openings (`sealResult` then
 * `buildOpenings` would hash the 1,025 leaves three times, ≈ 8 ms more per unit), and
 * signatures are made with node:crypto (load-identity.ts).
 * @module
 */
import { sign as nodeSign } from "node:crypto";
import { equalBytes } from "@noble/curves/utils.js";
import WebSocket from "ws";
import { authPayload, resultCommitPayload } from "../../protocol/canonical.js";
import type { Frame, FrameOf, Opening } from "../../protocol/frames.js";
import { MAX_FRAME_BYTES } from "../../protocol/limits.js";
import { MerkleTree } from "../../protocol/merkle.js";
import { decodeFrame, encodeFrame } from "../../protocol/wire.js";
import { segmentStartState } from "../../worker/result.js";
import { runUnit, type UnitTaskOutput } from "../../worker/unit-task.js";
import { countError, type LoadHub, type LoadStats } from "./load-hub.js";
import type { LoadIdentity } from "./load-identity.js";

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
   * Opens a socket to `wsUrl` from `localAddress` and completes the handshake; the client is
   * then idle in `hub`.
   * @throws {Error} when the socket fails, closes or the handshake takes over `timeoutMs`.
   */
  static connect(
    wsUrl: string,
    identity: LoadIdentity,
    hub: LoadHub,
    timeoutMs: number,
    localAddress: string,
  ): Promise<LoadClient> {
    const socket = new WebSocket(wsUrl, {
      perMessageDeflate: false,
      maxPayload: MAX_FRAME_BYTES,
      localAddress,
    });
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
      case "revoke": // a queued unit is computed anyway; its stale verdict makes the client idle
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
