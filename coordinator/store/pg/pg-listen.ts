/**
 * Hears, on one dedicated connection, the notifications the schema's trigger sends when units
 * become queued by any coordinator (pg-schema.ts), and calls the local listeners. A lost
 * connection is opened again every `retryMs`; once back, the listeners are called once, as
 * units may have been queued while it was down.
 * @module
 */
import pg from "pg";
import { UNITS_QUEUED_CHANNEL } from "./pg-schema.js";

/** LISTEN on its own connection, reconnecting. */
export class QueuedListener {
  private readonly listeners = new Set<() => void>();
  private client: pg.Client | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private closed = false;

  constructor(
    private readonly connectionString: string,
    private readonly retryMs: number,
  ) {}

  /** Connects and listens; rejects when the database cannot be reached now. */
  async start(): Promise<void> {
    const client = new pg.Client({
      connectionString: this.connectionString,
      connectionTimeoutMillis: 5_000,
      keepAlive: true,
    });
    client.on("error", () => this.lost(client));
    client.on("end", () => this.lost(client));
    client.on("notification", () => this.fire());
    try {
      await client.connect();
      await client.query(`LISTEN ${UNITS_QUEUED_CHANNEL}`);
    } catch (err) {
      await client.end().catch(() => undefined);
      throw err;
    }
    if (this.closed) {
      await client.end();
      return;
    }
    this.client = client;
  }

  /** Calls `listener` on every notification; returns the unsubscribe. */
  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  private fire(): void {
    for (const listener of [...this.listeners]) listener();
  }

  /** The connection ended: listen again later. */
  private lost(client: pg.Client): void {
    if (this.client !== client) return;
    this.client = undefined;
    this.retry();
  }

  private retry(): void {
    if (this.closed) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.start().then(
        () => this.fire(),
        () => this.retry(),
      );
    }, this.retryMs);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }
}
