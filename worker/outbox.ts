/**
 * The worker's result outbox: every finished result awaiting a verdict. Results are spooled
 * durably (or, when the spool fails, kept in memory), re-sent after each reconnect unless
 * already committed on this session, loaded again to answer a challenge, and dropped once
 * their verdict arrives. The outbox does not send frames; its caller commits.
 * @module
 */
import { bytesToHex } from "@noble/hashes/utils.js";
import type { Logger } from "../common/log.js";
import { buildOpenings, type OpeningFields } from "./result.js";
import type { Spool, SpooledResult } from "./spool.js";

/** How `resend` reaches the connection and the running units. */
export interface ResendHooks {
  /** Whether the session is still up; the resend stops when it is not. */
  readonly connected: () => boolean;
  /** A result still being spooled by its unit, which commits it itself. */
  readonly running: (id: string) => boolean;
  /** Sends the commit of a result (and marks it with `committed`). */
  readonly commit: (result: SpooledResult) => void;
}

/** Results awaiting a verdict, keyed by assignment id (hex). */
export class ResultOutbox {
  /** Results kept in memory because the spool could not store them. */
  private readonly unspooled = new Map<string, SpooledResult>();
  /** unitId of every result awaiting a verdict, by assignment id (for logs and status). */
  private readonly awaiting = new Map<string, string>();
  /** Commits sent on the current session, so a resend does not repeat one. */
  private committedThisSession = new Set<string>();

  constructor(
    private readonly spool: Spool,
    private readonly log: Logger,
  ) {}

  /**
   * Opens the spool and counts the results it holds.
   * @throws {WorkerError} WORKER_ERROR_SPOOL_IO when the spool directory is unusable.
   */
  async open(): Promise<void> {
    await this.spool.open();
    for (const r of await this.spool.list())
      this.awaiting.set(bytesToHex(r.assignmentId), r.unitId);
  }

  close(): Promise<void> {
    return this.spool.close();
  }

  /** Results awaiting a verdict. */
  get size(): number {
    return this.awaiting.size;
  }

  /** Whether a result of this assignment awaits its verdict. */
  has(id: string): boolean {
    return this.awaiting.has(id);
  }

  /** A new session: nothing is committed on it yet. */
  newSession(): void {
    this.committedThisSession = new Set();
  }

  /** Records that this assignment's commit was sent on the current session. */
  committed(id: string): void {
    this.committedThisSession.add(id);
  }

  /**
   * Keeps a finished result: spooled durably, then `onSpooled` runs; if either fails, the
   * result is kept in memory instead.
   */
  async keep(id: string, result: SpooledResult, onSpooled: () => void): Promise<void> {
    this.awaiting.set(id, result.unitId);
    try {
      // Durable before anything leaves the machine: a commit the coordinator has seen can
      // always be reopened after a crash.
      await this.spool.save(result);
      onSpooled();
    } catch (err) {
      this.log.error("spool: cannot store a result; keeping it in memory", {
        unitId: result.unitId,
        error: err,
      });
      this.unspooled.set(id, result);
    }
  }

  /** Re-sends every result awaiting a verdict: spooled ones, then any kept only in memory. */
  async resend(hooks: ResendHooks): Promise<void> {
    const spool = this.spool;
    const ids = await spool.ids().catch((err: unknown) => {
      this.log.error("spool: cannot list results", { error: err });
      return [] as string[];
    });
    for (const id of ids) {
      if (!hooks.connected()) return;
      if (this.committedThisSession.has(id) || hooks.running(id)) continue;
      const result = await spool.load(id).catch((err: unknown) => {
        this.log.error("spool: cannot read a result", { assignmentId: id, error: err });
        return undefined;
      });
      if (result === undefined) {
        this.awaiting.delete(id);
        continue;
      }
      this.awaiting.set(id, result.unitId);
      // A unit that finished while the file was read has committed it already.
      if (!this.committedThisSession.has(id)) hooks.commit(result);
    }
    for (const [id, result] of this.unspooled) {
      if (!this.committedThisSession.has(id)) hooks.commit(result);
    }
  }

  /**
   * Opens the challenged segments of an assignment's result, from memory or the spool;
   * undefined (logged) when the result is not held or cannot be opened.
   */
  async openings(
    id: string,
    segments: readonly number[],
  ): Promise<{ unitId: string; openings: OpeningFields[] } | undefined> {
    const result = await this.load(id).catch((err: unknown) => {
      this.log.error("spool: cannot read a challenged result", { assignmentId: id, error: err });
      return undefined;
    });
    if (result === undefined) {
      this.log.warn("challenge for a result this worker does not hold", { assignmentId: id });
      return undefined;
    }
    try {
      return { unitId: result.unitId, openings: buildOpenings(result, segments) };
    } catch (err) {
      this.log.warn("cannot open the challenged segments", { unitId: result.unitId, error: err });
      return undefined;
    }
  }

  /** Drops a result whose verdict arrived; returns its unitId if it was awaited. */
  async settle(id: string): Promise<string | undefined> {
    const unitId = this.awaiting.get(id);
    this.awaiting.delete(id);
    this.unspooled.delete(id);
    try {
      await this.spool.remove(id);
    } catch (err) {
      this.log.error("spool: cannot remove a result with a verdict", {
        assignmentId: id,
        error: err,
      });
    }
    return unitId;
  }

  private async load(id: string): Promise<SpooledResult | undefined> {
    return this.unspooled.get(id) ?? (await this.spool.load(id));
  }
}
