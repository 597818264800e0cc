/**
 * One holder at a time across every coordinator sharing a PostgreSQL database: a session-level
 * advisory lock held on a dedicated connection. The holder keeps it while its connection
 * lives; when the holder dies (process killed, connection cut) PostgreSQL releases it and the
 * next contender's periodic try takes it over. Used for the ledger sealer, so the chain has
 * exactly one producer at a time and never forks.
 * @module
 */
import pg from "pg";

/** How to contend for a lock. */
export interface LeaderLockOptions {
  /** The database. */
  readonly connectionString: string;
  /** The lock's key (a 64-bit integer; one per role). */
  readonly key: bigint;
  /** How often a contender retries; also bounds how long a dead holder's lock goes unheld. */
  readonly retryMs: number;
}

/** Contends for a lock until stopped; `onChange` hears when this process gains or loses it. */
export class LeaderLock {
  private client: pg.Client | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private held = false;
  private stopped = false;

  constructor(
    private readonly opts: LeaderLockOptions,
    private readonly onChange: (held: boolean) => void,
  ) {}

  /** True while this process holds the lock. */
  get isHeld(): boolean {
    return this.held;
  }

  /** Starts contending: tries now, then every `retryMs` while not holding it. */
  start(): void {
    this.stopped = false;
    void this.attempt();
  }

  private setHeld(held: boolean): void {
    if (this.held === held) return;
    this.held = held;
    this.onChange(held);
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.attempt(), this.opts.retryMs);
  }

  private async attempt(): Promise<void> {
    if (this.stopped || this.held) return;
    try {
      if (this.client === undefined) {
        const client = new pg.Client({ connectionString: this.opts.connectionString });
        client.on("error", () => this.lost(client));
        client.on("end", () => this.lost(client));
        await client.connect();
        this.client = client;
      }
      const { rows } = await this.client.query<{ ok: boolean }>(
        "SELECT pg_try_advisory_lock($1) AS ok",
        [this.opts.key.toString()],
      );
      if (rows[0]?.ok === true && !this.stopped) this.setHeld(true);
    } catch {
      // the database is unreachable: not the holder; try again later
      await this.dropClient();
    }
    if (!this.held) this.schedule();
  }

  /** The lock's connection ended: whatever was held is gone. */
  private lost(client: pg.Client): void {
    if (this.client !== client) return;
    this.client = undefined;
    this.setHeld(false);
    clearTimeout(this.timer);
    this.schedule();
  }

  private async dropClient(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  /** Stops contending and releases the lock (closing its connection). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.dropClient();
    this.setHeld(false);
  }
}
