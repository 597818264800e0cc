/**
 * An opened SQLite database of the coordinator: WAL mode with synchronous=FULL so a committed
 * transaction survives `kill -9` and power loss, foreign keys on, the core schema created, and
 * the columns added since (sqlite-schema.ts), and a cache of prepared statements. The base of the SQLite store's classes.
 * @module
 */
import Database from "better-sqlite3";
import { ADDED_COLUMNS, SCHEMA } from "./sqlite-schema.js";

/** A database file (":memory:" for tests) opened and migrated. */
export class SqliteDatabase {
  protected readonly db: Database.Database;

  constructor(file: string) {
    this.db = new Database(file);
    this.db.pragma("journal_mode = WAL");
    this.db.pragma("synchronous = FULL");
    this.db.pragma("foreign_keys = ON");
    this.db.pragma("busy_timeout = 5000");
    this.db.exec(SCHEMA);
    for (const { table, column, definition } of ADDED_COLUMNS) {
      const columns = this.db.pragma(`table_info(${table})`) as { name: string }[];
      if (!columns.some((c) => c.name === column))
        this.db.exec(`ALTER TABLE ${table} ADD COLUMN ${column} ${definition}`);
    }
    this.prepare("INSERT OR IGNORE INTO meta (key, value) VALUES ('schema', '1')").run();
  }

  /** Prepared statements by SQL text: compiling one costs more than running it. */
  private readonly statements = new Map<string, Database.Statement>();

  protected prepare(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (statement === undefined) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  close(): void {
    this.db.close();
  }
}
