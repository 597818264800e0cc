/**
 * The PostgreSQL side of who may do what, as sqlite-access.ts: the account and role of each
 * researcher API key (hashes in `api_keys`) and its revocation, private jobs, workers banned
 * or let back by an admin, and the audit log of admin actions, shared by every coordinator.
 * @module
 */
import type { AccessStore, ApiKeyRecord, AuditRecord, Role } from "../store.js";
import type { PgDatabase, Row, Sql } from "./pg-database.js";
import { num } from "./pg-rows.js";

/** A key stored before roles existed could do everything: it counts as an admin key. */
const toKey = (row: Row): ApiKeyRecord => ({
  hash: row.hash as string,
  id: (row.hash as string).slice(0, 16),
  account: row.name as string,
  role: ((row.role as string | null) ?? "admin") as Role,
  createdAt: num(row.created_at),
  revokedAt: row.revoked_at === null ? null : num(row.revoked_at),
});

const KEYS = `SELECT k.hash, k.name, k.created_at, r.role, r.revoked_at
                FROM api_keys k LEFT JOIN api_key_roles r ON r.hash = k.hash`;

/** Hides a job's results from all but its owner and admins. */
export async function setPrivateIn(sql: Sql, jobId: string): Promise<void> {
  await sql.run("INSERT INTO private_jobs (job_id) VALUES ($1) ON CONFLICT DO NOTHING", [jobId]);
}

/** `AccessStore` on PostgreSQL. */
export class PgAccess implements AccessStore {
  constructor(private readonly db: PgDatabase) {}

  addKey(hash: string, account: string, role: Role, at: number): Promise<void> {
    return this.db.tx(async (sql) => {
      await sql.run(
        "INSERT INTO api_keys (hash, name, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
        [hash, account, at],
      );
      await sql.run(
        "INSERT INTO api_key_roles (hash, role) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        [hash, role],
      );
    });
  }

  key(hash: string): Promise<ApiKeyRecord | undefined> {
    return this.db.read(async (sql) => {
      const row = await sql.row(`${KEYS} WHERE k.hash = $1`, [hash]);
      return row === undefined ? undefined : toKey(row);
    });
  }

  keys(): Promise<ApiKeyRecord[]> {
    return this.db.read(async (sql) =>
      (await sql.rows(`${KEYS} ORDER BY k.created_at, k.hash`)).map(toKey),
    );
  }

  revokeKey(id: string, at: number): Promise<ApiKeyRecord | undefined> {
    return this.db.tx(async (sql) => {
      const rows = await sql.rows(`${KEYS} WHERE starts_with(k.hash, $1)`, [id.toLowerCase()]);
      const [row] = rows;
      if (rows.length !== 1 || row === undefined) return undefined;
      const updated = await sql.row(
        `INSERT INTO api_key_roles (hash, role, revoked_at) VALUES ($1, $2, $3)
           ON CONFLICT (hash) DO UPDATE SET revoked_at = COALESCE(api_key_roles.revoked_at, excluded.revoked_at)
           RETURNING role, revoked_at`,
        [row.hash, (row.role as string | null) ?? "admin", at],
      );
      return toKey({ ...row, ...updated });
    });
  }

  setPrivate(jobId: string): Promise<void> {
    return this.db.read((sql) => setPrivateIn(sql, jobId));
  }

  isPrivate(jobId: string): Promise<boolean> {
    return this.db.read(
      async (sql) =>
        (await sql.row("SELECT 1 FROM private_jobs WHERE job_id = $1", [jobId])) !== undefined,
    );
  }

  jobOwner(jobId: string): Promise<string | undefined> {
    return this.db.read(
      async (sql) =>
        (
          await sql.row<{ owner: string }>("SELECT owner FROM job_owners WHERE job_id = $1", [
            jobId,
          ])
        )?.owner,
    );
  }

  setBanned(workerKey: string, banned: boolean): Promise<boolean> {
    return this.db.read(
      async (sql) =>
        (await sql.run(
          "UPDATE workers SET banned = $1, strikes = CASE WHEN $1 THEN strikes ELSE 0 END WHERE key = $2",
          [banned, workerKey],
        )) > 0,
    );
  }

  audit(at: number, actor: string, action: string, target: string): Promise<void> {
    return this.db.read(async (sql) => {
      await sql.run("INSERT INTO audit_log (at, actor, action, target) VALUES ($1, $2, $3, $4)", [
        at,
        actor,
        action,
        target,
      ]);
    });
  }

  auditLog(offset: number, limit: number): Promise<AuditRecord[]> {
    return this.db.read(async (sql) =>
      (
        await sql.rows(
          "SELECT seq, at, actor, action, target FROM audit_log ORDER BY seq LIMIT $1 OFFSET $2",
          [limit, offset],
        )
      ).map((r) => ({
        seq: num(r.seq),
        at: num(r.at),
        actor: r.actor as string,
        action: r.action as string,
        target: r.target as string,
      })),
    );
  }
}
