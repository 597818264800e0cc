/**
 * Typed errors of the PostgreSQL store: the database could not be reached (at start, or
 * during a call: connection refused or cut, server shutting down or starting, no such
 * database, credentials refused) becomes
 * STORE_ERROR_UNAVAILABLE with a readable message naming the server (never its password);
 * any other error (a bug, a broken constraint) passes through unchanged.
 * @module
 */
import { StoreError } from "../store-error.js";

/** Node socket errors that mean "no connection". */
const SOCKET_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
]);

/**
 * PostgreSQL SQLSTATEs that mean the server is going away or not yet there, refuses more
 * connections, has no such database, or refuses the credentials.
 */
const SERVER_CODES = new Set(["57P01", "57P02", "57P03", "53300", "3D000", "28000", "28P01"]);

/** True when `err` says the database cannot be reached (rather than that a query is wrong). */
export function isUnavailable(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === "string") {
    if (SOCKET_CODES.has(code) || SERVER_CODES.has(code) || code.startsWith("08")) return true;
  }
  return /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|Cannot use a pool after calling end/i.test(
    err.message,
  );
}

/** `host:port/database` of a connection string, without user or password. */
export function serverName(connectionString: string): string {
  try {
    const url = new URL(connectionString);
    return `${url.hostname}:${url.port || "5432"}${url.pathname}`;
  } catch {
    return "the configured database";
  }
}

/** `err` as a StoreError when it means the database is unreachable; `err` otherwise. */
export function storeError(err: unknown, server: string): unknown {
  if (err instanceof StoreError || !isUnavailable(err)) return err;
  const reason =
    err instanceof Error ? err.message || (err as { code?: string }).code : String(err);
  return new StoreError(
    { code: "STORE_ERROR_UNAVAILABLE", server },
    `the PostgreSQL database at ${server} is unreachable: ${reason}`,
  );
}
