/**
 * The worker's list of coordinators (`--coordinator ws://a:7700,ws://b:7700`) and which one to
 * try next. A lost session or a failed connect moves to the next URL at once; only when every
 * URL of the list has failed in a row (a full round) does the worker wait a backoff delay
 * (worker/backoff.ts), so a coordinator that died costs its workers no wait while another is
 * up, and a network that is down entirely is not hammered. The first URL tried is drawn at
 * random, so workers given the same list spread over its coordinators. With one URL this is
 * the plain backoff of before: every failure is a full round.
 * @module
 */
import { Backoff, type BackoffOptions } from "./backoff.js";
import { WorkerError } from "./errors.js";

/** The path of the coordinator's worker endpoint, added when the URL has none. */
export const WORKER_ENDPOINT_PATH = "/ws";
/**
 * Checks a `--coordinator` URL and adds the endpoint path when it has none:
 * `ws://host:7700` → `ws://host:7700/ws`.
 * @throws {WorkerError} WORKER_ERROR_BAD_URL unless a ws:// or wss:// URL.
 */
export function coordinatorUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new WorkerError({ code: "WORKER_ERROR_BAD_URL", url: value }, `not a URL: ${value}`);
  }
  if (url.protocol !== "ws:" && url.protocol !== "wss:")
    throw new WorkerError(
      { code: "WORKER_ERROR_BAD_URL", url: value },
      `the coordinator URL must start with ws:// or wss://, got ${value}`,
    );
  if (url.pathname === "" || url.pathname === "/") url.pathname = WORKER_ENDPOINT_PATH;
  return url.toString();
}

/**
 * Parses a `--coordinator` value: one URL or several separated by commas, each checked and
 * given the endpoint path (`coordinatorUrl`); duplicates are dropped.
 * @throws {WorkerError} WORKER_ERROR_BAD_URL for a URL that is not ws(s):// or an empty list.
 */
export function coordinatorUrls(value: string): string[] {
  const urls = value
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "")
    .map(coordinatorUrl);
  if (urls.length === 0)
    throw new WorkerError(
      { code: "WORKER_ERROR_BAD_URL", url: value },
      "no coordinator URL given (ws://HOST:PORT, or several separated by commas)",
    );
  return [...new Set(urls)];
}

/** The coordinators of a worker, in turn, with the backoff between full rounds. */
export class CoordinatorRing {
  readonly urls: readonly string[];
  private readonly backoff: Backoff;
  private index: number;
  /** Consecutive failures (closed sessions and failed connects) since the last welcome. */
  private failures = 0;

  /**
   * @param random uniform in [0, 1): draws the first URL and the backoff's jitter.
   * @throws {RangeError} for an empty list or bad backoff bounds.
   */
  constructor(
    urls: readonly string[],
    backoff: Omit<BackoffOptions, "random"> = {},
    random: () => number = Math.random,
  ) {
    if (urls.length === 0) throw new RangeError("a worker needs at least one coordinator URL");
    this.urls = urls;
    this.backoff = new Backoff({ ...backoff, random });
    this.index = Math.min(urls.length - 1, Math.floor(Math.max(0, random()) * urls.length));
  }

  /** The URL to connect to now. */
  get current(): string {
    return this.urls[this.index]!;
  }

  /** Backoff delays waited since the last welcome. */
  get rounds(): number {
    return this.backoff.attempts;
  }

  /** The current coordinator welcomed the worker: the next failure starts a new round. */
  connected(): void {
    this.failures = 0;
    this.backoff.reset();
  }

  /**
   * The current URL failed (the connect failed or its session ended): moves to the next one
   * and returns how long to wait before connecting to it, 0 within a round.
   */
  failed(): number {
    this.failures++;
    this.index = (this.index + 1) % this.urls.length;
    return this.failures % this.urls.length === 0 ? this.backoff.next() : 0;
  }
}
