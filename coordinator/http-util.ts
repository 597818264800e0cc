/**
 * Plumbing shared by the coordinator's HTTP handlers: bounded JSON bodies, JSON (or other)
 * responses that are never cached, and errors turned into `{error: {code, …}}` answers.
 * @module
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { FoldnetError } from "../common/errors.js";
import { ApiError } from "./errors.js";
import { StoreError } from "./store/store-error.js";

/** Largest request body: a job request or a transfer is a few hundred bytes. */
export const MAX_BODY_BYTES = 64 * 1024;

/**
 * Reads a JSON body of at most `maxBytes`.
 * @throws {ApiError} API_ERROR_TOO_LARGE or API_ERROR_BAD_REQUEST (field `body`).
 */
export async function readJson(req: IncomingMessage, maxBytes = MAX_BODY_BYTES): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) {
      throw new ApiError(
        { code: "API_ERROR_TOO_LARGE", status: 413 },
        `bodies are limited to ${maxBytes} bytes`,
      );
    }
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch {
    throw new ApiError(
      { code: "API_ERROR_BAD_REQUEST", status: 400, field: "body" },
      "the body is not valid JSON",
    );
  }
}

/** Sends a response: JSON for objects, as-is for strings and bytes of another type. */
export function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  type = "application/json",
): void {
  const payload =
    type === "application/json"
      ? `${JSON.stringify(body, (_k, v) => (typeof v === "bigint" ? v.toString() : v))}\n`
      : (body as string | Uint8Array);
  res.writeHead(status, { "content-type": type, "cache-control": "no-store" });
  res.end(payload);
}

/** Answers a thrown error: ApiError with its status, other FoldnetErrors 400, anything else 500 (rethrown). */
export function answerError(res: ServerResponse, err: unknown): void {
  if (err instanceof ApiError) {
    const { status, ...type } = err.type;
    send(res, status, { error: { ...type, message: err.message } });
  } else if (err instanceof StoreError) {
    // the database is away: nothing was done; the client may retry
    res.setHeader("Retry-After", "5");
    send(res, 503, { error: err.toObject() });
  } else if (err instanceof FoldnetError) {
    send(res, 400, { error: err.toObject() });
  } else {
    send(res, 500, { error: { code: "API_ERROR_INTERNAL", message: "internal error" } });
    throw err;
  }
}

/**
 * The request target as a URL. Only origin-form targets (`/path?query`) are served; anything
 * else, or a target the URL parser refuses, is a 400 — inside the handler's error handling,
 * never an exception out of it.
 * @throws {ApiError} API_ERROR_BAD_REQUEST (field `target`).
 */
export function requestUrl(target: string | undefined): URL {
  const bad = () =>
    new ApiError(
      { code: "API_ERROR_BAD_REQUEST", status: 400, field: "target" },
      "the request target must be a path (/…)",
    );
  if (target === undefined || !target.startsWith("/")) throw bad();
  try {
    return new URL(`http://localhost${target}`);
  } catch {
    throw bad();
  }
}

/**
 * Last resort of a handler whose own error handling failed: a 500 if nothing was sent yet,
 * else the connection is cut. Never throws.
 */
export function abandon(res: ServerResponse): void {
  try {
    if (!res.headersSent)
      send(res, 500, { error: { code: "API_ERROR_INTERNAL", message: "internal error" } });
    else res.destroy();
  } catch {
    res.destroy();
  }
}

/** A 404 for `what`. */
export const notFound = (what: string) =>
  new ApiError({ code: "API_ERROR_NOT_FOUND", status: 404 }, `${what} not found`);
