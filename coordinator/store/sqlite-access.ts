/**
 * The SQLite side of who may do what: the account and role of each researcher API key and
 * its revocation, private jobs, workers banned or let back by an admin, and the audit log of
 * admin actions. Kept apart from sqlite-store.ts (the scheduling tables) on the same
 * connection; the key hashes themselves stay in its `api_keys` table.
 * @module
 */
import type Database from "better-sqlite3";
import type { Synchronous } from "./settled-store.js";
import type { AccessStore, ApiKeyRecord, AuditRecord, Role } from "./store.js";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS api_key_roles (
  hash TEXT PRIMARY KEY, role TEXT NOT NULL, revoked_at INTEGER
);
CREATE TABLE IF NOT EXISTS private_jobs (job_id TEXT PRIMARY KEY);
CREATE TABLE IF NOT EXISTS audit_log (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, actor TEXT NOT NULL,
  action TEXT NOT NULL, target TEXT NOT NULL
);
`;

interface KeyRow {
  hash: string;
  name: string;
  created_at: number;
  role: string | null;
  revoked_at: number | null;
}

/** A key stored before roles existed could do everything: it counts as an admin key. */
const toKey = (row: KeyRow): ApiKeyRecord => ({
  hash: row.hash,
  id: row.hash.slice(0, 16),
  account: row.name,
  role: (row.role ?? "admin") as Role,
  createdAt: row.created_at,
  revokedAt: row.revoked_at,
});

const KEYS = `SELECT k.hash, k.name, k.created_at, r.role, r.revoked_at
                FROM api_keys k LEFT JOIN api_key_roles r ON r.hash = k.hash`;

/** `AccessStore` on an open better-sqlite3 connection. */
export class SqliteAccess implements Synchronous<AccessStore> {
  constructor(private readonly db: Database.Database) {
    db.exec(SCHEMA);
  }

  addKey(hash: string, account: string, role: Role, at: number): void {
    this.db.transaction(() => {
      this.db
        .prepare("INSERT OR IGNORE INTO api_keys (hash, name, created_at) VALUES (?, ?, ?)")
        .run(hash, account, at);
      this.db
        .prepare("INSERT OR IGNORE INTO api_key_roles (hash, role) VALUES (?, ?)")
        .run(hash, role);
    })();
  }

  key(hash: string): ApiKeyRecord | undefined {
    const row = this.db.prepare(`${KEYS} WHERE k.hash = ?`).get(hash) as KeyRow | undefined;
    return row === undefined ? undefined : toKey(row);
  }

  keys(): ApiKeyRecord[] {
    return (this.db.prepare(`${KEYS} ORDER BY k.created_at, k.hash`).all() as KeyRow[]).map(toKey);
  }

  revokeKey(id: string, at: number): ApiKeyRecord | undefined {
    return this.db.transaction(() => {
      const rows = this.db
        .prepare(`${KEYS} WHERE k.hash LIKE ? || '%'`)
        .all(id.toLowerCase()) as KeyRow[];
      const [row] = rows;
      if (rows.length !== 1 || row === undefined) return undefined;
      this.db
        .prepare(
          `INSERT INTO api_key_roles (hash, role, revoked_at) VALUES (?, ?, ?)
             ON CONFLICT (hash) DO UPDATE SET revoked_at = COALESCE(revoked_at, excluded.revoked_at)`,
        )
        .run(row.hash, row.role ?? "admin", at);
      return this.key(row.hash);
    })();
  }

  setPrivate(jobId: string): void {
    this.db.prepare("INSERT OR IGNORE INTO private_jobs (job_id) VALUES (?)").run(jobId);
  }

  isPrivate(jobId: string): boolean {
    return this.db.prepare("SELECT 1 FROM private_jobs WHERE job_id = ?").get(jobId) !== undefined;
  }

  jobOwner(jobId: string): string | undefined {
    const row = this.db.prepare("SELECT owner FROM job_owners WHERE job_id = ?").get(jobId) as
      | { owner: string }
      | undefined;
    return row?.owner;
  }

  setBanned(workerKey: string, banned: boolean): boolean {
    return (
      this.db
        .prepare(
          "UPDATE workers SET banned = ?, strikes = CASE WHEN ? THEN strikes ELSE 0 END WHERE key = ?",
        )
        .run(banned ? 1 : 0, banned ? 1 : 0, workerKey).changes > 0
    );
  }

  audit(at: number, actor: string, action: string, target: string): void {
    this.db
      .prepare("INSERT INTO audit_log (at, actor, action, target) VALUES (?, ?, ?, ?)")
      .run(at, actor, action, target);
  }

  auditLog(offset: number, limit: number): AuditRecord[] {
    return this.db
      .prepare("SELECT seq, at, actor, action, target FROM audit_log ORDER BY seq LIMIT ? OFFSET ?")
      .all(limit, offset) as AuditRecord[];
  }
}
