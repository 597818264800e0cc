/**
 * The ledger's part of the SQLite store: token accounts (balance and transfer nonce per key),
 * signed transfers appended with their account changes in one transaction, pending entries and
 * the sealed chain (blocks and their entries). Amounts are decimal text, exact beyond 2⁵³.
 * @module
 */

import { SqliteDatabase } from "./sqlite-database.js";
import { accountFromRow, type Row } from "./sqlite-rows.js";
import type { Account, ChainHead, StoredBlock } from "./store.js";

/** Accounts, pending entries and blocks. */
export class SqliteLedgerStore extends SqliteDatabase {
  account(key: string): Account {
    const row = this.prepare("SELECT * FROM accounts WHERE key = ?").get(key) as Row | undefined;
    return row === undefined ? { key, balance: 0n, nonce: 0n } : accountFromRow(row);
  }

  accounts(limit: number): Account[] {
    // balances are non-negative decimal text without leading zeros: longer is larger
    const rows = this.prepare(
      "SELECT * FROM accounts ORDER BY length(balance) DESC, balance DESC, key LIMIT ?",
    ).all(limit) as Row[];
    return rows.map(accountFromRow);
  }

  /** Adds `delta` to a key's balance and, when given, sets its nonce. */
  protected adjustAccount(key: string, delta: bigint, nonce: bigint | undefined): void {
    const current = this.account(key);
    this.prepare(
      "INSERT INTO accounts (key, balance, nonce) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET balance = excluded.balance, nonce = excluded.nonce",
    ).run(key, (current.balance + delta).toString(), (nonce ?? current.nonce).toString());
  }

  appendTransfer<P>(
    entry: Uint8Array,
    transfer: { from: string; to: string; amount: bigint; nonce: bigint },
    check: (sender: Account) => P | undefined,
  ): P | undefined {
    return this.db.transaction(() => {
      const problem = check(this.account(transfer.from));
      if (problem !== undefined) return problem;
      this.prepare("INSERT INTO ledger_pending (entry) VALUES (?)").run(Buffer.from(entry));
      this.adjustAccount(transfer.from, -transfer.amount, transfer.nonce);
      this.adjustAccount(transfer.to, transfer.amount, undefined);
      return undefined;
    })();
  }

  pendingEntries(): number {
    return (this.prepare("SELECT COUNT(*) AS n FROM ledger_pending").get() as { n: number }).n;
  }

  head(): ChainHead | undefined {
    const row = this.prepare(
      "SELECT height, hash, timestamp FROM ledger_blocks ORDER BY height DESC LIMIT 1",
    ).get() as Row | undefined;
    return row === undefined
      ? undefined
      : {
          height: row.height as number,
          hash: new Uint8Array(row.hash as Buffer),
          timestamp: row.timestamp as number,
        };
  }

  sealPending(
    max: number,
    seal: (entries: Uint8Array[], prev: ChainHead | undefined) => StoredBlock,
  ): StoredBlock | undefined {
    return this.db.transaction(() => {
      const rows = this.prepare("SELECT seq, entry FROM ledger_pending ORDER BY seq LIMIT ?").all(
        max,
      ) as { seq: number; entry: Buffer }[];
      if (rows.length === 0) return undefined;
      const block = seal(
        rows.map((r) => new Uint8Array(r.entry)),
        this.head(),
      );
      this.prepare(
        "INSERT INTO ledger_blocks (height, hash, header, signature, timestamp, entry_count) VALUES (?, ?, ?, ?, ?, ?)",
      ).run(
        block.height,
        Buffer.from(block.hash),
        Buffer.from(block.headerBytes),
        Buffer.from(block.signature),
        block.timestamp,
        block.entries.length,
      );
      const insert = this.prepare(
        "INSERT INTO ledger_entries (height, idx, entry) VALUES (?, ?, ?)",
      );
      block.entries.forEach((e, i) => {
        insert.run(block.height, i, Buffer.from(e));
      });
      this.prepare("DELETE FROM ledger_pending WHERE seq <= ?").run(rows[rows.length - 1]!.seq);
      return block;
    })();
  }

  listBlocks(fromHeight: number, limit: number): StoredBlock[] {
    const rows = this.prepare(
      "SELECT * FROM ledger_blocks WHERE height >= ? ORDER BY height LIMIT ?",
    ).all(fromHeight, limit) as Row[];
    const entries = this.prepare("SELECT entry FROM ledger_entries WHERE height = ? ORDER BY idx");
    return rows.map((r) => ({
      height: r.height as number,
      hash: new Uint8Array(r.hash as Buffer),
      headerBytes: new Uint8Array(r.header as Buffer),
      signature: new Uint8Array(r.signature as Buffer),
      timestamp: r.timestamp as number,
      entries: (entries.all(r.height) as { entry: Buffer }[]).map((e) => new Uint8Array(e.entry)),
    }));
  }
}
