/**
 * The probes a load balancer or an orchestrator asks: `GET /healthz` (liveness: 200 while the
 * process serves HTTP) and `GET /readyz` (readiness: 200 when the database answers a trivial
 * query, else 503 with the reason, so a balancer sends no work to a coordinator that could not
 * record it). The readiness check is injected (`ReadinessCheck`); a check that neither answers
 * nor fails within READY_TIMEOUT_MS counts as not ready, so a hung database cannot hang the
 * probe.
 * @module
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { send } from "./http-util.js";

/** Resolves when the database answers; throws (with the reason) when it does not. */
export type ReadinessCheck = () => Promise<void>;

/** Longest wait for the readiness check: under a balancer's usual check timeout. */
export const READY_TIMEOUT_MS = 2_000;

/** The health paths. */
export const HEALTH_PATHS: ReadonlySet<string> = new Set(["/healthz", "/readyz"]);

/**
 * Answers `/healthz` or `/readyz` (GET and HEAD; other methods 405), never cached.
 * `{"status":"alive"}`, `{"status":"ready"}` or 503 `{"status":"unready","reason":"…"}`.
 */
export async function serveHealth(
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  ready: ReadinessCheck,
  timeoutMs = READY_TIMEOUT_MS,
): Promise<void> {
  if (req.method !== "GET" && req.method !== "HEAD") {
    res.writeHead(405, { allow: "GET, HEAD" });
    res.end();
    return;
  }
  if (path === "/healthz") return send(res, 200, { status: "alive" });
  const reason = await unready(ready, timeoutMs);
  if (reason === undefined) send(res, 200, { status: "ready" });
  else send(res, 503, { status: "unready", reason });
}

/** Why the check failed (or timed out), or undefined when it passed. */
async function unready(ready: ReadinessCheck, timeoutMs: number): Promise<string | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string>((resolve) => {
    timer = setTimeout(
      () => resolve(`the database did not answer within ${timeoutMs} ms`),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([
      ready().then(
        () => undefined,
        (err: unknown) =>
          `the database does not answer: ${err instanceof Error ? err.message : String(err)}`,
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
