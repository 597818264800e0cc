/**
 * The PostgreSQL store's access to its database: a `pg.Pool`, queries that return rows, and
 * transactions (READ COMMITTED with explicit row locks) retried on serialization failures and
 * deadlocks. Every call maps "the database is unreachable" to a StoreError
 * (store-errors.ts), and the pool's `error` events (an idle connection cut by a server
 * restart) are handled, so a lost database never crashes the process.
 * @module
 */
import pg from "pg";
import { isUnavailable, storeError } from "./store-errors.js";

export type Row = Record<string, unknown>;

/** SQLSTATEs after which a transaction is run again: serialization failure, deadlock. */
const RETRY_CODES = new Set(["40001", "40P01"]);
const MAX_ATTEMPTS = 8;

/** How long the server keeps a transaction that waits on its client (then ends its session). */
const IDLE_IN_TRANSACTION_MS = 10_000;

/** Statement names by text: the store's statements are few and fixed. */
const names = new Map<string, string>();

/** `text` as a named statement, which each connection parses and plans once. */
function prepared(text: string, values: readonly unknown[]): pg.QueryConfig {
  let name = names.get(text);
  if (name === undefined) {
    name = `foldnet_${names.size}`;
    names.set(text, name);
  }
  return { name, text, values: values as unknown[] };
}

/** Queries on a pool or, inside a transaction, on its one connection. */
export class Sql {
  constructor(private readonly on: pg.Pool | pg.PoolClient) {}

  /** The rows of one statement. */
  async rows<T = Row>(text: string, values: readonly unknown[] = []): Promise<T[]> {
    const r = await this.on.query(prepared(text, values));
    return r.rows as T[];
  }

  /** The first row of one statement, if any. */
  async row<T = Row>(text: string, values: readonly unknown[] = []): Promise<T | undefined> {
    return (await this.rows<T>(text, values))[0];
  }

  /** Runs one statement; the number of rows it changed. */
  async run(text: string, values: readonly unknown[] = []): Promise<number> {
    const r = await this.on.query(prepared(text, values));
    return r.rowCount ?? 0;
  }
}

/** Options of a transaction. */
export interface TxOptions {
  /** Run the transaction again on a serialization failure or deadlock (default true). */
  readonly retry?: boolean;
}

/** A pool with error mapping and transactions. */
export class PgDatabase {
  readonly pool: pg.Pool;
  private readonly sql: Sql;

  constructor(
    connectionString: string,
    /** `host:port/database`, for messages. */
    readonly server: string,
    maxConnections: number,
    onPoolError: (err: Error) => void,
  ) {
    this.pool = new pg.Pool({
      connectionString,
      max: maxConnections,
      connectionTimeoutMillis: 5_000,
      keepAlive: true,
      // a coordinator that stops mid-transaction (frozen, cut off) must not hold the ledger
      // lock, and with it every coordinator's acceptances, for longer than this
      idle_in_transaction_session_timeout: IDLE_IN_TRANSACTION_MS,
    });
    // An idle connection that dies (server restart, network cut) is reported here; without a
    // handler the pool's EventEmitter would throw and end the process.
    this.pool.on("error", onPoolError);
    this.sql = new Sql(this.pool);
  }

  /** One or more statements outside a transaction (each commits on its own). */
  async read<T>(fn: (sql: Sql) => Promise<T>): Promise<T> {
    try {
      return await fn(this.sql);
    } catch (err) {
      throw storeError(err, this.server);
    }
  }

  /**
   * Runs `fn` in one transaction on one connection: committed when it resolves, rolled back
   * when it throws. Run again (from the start, so `fn` must only read and write the database
   * and call pure functions) on a serialization failure or deadlock unless `retry` is false.
   */
  async tx<T>(fn: (sql: Sql) => Promise<T>, opts: TxOptions = {}): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.once(fn);
      } catch (err) {
        const code = (err as { code?: unknown }).code;
        const again =
          opts.retry !== false &&
          attempt < MAX_ATTEMPTS &&
          typeof code === "string" &&
          RETRY_CODES.has(code);
        if (!again) throw storeError(err, this.server);
        await new Promise((r) => setTimeout(r, Math.random() * 5 * attempt));
      }
    }
  }

  private async once<T>(fn: (sql: Sql) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    let broken: Error | undefined;
    try {
      await client.query("BEGIN");
      const result = await fn(new Sql(client));
      await client.query("COMMIT");
      return result;
    } catch (err) {
      if (isUnavailable(err)) broken = err as Error;
      else await client.query("ROLLBACK").catch((e: Error) => (broken = e));
      throw err;
    } finally {
      // a connection that failed is destroyed rather than handed out again
      client.release(broken);
    }
  }

  async end(): Promise<void> {
    await this.pool.end();
  }
}
