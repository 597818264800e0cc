/**
 * The worker's local page and control API on `127.0.0.1:P` (`foldnet worker --ui-port P`).
 * `GET /` and its two files (`web/worker/`, no external assets, a strict CSP) need nothing;
 * every `/api/` call needs `Authorization: Bearer <control token>` (control-client.ts):
 *
 * - `GET /api/status`: the worker's status, the controls and rules, the wallet balance;
 * - `POST /api/pause`, `/api/resume`, `/api/finish`: the controls (answered with the status);
 * - `PUT /api/rules`: a JSON object of rules to change (400 with the field when bad).
 *
 * Requests whose Host is not this address are refused (a web page cannot reach the API by
 * DNS rebinding), and a cross-site page cannot send the Authorization header without a
 * CORS preflight, which is never answered.
 * @module
 */
import { timingSafeEqual } from "node:crypto";
import { readFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { isFoldnetError } from "../common/errors.js";
import type { Logger } from "../common/log.js";
import type { ControlSnapshot, WorkerControl } from "./control.js";
import type { WorkerStatus } from "./status.js";

/** The page's folder: `web/worker/` from the sources, `dist/web/worker/` from the build. */
export const PAGE_ROOT = new URL("../web/worker/", import.meta.url);
const FILES: Readonly<Record<string, [string, string]>> = {
  "/": ["index.html", "text/html; charset=utf-8"],
  "/worker.js": ["worker.js", "text/javascript; charset=utf-8"],
  "/worker.css": ["worker.css", "text/css; charset=utf-8"],
};
const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
const MAX_BODY = 4_096;
/** How long a fetched wallet balance is shown before it is fetched again. */
export const BALANCE_TTL_MS = 10_000;

/** What `GET /api/status` answers (bigints as decimal strings). */
export interface ControlStatus {
  readonly worker: Omit<WorkerStatus, "tokensEarned"> & { tokensEarned: string };
  readonly control: ControlSnapshot;
  /** The key's balance on the coordinator's ledger (micro-tokens), when it could be fetched. */
  readonly balance: string | undefined;
}

export interface ControlServerOptions {
  readonly port: number;
  readonly token: string;
  readonly control: WorkerControl;
  readonly status: () => WorkerStatus;
  /** The wallet balance (micro-tokens, decimal), or undefined when unknown. */
  readonly balance: () => Promise<string | undefined>;
  readonly log: Logger;
}

export interface ControlServer {
  readonly port: number;
  close(): Promise<void>;
}

/** The balance of `publicKeyHex` on the coordinator a `ws(s)://` URL names, cached. */
export function coordinatorBalance(
  wsUrl: string,
  publicKeyHex: string,
): () => Promise<string | undefined> {
  const url = new URL(wsUrl);
  url.protocol = url.protocol === "wss:" ? "https:" : "http:";
  url.pathname = `/api/ledger/balances/${publicKeyHex}`;
  let cached: { at: number; value: string | undefined } | undefined;
  return async () => {
    if (cached !== undefined && Date.now() - cached.at < BALANCE_TTL_MS) return cached.value;
    let value: string | undefined;
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      if (res.ok) value = ((await res.json()) as { balance?: string }).balance;
    } catch {
      value = cached?.value;
    }
    cached = { at: Date.now(), value };
    return value;
  };
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" });
  res.end(JSON.stringify(body));
}

function authorized(req: IncomingMessage, token: string): boolean {
  const given = Buffer.from(/^Bearer (\S+)$/.exec(req.headers.authorization ?? "")?.[1] ?? "");
  const wanted = Buffer.from(token);
  return given.length === wanted.length && timingSafeEqual(given, wanted);
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) throw new Error("body too large");
    chunks.push(chunk);
  }
  return JSON.parse(Buffer.concat(chunks).toString("utf8"));
}

/**
 * Starts the page and API on 127.0.0.1:`port` (0 picks a free port).
 * @throws {Error} when the port cannot be opened.
 */
export async function serveControl(opts: ControlServerOptions): Promise<ControlServer> {
  const { control } = opts;
  let port = opts.port;
  const status = async (): Promise<ControlStatus> => {
    const worker = opts.status();
    return {
      worker: { ...worker, tokensEarned: worker.tokensEarned.toString() },
      control: control.snapshot(),
      balance: await opts.balance(),
    };
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const host = req.headers.host ?? "";
    if (host !== `127.0.0.1:${port}` && host !== `localhost:${port}`)
      return sendJson(res, 403, { code: "FORBIDDEN_HOST", message: "use http://127.0.0.1" });
    const path = new URL(req.url ?? "/", "http://127.0.0.1").pathname;
    const file = FILES[path];
    if (file !== undefined && req.method === "GET") {
      res.writeHead(200, {
        "content-type": file[1],
        "content-security-policy": CSP,
        "cache-control": "no-store",
        "x-content-type-options": "nosniff",
      });
      res.end(await readFile(fileURLToPath(new URL(file[0], PAGE_ROOT))));
      return;
    }
    if (!path.startsWith("/api/")) return sendJson(res, 404, { code: "NOT_FOUND", message: path });
    if (!authorized(req, opts.token))
      return sendJson(res, 401, {
        code: "UNAUTHORIZED",
        message: "a valid control token is needed",
      });
    const route = `${req.method} ${path}`;
    switch (route) {
      case "GET /api/status":
        return sendJson(res, 200, await status());
      case "POST /api/pause":
      case "POST /api/resume":
      case "POST /api/finish":
        control[path.slice(5) as "pause" | "resume" | "finish"]();
        opts.log.info(`control: ${path.slice(5)}`);
        return sendJson(res, 200, await status());
      case "PUT /api/rules": {
        let body: unknown;
        try {
          body = await readBody(req);
          control.setRules(body);
        } catch (err) {
          const field = isFoldnetError(err, "WORKER_ERROR_BAD_RULES")
            ? (err.type as { field?: string }).field
            : "body";
          return sendJson(res, 400, {
            code: isFoldnetError(err) ? err.code : "BAD_REQUEST",
            field,
            message: (err as Error).message,
          });
        }
        return sendJson(res, 200, await status());
      }
      default:
        return sendJson(res, 404, { code: "NOT_FOUND", message: route });
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      opts.log.error("control: request failed", { error: err });
      if (!res.headersSent) sendJson(res, 500, { code: "INTERNAL", message: "internal error" });
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
