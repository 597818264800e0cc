/**
 * A worker driven step by step from a test over a real WebSocket: it authenticates with its
 * own key, asks for work, runs units with the real sim (or not), and can send anything —
 * honest results, tampered ones, garbage bytes — to check what the coordinator does.
 * @module
 */
import WebSocket from "ws";
import { authPayload, resultCommitPayload } from "../../protocol/canonical.js";
import type { Frame, FrameOf } from "../../protocol/frames.js";
import { generateIdentity, type Identity, sign } from "../../protocol/identity.js";
import { decodeFrame, encodeFrame } from "../../protocol/wire.js";
import { buildOpenings, commitFields, sealResult } from "../../worker/result.js";
import type { SpooledResult } from "../../worker/spool.js";
import { runUnit } from "../../worker/unit-task.js";

/** A test's worker connection. */
export class ScriptedWorker {
  private readonly inbox: Frame[] = [];
  /** `revoke` frames received while waiting for other kinds (a script may ignore them). */
  readonly revoked: FrameOf<"revoke">[] = [];
  private waiters: (() => void)[] = [];
  closedWith: { code: number; reason: string } | undefined;

  private constructor(
    readonly socket: WebSocket,
    readonly identity: Identity,
  ) {
    socket.on("message", (data: Buffer) => {
      this.inbox.push(decodeFrame(new Uint8Array(data)));
      this.wake();
    });
    socket.on("close", (code, reason) => {
      this.closedWith = { code, reason: reason.toString() };
      this.wake();
    });
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  /** Opens a socket without authenticating. */
  static async open(
    wsUrl: string,
    identity: Identity = generateIdentity(),
  ): Promise<ScriptedWorker> {
    const socket = new WebSocket(wsUrl);
    await new Promise<void>((resolve, reject) => {
      socket.once("open", () => resolve());
      socket.once("error", reject);
    });
    return new ScriptedWorker(socket, identity);
  }

  /** Opens a socket and completes hello (with `hello`'s fields) → challenge → response → welcome. */
  static async connect(
    wsUrl: string,
    identity: Identity = generateIdentity(),
    hello: Partial<FrameOf<"hello">> = {},
  ): Promise<ScriptedWorker> {
    const worker = await ScriptedWorker.authenticate(wsUrl, identity, hello);
    await worker.next("welcome");
    return worker;
  }

  /** Opens a socket and answers the auth challenge; the next frame is welcome or an error. */
  static async authenticate(
    wsUrl: string,
    identity: Identity,
    hello: Partial<FrameOf<"hello">> = {},
  ): Promise<ScriptedWorker> {
    const worker = await ScriptedWorker.open(wsUrl, identity);
    worker.send({
      kind: "hello",
      publicKey: identity.publicKey,
      client: "scripted-test/1",
      threads: 1,
      ...hello,
    });
    const challenge = await worker.next("authChallenge");
    worker.send({
      kind: "authResponse",
      signature: sign(
        identity.secretKey,
        authPayload(challenge.nonce, challenge.coordinatorKey, identity.publicKey),
      ),
    });
    return worker;
  }

  send(frame: Frame): void {
    this.socket.send(encodeFrame(frame));
  }

  sendRaw(bytes: Uint8Array | string): void {
    this.socket.send(bytes);
  }

  /** The next frame received (of `kind`, failing on any other kind), waiting for it. */
  async next<K extends Frame["kind"]>(kind: K): Promise<FrameOf<K>> {
    return (await this.nextOf([kind])) as FrameOf<K>;
  }

  /** Resolves when the socket is closed. */
  async closed(): Promise<{ code: number; reason: string }> {
    while (this.closedWith === undefined)
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    return this.closedWith;
  }

  /** Asks for one unit and returns its assignment (failing on noWork). */
  async lease(): Promise<FrameOf<"assignment">> {
    this.send({ kind: "workRequest", slots: 1 });
    return this.next("assignment");
  }

  /** Runs an assignment honestly with the real sim and seals the result with this key. */
  run(assignment: FrameOf<"assignment">): SpooledResult {
    const output = runUnit({
      startState: assignment.startState,
      steps: assignment.steps,
      checkpointInterval: assignment.checkpointInterval,
    });
    return sealResult(assignment, output, this.identity.secretKey, Date.now());
  }

  /** Signs a (possibly tampered) result's commit fields with this worker's key (or another). */
  resign(result: SpooledResult, secretKey: Uint8Array = this.identity.secretKey): SpooledResult {
    return { ...result, signature: sign(secretKey, resultCommitPayload(commitFields(result))) };
  }

  /** Sends a result commit; answers a challenge with honest openings; returns the verdict. */
  async submit(
    result: SpooledResult,
    frame: Partial<FrameOf<"resultCommit">> = {},
  ): Promise<FrameOf<"verdict">> {
    this.send({ kind: "resultCommit", ...commitFields(result), ...frame });
    const first = await this.nextOf(["challenge", "verdict"]);
    if (first.kind === "verdict") return first;
    const challenge = first as FrameOf<"challenge">;
    this.send({
      kind: "openings",
      assignmentId: challenge.assignmentId,
      openings: buildOpenings(result, challenge.segments),
    });
    return this.next("verdict");
  }

  /** The next frame, which must be one of `kinds` (a `revoke` not asked for is set aside). */
  async nextOf(kinds: Frame["kind"][]): Promise<Frame> {
    for (;;) {
      const frame = this.inbox.shift();
      if (frame?.kind === "revoke" && !kinds.includes("revoke")) {
        this.revoked.push(frame);
        continue;
      }
      if (frame !== undefined) {
        if (!kinds.includes(frame.kind)) {
          const shown = JSON.stringify(frame, (_k, v) => (typeof v === "bigint" ? String(v) : v));
          throw new Error(`expected ${kinds.join("|")}, got ${shown}`);
        }
        return frame;
      }
      if (this.closedWith !== undefined) {
        const { code, reason } = this.closedWith;
        throw new Error(`socket closed (${code} ${reason}) waiting for ${kinds.join("|")}`);
      }
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  close(): void {
    this.socket.close();
  }
}
