/**
 * The control token and a client of a running worker's control API. The token is 32 random
 * bytes (hex) in a mode-0600 file beside the identity (`control-token`), created by the worker
 * on its first start with `--ui-port`; whoever can read it (the volunteer's own account) may
 * pause, resume and finish the worker or change its rules, and opens the page with it
 * (`http://127.0.0.1:P/#token=…`). `foldnet worker pause|resume|finish|status` use the client.
 * @module
 */
import { randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { WorkerError } from "./errors.js";

/** The token file beside an identity file. */
export function controlTokenFile(identityFile: string): string {
  return join(dirname(identityFile), "control-token");
}

/** Reads the token, creating the file (mode 0600) when `create` and it does not exist. */
export function loadControlToken(file: string, create: boolean): string | undefined {
  try {
    return readFileSync(file, "utf8").trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT" || !create) return undefined;
  }
  try {
    writeFileSync(file, `${randomBytes(32).toString("hex")}\n`, { mode: 0o600, flag: "wx" });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
  }
  return readFileSync(file, "utf8").trim();
}

/** The page's address with its token. */
export function controlPageUrl(port: number, token: string): string {
  return `http://127.0.0.1:${port}/#token=${token}`;
}

/**
 * Calls the control API of the worker on 127.0.0.1:`port`.
 * @throws {WorkerError} WORKER_ERROR_CONTROL when it cannot be reached or answers an error
 *   (`status` set; the worker's message in the error's).
 */
export async function callControl<T>(
  port: number,
  token: string,
  method: "GET" | "POST" | "PUT",
  path: string,
  body?: unknown,
): Promise<T> {
  let res: Response;
  try {
    res = await fetch(`http://127.0.0.1:${port}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(10_000),
    });
  } catch (err) {
    throw new WorkerError(
      { code: "WORKER_ERROR_CONTROL", port },
      `no worker answers on 127.0.0.1:${port} (started with --ui-port ${port}?): ${(err as Error).message}`,
    );
  }
  const text = await res.text();
  if (!res.ok) {
    let message = text;
    try {
      message = (JSON.parse(text) as { message?: string }).message ?? text;
    } catch {}
    throw new WorkerError({ code: "WORKER_ERROR_CONTROL", port, status: res.status }, message);
  }
  return JSON.parse(text) as T;
}
