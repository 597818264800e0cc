/**
 * Who is calling and what they may do: a request's API key resolved to its account and role
 * (401 for a missing, unknown or revoked key), admin-only actions, and the owner-or-admin rule
 * for cancelling a job and for reading a private job's results and pictures (403).
 * @module
 */
import type { IncomingMessage } from "node:http";
import { hashApiKey } from "./api-keys.js";
import { ApiError } from "./errors.js";
import type { AccessStore, ApiKeyRecord } from "./store/store.js";

/**
 * The key of a request (`Authorization: Bearer KEY`), or undefined when it sends none.
 * @throws {ApiError} API_ERROR_UNAUTHORIZED for an unknown or revoked key.
 */
export async function optionalCaller(
  req: IncomingMessage,
  access: AccessStore,
): Promise<ApiKeyRecord | undefined> {
  const header = req.headers.authorization;
  if (header === undefined) return undefined;
  const key = header.startsWith("Bearer ") ? header.slice(7).trim() : "";
  const record = key === "" ? undefined : await access.key(hashApiKey(key));
  if (record === undefined || record.revokedAt !== null) throw unauthorized();
  return record;
}

/**
 * The key of a request that needs one.
 * @throws {ApiError} API_ERROR_UNAUTHORIZED without a valid key.
 */
export async function caller(req: IncomingMessage, access: AccessStore): Promise<ApiKeyRecord> {
  const record = await optionalCaller(req, access);
  if (record === undefined) throw unauthorized();
  return record;
}

/**
 * The key of a request that needs an admin key.
 * @throws {ApiError} API_ERROR_UNAUTHORIZED or API_ERROR_FORBIDDEN.
 */
export async function admin(req: IncomingMessage, access: AccessStore): Promise<ApiKeyRecord> {
  const record = await caller(req, access);
  if (record.role !== "admin") throw forbidden("this needs an admin key");
  return record;
}

/** True when `who` owns the job or is an admin. */
export async function mayManage(
  access: AccessStore,
  jobId: string,
  who: ApiKeyRecord | undefined,
): Promise<boolean> {
  if (who === undefined) return false;
  return who.role === "admin" || (await access.jobOwner(jobId)) === who.account;
}

/** True when `who` may read the job's results: it is public, or `who` may manage it. */
export async function mayRead(
  access: AccessStore,
  jobId: string,
  who: ApiKeyRecord | undefined,
): Promise<boolean> {
  return !(await access.isPrivate(jobId)) || mayManage(access, jobId, who);
}

/** A 403 saying what was refused. */
export const forbidden = (message: string) =>
  new ApiError({ code: "API_ERROR_FORBIDDEN", status: 403 }, message);

const unauthorized = () =>
  new ApiError(
    { code: "API_ERROR_UNAUTHORIZED", status: 401 },
    "a valid API key is required (Authorization: Bearer KEY)",
  );
