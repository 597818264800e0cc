/**
 * Progress display for long work: a redrawn bar on a TTY, one log line now and then
 * otherwise. Writes to stderr so `--json` output on stdout stays clean.
 * @module
 */

/** A progress reporter for work measured in steps. */
export interface Progress {
  update(done: number, detail: string): void;
  finish(detail: string): void;
}

const BAR_WIDTH = 30;
/** Least time between two log lines when stderr is not a TTY. */
const LOG_INTERVAL_MS = 5_000;

/** Creates a progress reporter for `total` steps labelled `label`; silent when `quiet`. */
export function createProgress(label: string, total: number, quiet = false): Progress {
  const stream = process.stderr;
  const tty = stream.isTTY === true;
  const started = Date.now();
  let lastLog = 0;
  const line = (done: number, detail: string) => {
    const fraction = total === 0 ? 1 : Math.min(1, done / total);
    const seconds = (Date.now() - started) / 1000;
    const rate = seconds > 0 ? done / seconds : 0;
    const filled = Math.round(fraction * BAR_WIDTH);
    const bar = `${"█".repeat(filled)}${"░".repeat(BAR_WIDTH - filled)}`;
    return `${label} ${bar} ${(fraction * 100).toFixed(0).padStart(3)}%  ${formatRate(rate)} steps/s  ${detail}`;
  };
  return {
    update(done, detail) {
      if (quiet) return;
      if (tty) {
        stream.write(`\r${line(done, detail)}\x1b[K`);
      } else if (Date.now() - lastLog >= LOG_INTERVAL_MS) {
        lastLog = Date.now();
        stream.write(`${line(done, detail)}\n`);
      }
    },
    finish(detail) {
      if (quiet) return;
      stream.write(`${tty ? "\r" : ""}${line(total, detail)}${tty ? "\x1b[K" : ""}\n`);
    },
  };
}

/** 12345678 → "12.3M". */
export function formatRate(rate: number): string {
  if (rate >= 1e6) return `${(rate / 1e6).toFixed(1)}M`;
  if (rate >= 1e3) return `${(rate / 1e3).toFixed(1)}k`;
  return rate.toFixed(0);
}
