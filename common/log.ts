/**
 * Structured logging shared by the worker, the coordinator and the CLI: `log.info("result accepted", {unitId, reward})`, one line
 * per event, `ISO-time level message {json fields}`. Fields are plain data; byte arrays are
 * shown as hex and bigints as decimal strings. Raw frames are never logged (docs/design.md
 * "Conventions").
 * @module
 */

/** Log levels, least to most severe. */
export type LogLevel = "debug" | "info" | "warn" | "error";

/** Fields attached to a log line. */
export type LogFields = Record<string, unknown>;

/** The logger every component takes. */
export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

const RANK: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

/** A logger that drops everything (tests, library use). */
export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
};

/** JSON.stringify replacer: Uint8Array → hex, bigint → string, Error → {name, message, code}. */
function replacer(_key: string, value: unknown): unknown {
  if (value instanceof Uint8Array) return Buffer.from(value).toString("hex");
  if (typeof value === "bigint") return value.toString();
  if (value instanceof Error) {
    const code = (value as { code?: unknown }).code;
    return code === undefined
      ? { name: value.name, message: value.message }
      : { name: value.name, code, message: value.message };
  }
  return value;
}

/** Formats one log line (without the newline): `2025-01-01T00:00:00.000Z info message {…}`. */
export function formatLogLine(
  time: Date,
  level: LogLevel,
  message: string,
  fields?: LogFields,
): string {
  const tail =
    fields === undefined || Object.keys(fields).length === 0
      ? ""
      : ` ${JSON.stringify(fields, replacer)}`;
  return `${time.toISOString()} ${level.padEnd(5)} ${message}${tail}`;
}

/** Options of a line logger. */
export interface LineLoggerOptions {
  /** Least level written; default "info". */
  readonly level?: LogLevel;
  /** Clock; default Date.now. */
  readonly now?: () => number;
}

/** A logger writing one formatted line per event through `write`. */
export function createLineLogger(
  write: (line: string) => void,
  opts: LineLoggerOptions = {},
): Logger {
  const min = RANK[opts.level ?? "info"];
  const now = opts.now ?? Date.now;
  const at =
    (level: LogLevel) =>
    (message: string, fields?: LogFields): void => {
      if (RANK[level] >= min) write(formatLogLine(new Date(now()), level, message, fields));
    };
  return { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}
