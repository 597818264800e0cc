/**
 * The ledger's part of the PostgreSQL store: token accounts, signed transfers, pending
 * entries and the sealed chain. Every transaction that appends to `ledger_pending` first
 * locks the one `ledger_work` row (`lockLedger`), so appends are totally ordered across
 * coordinators: pending order is commit order, a reward sees exactly the work before it, and
 * a nonce or balance is checked and changed under that lock. Sealing holds an advisory lock
 * and re-reads the head inside its transaction; the height is a primary key, so two sealers
 * can never fork the chain.
 * @module
 */
import { InvariantError } from "../../../common/errors.js";
import type { Account, ChainHead, StoredBlock } from "../store.js";
import { SEAL_LOCK } from "./lock-keys.js";
import type { PgDatabase, Row, Sql } from "./pg-database.js";
import { accountFromRow, blockFromRow, headFromRow, num } from "./pg-rows.js";

/** Locks the ledger for this transaction; the total work recorded so far. */
export async function lockLedger(sql: Sql): Promise<bigint> {
  const row = await sql.row<{ work: string }>(
    "SELECT work FROM ledger_work WHERE id = 1 FOR UPDATE",
  );
  return BigInt(row?.work ?? "0");
}

/** A key's account (zero if unknown). */
export async function accountIn(sql: Sql, key: string): Promise<Account> {
  const row = await sql.row("SELECT * FROM accounts WHERE key = $1", [key]);
  return row === undefined ? { key, balance: 0n, nonce: 0n } : accountFromRow(row);
}

/** Adds `delta` to a key's balance and, when given, sets its nonce (under the ledger lock). */
export async function adjustAccount(
  sql: Sql,
  key: string,
  delta: bigint,
  nonce: bigint | undefined,
): Promise<void> {
  await sql.run(
    `INSERT INTO accounts (key, balance, nonce) VALUES ($1, $2::bigint, COALESCE($3::bigint, 0))
       ON CONFLICT (key) DO UPDATE SET balance = accounts.balance + $2::bigint,
         nonce = COALESCE($3::bigint, accounts.nonce)`,
    [key, delta.toString(), nonce?.toString() ?? null],
  );
}

/** Appends an entry to the pending list (under the ledger lock). */
export async function appendPending(sql: Sql, entry: Uint8Array): Promise<void> {
  await sql.run("INSERT INTO ledger_pending (entry) VALUES ($1)", [Buffer.from(entry)]);
}

async function headIn(sql: Sql): Promise<ChainHead | undefined> {
  const row = await sql.row(
    "SELECT height, hash, timestamp FROM ledger_blocks ORDER BY height DESC LIMIT 1",
  );
  return row === undefined ? undefined : headFromRow(row);
}

/** Accounts, pending entries and blocks. */
export class PgLedger {
  constructor(private readonly db: PgDatabase) {}

  account(key: string): Promise<Account> {
    return this.db.read((sql) => accountIn(sql, key));
  }

  accounts(limit: number): Promise<Account[]> {
    return this.db.read(async (sql) =>
      (await sql.rows("SELECT * FROM accounts ORDER BY balance DESC, key LIMIT $1", [limit])).map(
        accountFromRow,
      ),
    );
  }

  appendTransfer<P>(
    entry: Uint8Array,
    transfer: { from: string; to: string; amount: bigint; nonce: bigint },
    check: (sender: Account) => P | undefined,
  ): Promise<P | undefined> {
    return this.db.tx(async (sql) => {
      await lockLedger(sql);
      const problem = check(await accountIn(sql, transfer.from));
      if (problem !== undefined) return problem;
      await appendPending(sql, entry);
      await adjustAccount(sql, transfer.from, -transfer.amount, transfer.nonce);
      await adjustAccount(sql, transfer.to, transfer.amount, undefined);
      return undefined;
    });
  }

  pendingEntries(): Promise<number> {
    return this.db.read(async (sql) =>
      num((await sql.row("SELECT COUNT(*) AS n FROM ledger_pending"))?.n),
    );
  }

  head(): Promise<ChainHead | undefined> {
    return this.db.read(headIn);
  }

  sealPending(
    max: number,
    seal: (entries: Uint8Array[], prev: ChainHead | undefined) => StoredBlock,
  ): Promise<StoredBlock | undefined> {
    return this.db.tx(async (sql) => {
      await sql.run("SELECT pg_advisory_xact_lock($1)", [SEAL_LOCK.toString()]);
      const rows = await sql.rows<{ seq: string; entry: Buffer }>(
        "SELECT seq, entry FROM ledger_pending ORDER BY seq LIMIT $1",
        [max],
      );
      if (rows.length === 0) return undefined;
      const prev = await headIn(sql);
      const block = seal(
        rows.map((r) => new Uint8Array(r.entry)),
        prev,
      );
      if (block.height !== (prev === undefined ? 0 : prev.height + 1))
        throw new InvariantError(`sealed block ${block.height} does not follow the head`);
      await sql.run(
        "INSERT INTO ledger_blocks (height, hash, header, signature, timestamp, entry_count) VALUES ($1, $2, $3, $4, $5, $6)",
        [
          block.height,
          Buffer.from(block.hash),
          Buffer.from(block.headerBytes),
          Buffer.from(block.signature),
          block.timestamp,
          block.entries.length,
        ],
      );
      await sql.run(
        `INSERT INTO ledger_entries (height, idx, entry)
           SELECT $1, i - 1, e FROM unnest($2::bytea[]) WITH ORDINALITY AS t(e, i)`,
        [block.height, block.entries.map((e) => Buffer.from(e))],
      );
      const sealed = await sql.run("DELETE FROM ledger_pending WHERE seq = ANY($1::bigint[])", [
        rows.map((r) => r.seq),
      ]);
      if (sealed !== rows.length) throw new InvariantError("pending entries sealed twice");
      return block;
    });
  }

  listBlocks(fromHeight: number, limit: number): Promise<StoredBlock[]> {
    return this.db.read(async (sql) => {
      const blocks = await sql.rows(
        "SELECT * FROM ledger_blocks WHERE height >= $1 ORDER BY height LIMIT $2",
        [fromHeight, limit],
      );
      if (blocks.length === 0) return [];
      const entries = await sql.rows(
        "SELECT height, entry FROM ledger_entries WHERE height = ANY($1::int[]) ORDER BY height, idx",
        [blocks.map((b) => b.height)],
      );
      const byHeight = new Map<number, Row[]>();
      for (const e of entries) {
        const h = num(e.height);
        const list = byHeight.get(h);
        if (list === undefined) byHeight.set(h, [e]);
        else list.push(e);
      }
      return blocks.map((b) => blockFromRow(b, byHeight.get(num(b.height)) ?? []));
    });
  }
}
