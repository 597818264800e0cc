/**
 * Versioned schema migrations of the PostgreSQL store: an ordered list of SQL scripts, each
 * applied once, in its own transaction, and recorded in `schema_migrations` (version, name,
 * time). Several coordinators may start at once against one database: a transaction-scoped
 * advisory lock makes them apply the list one at a time, so each script runs exactly once.
 * A database that has a version this build does not know was migrated by a newer build and is
 * refused rather than used.
 * @module
 */
import type pg from "pg";
import { FoldnetError } from "../../../common/errors.js";
import { MIGRATION_LOCK } from "./lock-keys.js";

/** One schema change. Versions start at 1 and rise by 1. */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

/** Why migrating failed. */
export class MigrationError extends FoldnetError<
  | { code: "STORE_ERROR_SCHEMA_NEWER"; version: number; known: number }
  | { code: "STORE_ERROR_BAD_MIGRATIONS"; version: number }
> {}

/**
 * Applies the migrations `db` has not seen, in order; returns the versions applied now.
 * @throws {MigrationError} STORE_ERROR_BAD_MIGRATIONS when the list is not 1, 2, 3…;
 *   STORE_ERROR_SCHEMA_NEWER when the database has a version above the list's last.
 */
export async function migrate(db: pg.Pool, migrations: readonly Migration[]): Promise<number[]> {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1)
      throw new MigrationError(
        { code: "STORE_ERROR_BAD_MIGRATIONS", version: m.version },
        `migration ${i + 1} is numbered ${m.version}`,
      );
  });
  const client = await db.connect();
  try {
    await client.query("BEGIN");
    await client.query("SELECT pg_advisory_xact_lock($1)", [MIGRATION_LOCK.toString()]);
    await client.query(
      `CREATE TABLE IF NOT EXISTS schema_migrations (
         version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())`,
    );
    const { rows } = await client.query<{ version: number }>(
      "SELECT COALESCE(MAX(version), 0) AS version FROM schema_migrations",
    );
    const current = rows[0]?.version ?? 0;
    if (current > migrations.length)
      throw new MigrationError(
        { code: "STORE_ERROR_SCHEMA_NEWER", version: current, known: migrations.length },
        `the database is at schema version ${current}; this build knows ${migrations.length}`,
      );
    const applied: number[] = [];
    for (const m of migrations.slice(current)) {
      await client.query(m.sql);
      await client.query("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", [
        m.version,
        m.name,
      ]);
      applied.push(m.version);
    }
    await client.query("COMMIT");
    return applied;
  } catch (err) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}
