/**
 * The worker's progress display. On a TTY: a status block redrawn in place (connection, one
 * line per thread with its unit, % done, steps/s and best energy, and the session's results
 * and tokens), with log lines printed above it. Otherwise: plain structured log lines
 * (worker/log.ts) and a "status" line every `statusIntervalMs`. Writes to the given stream
 * (stderr by default in the CLI).
 * @module
 */

import { type Clock, systemClock, type TimerHandle } from "../common/clock.js";
import { createLineLogger, type Logger, type LogLevel } from "../common/log.js";
import { formatRate } from "../common/progress.js";
import { formatTokens } from "../common/tokens.js";
import type { WorkerStatus } from "./status.js";

/** Redraw period of the TTY block: smooth enough, and cheap. */
export const TTY_REFRESH_MS = 1_000;
/** Period of the "status" log line when not on a TTY. */
export const STATUS_LOG_INTERVAL_MS = 30_000;

const BAR_WIDTH = 20;

/** Where the display writes. */
export interface DisplayStream {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

/** Options of the display. */
export interface DisplayOptions {
  readonly stream: DisplayStream;
  /** Force TTY mode on or off; default `stream.isTTY`. */
  readonly tty?: boolean;
  readonly level?: LogLevel;
  readonly statusIntervalMs?: number;
  readonly clock?: Clock;
}

/** A progress display: its logger, and the status source it draws from once attached. */
export interface Display {
  readonly log: Logger;
  /** Starts drawing (TTY) or logging (otherwise) `status()` periodically. */
  attach(status: () => WorkerStatus): void;
  /** Stops the refresh; on a TTY leaves the last block on screen. */
  stop(): void;
}

/** Renders the TTY status block as lines (exported for tests). */
export function renderStatusBlock(s: WorkerStatus, width = 80): string[] {
  const best = s.bestEnergy === undefined ? "–" : String(s.bestEnergy);
  const head =
    `foldnet worker ${s.keyId} → ${s.coordinator}  ${s.connection}` +
    (s.workerId === undefined ? "" : ` as ${s.workerId}`);
  const totals =
    `${formatRate(s.stepsPerSecond)} steps/s  best E ${best}  ` +
    `submitted ${s.resultsSubmitted}  accepted ${s.resultsAccepted}  ` +
    `rejected ${s.resultsRejected}  tokens ${formatTokens(s.tokensEarned)}  spooled ${s.spooled}`;
  const lines = [head, totals];
  for (let i = 0; i < Math.max(s.threads, s.units.length); i++) {
    const u = s.units[i];
    if (u === undefined) {
      lines.push(`  #${i + 1} idle`);
      continue;
    }
    const fraction = u.steps === 0 ? 0 : Math.min(1, u.stepsDone / u.steps);
    const filled = Math.round(fraction * BAR_WIDTH);
    lines.push(
      `  #${i + 1} unit ${u.unitId} ${"█".repeat(filled)}${"░".repeat(BAR_WIDTH - filled)} ` +
        `${(fraction * 100).toFixed(0).padStart(3)}%  ${formatRate(u.stepsPerSecond)} steps/s  ` +
        `E ${u.bestEnergy ?? "–"}`,
    );
  }
  return lines.map((l) => (l.length > width ? `${l.slice(0, width - 1)}…` : l));
}

/** Creates the display for `opts.stream`. */
export function createDisplay(opts: DisplayOptions): Display {
  const { stream } = opts;
  const tty = opts.tty ?? stream.isTTY === true;
  const clock = opts.clock ?? systemClock;
  let source: (() => WorkerStatus) | undefined;
  let timer: TimerHandle | undefined;
  let drawn = 0;

  const clear = () => {
    if (drawn > 0) stream.write(`\x1b[${drawn}F\x1b[J`);
    drawn = 0;
  };
  const draw = () => {
    if (source === undefined) return;
    const lines = renderStatusBlock(source(), Math.max(40, (stream.columns ?? 100) - 1));
    clear();
    stream.write(`${lines.join("\n")}\n`);
    drawn = lines.length;
  };
  const base = createLineLogger(
    (line) => {
      if (!tty) {
        stream.write(`${line}\n`);
        return;
      }
      clear();
      stream.write(`${line}\n`);
      draw();
    },
    { ...(opts.level === undefined ? {} : { level: opts.level }), now: () => clock.now() },
  );

  const tick = () => {
    if (source === undefined) return;
    if (tty) draw();
    else {
      const s = source();
      base.info("status", {
        connection: s.connection,
        running: s.units.length,
        stepsPerSecond: Math.round(s.stepsPerSecond),
        bestEnergy: s.bestEnergy,
        submitted: s.resultsSubmitted,
        accepted: s.resultsAccepted,
        rejected: s.resultsRejected,
        tokens: formatTokens(s.tokensEarned),
        spooled: s.spooled,
      });
    }
    timer = clock.setTimeout(
      tick,
      tty ? TTY_REFRESH_MS : (opts.statusIntervalMs ?? STATUS_LOG_INTERVAL_MS),
    );
  };

  return {
    log: base,
    attach(status) {
      source = status;
      if (timer !== undefined) clock.clearTimeout(timer);
      if (tty) draw();
      timer = clock.setTimeout(
        tick,
        tty ? TTY_REFRESH_MS : (opts.statusIntervalMs ?? STATUS_LOG_INTERVAL_MS),
      );
    },
    stop() {
      if (timer !== undefined) clock.clearTimeout(timer);
      timer = undefined;
      if (tty) draw();
      source = undefined;
    },
  };
}
