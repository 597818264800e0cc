/**
 * The admin side of the HTTP API (admin keys only): researcher keys added (the key is
 * answered once), listed and revoked; worker keys banned and let back; the audit log of every
 * admin action at `/api/audit`. Cancelling any job is the job API's cancel with an admin key.
 * @module
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { admin } from "./access.js";
import { hashApiKey, mintApiKey } from "./api-keys.js";
import { ApiError } from "./errors.js";
import { notFound, readJson, send } from "./http-util.js";
import type { ApiKeyRecord, Page, Role, Store } from "./store/store.js";

const ROLES: readonly Role[] = ["researcher", "admin"];
const ACCOUNT_NAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;

/** The public view of a key (its hash stays inside). */
export const keyView = ({ hash: _h, ...key }: ApiKeyRecord) => key;

const badField = (field: string, message: string) =>
  new ApiError({ code: "API_ERROR_BAD_REQUEST", status: 400, field }, message);

/** Validates `{name, role}` of a new key. */
function parseNewKey(body: unknown): { name: string; role: Role } {
  const b = (typeof body === "object" && body !== null ? body : {}) as Record<string, unknown>;
  if (typeof b.name !== "string" || !ACCOUNT_NAME.test(b.name))
    throw badField("name", "name must be 1–64 letters, digits, '.', '_', '@' or '-'");
  const role = b.role ?? "researcher";
  if (!ROLES.includes(role as Role)) throw badField("role", "role must be researcher or admin");
  return { name: b.name, role: role as Role };
}

/** What an admin request acts on. */
export interface AdminContext {
  readonly store: Store;
  readonly now: number;
  /** The page a list request asks for. */
  readonly page: () => Page;
  /** Ends the connections of a worker key just banned. */
  readonly banned: ((workerKey: string) => void) | undefined;
}

/** Validates `{weight}`: a fair-share weight in (0, 1000]. */
function parseWeight(body: unknown): number {
  const weight = (typeof body === "object" && body !== null ? body : {}) as { weight?: unknown };
  if (typeof weight.weight !== "number" || !(weight.weight > 0 && weight.weight <= 1000))
    throw badField("weight", "weight must be a number in (0, 1000]");
  return weight.weight;
}

/** Handles `/api/admin/…` and `/api/audit`; `parts` are the path's words after `api`. */
export async function handleAdmin(
  { store, now, page, banned }: AdminContext,
  req: IncomingMessage,
  res: ServerResponse,
  parts: readonly string[],
): Promise<void> {
  const actor = await admin(req, store.access);
  const method = req.method ?? "GET";
  const audit = (action: string, target: string) =>
    store.access.audit(now, actor.account, action, target);
  const [resource, kind, id, action] = parts;
  if (resource === "audit" && kind === undefined && method === "GET") {
    const p = page();
    const entries = await store.access.auditLog(p.offset, p.limit);
    return send(res, 200, {
      entries,
      offset: p.offset,
      next: entries.length === p.limit ? p.offset + p.limit : null,
    });
  }
  if (resource === "admin" && kind === "keys") {
    if (id === undefined && method === "GET")
      return send(res, 200, { keys: (await store.access.keys()).map(keyView) });
    if (id === undefined && method === "POST") {
      const { name, role } = parseNewKey(await readJson(req));
      const key = mintApiKey();
      await store.access.addKey(hashApiKey(key), name, role, now);
      const record = (await store.access.key(hashApiKey(key)))!;
      await audit("keys.add", `${record.id} ${name} ${role}`);
      return send(res, 201, { key, ...keyView(record) });
    }
    if (id !== undefined && action === "revoke" && method === "POST") {
      const record = await store.access.revokeKey(id, now);
      if (record === undefined) throw notFound(`one API key with id ${id}`);
      await audit("keys.revoke", record.id);
      return send(res, 200, keyView(record));
    }
  }
  if (resource === "admin" && kind === "accounts") {
    if (id === undefined && method === "GET")
      return send(res, 200, { weights: await store.shares.weights() });
    if (id !== undefined && action === "weight" && method === "POST") {
      const weight = parseWeight(await readJson(req));
      await store.shares.setWeight(id, weight);
      await audit("accounts.weight", `${id} ${weight}`);
      return send(res, 200, { account: id, weight });
    }
  }
  if (resource === "admin" && kind === "workers" && id !== undefined && method === "POST") {
    if (action === "ban" || action === "unban") {
      const key = id.toLowerCase();
      if (!(await store.access.setBanned(key, action === "ban"))) throw notFound(`worker ${id}`);
      if (action === "ban") banned?.(key);
      await audit(`workers.${action}`, key);
      return send(res, 200, { worker: await store.getWorker(key) });
    }
  }
  throw notFound(`${method} /api/${parts.join("/")}`);
}
