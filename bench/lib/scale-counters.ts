/**
 * The counters bench:scale reads at the edges of a window besides CPU: a coordinator's store
 * transactions from its `/metrics`, and a PostgreSQL database's commits, rows written, size
 * and the cluster's WAL position.
 * @module
 */
import type pg from "pg";
import type { CoordinatorAddress } from "./coordinator-process.js";

/**
 * foldnet_store_transaction_seconds of a coordinator: the count of every operation's
 * transactions, and the seconds and count of its acceptances.
 */
export async function storeCounters(address: CoordinatorAddress) {
  const text = await (await fetch(`${address.url}/metrics`)).text();
  const out = { tx: 0, acceptS: 0, acceptN: 0 };
  for (const line of text.split("\n")) {
    const value = Number(line.slice(line.lastIndexOf(" ") + 1));
    if (line.startsWith("foldnet_store_transaction_seconds_count")) out.tx += value;
    if (!line.includes('op="accept_result"')) continue;
    if (line.startsWith("foldnet_store_transaction_seconds_sum")) out.acceptS += value;
    if (line.startsWith("foldnet_store_transaction_seconds_count")) out.acceptN += value;
  }
  return out;
}

/** PostgreSQL's counters of one database (pg_stat_database) and of the cluster's WAL. */
export interface DbCounters {
  readonly xacts: number;
  readonly rows: number;
  readonly bytes: number;
  readonly walBytes: number;
}

/** The counters of database `name`, read on `admin` (connected to another database). */
export async function databaseCounters(admin: pg.Client, name: string): Promise<DbCounters> {
  await admin.query("SELECT pg_stat_clear_snapshot()");
  const { rows } = await admin.query<Record<keyof DbCounters, string>>(
    `SELECT xact_commit AS xacts, tup_inserted + tup_updated + tup_deleted AS rows,
            pg_database_size(datname) AS bytes,
            pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0') AS "walBytes"
       FROM pg_stat_database WHERE datname = $1`,
    [name],
  );
  const r = rows[0]!;
  return {
    xacts: Number(r.xacts),
    rows: Number(r.rows),
    bytes: Number(r.bytes),
    walBytes: Number(r.walBytes),
  };
}
