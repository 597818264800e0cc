/**
 * The shape of one `foldnet` subcommand and the shared plumbing every command uses:
 * argument parsing with `node:util` parseArgs, `--help`, and turning errors into a
 * readable line on stderr with a non-zero exit.
 * @module
 */
import { parseArgs } from "node:util";
import { FoldnetError } from "../common/errors.js";

/** Option specs as `node:util` parseArgs takes them. */
export type OptionSpecs = NonNullable<Parameters<typeof parseArgs>[0]>["options"];

/** One subcommand of the `foldnet` executable. */
export interface Command {
  /** The word after `foldnet`, e.g. `fold`. */
  readonly name: string;
  /** One line for `foldnet --help`. */
  readonly summary: string;
  /** The full text of `foldnet NAME --help`. */
  readonly help: string;
  /** Runs the command; resolves to the process exit code. */
  run(argv: string[]): Promise<number>;
}

/** A usage mistake on the command line: printed with a pointer to `--help`, exit 2. */
export class UsageError extends FoldnetError<{ code: "CLI_ERROR_USAGE"; option?: string }> {
  constructor(message: string, option?: string) {
    super(
      option === undefined ? { code: "CLI_ERROR_USAGE" } : { code: "CLI_ERROR_USAGE", option },
      message,
    );
  }
}

/**
 * Parses `argv` against `options` (plus `--help`), mapping parseArgs' errors to UsageError.
 * @throws {UsageError} on an unknown option or a missing value.
 */
export function parseCommandArgs<O extends OptionSpecs>(
  argv: string[],
  options: O,
  allowPositionals = false,
) {
  // parseArgs takes "-9" after an option for another option: join negative numbers to it.
  const args = argv.flatMap((arg, i) => {
    const next = argv[i + 1];
    const name = arg.startsWith("--") ? arg.slice(2) : undefined;
    if (
      name !== undefined &&
      options?.[name]?.type === "string" &&
      next !== undefined &&
      /^-\d/.test(next)
    )
      return [`${arg}=${next}`];
    const previous = argv[i - 1];
    if (
      /^-\d/.test(arg) &&
      previous?.startsWith("--") === true &&
      options?.[previous.slice(2)]?.type === "string"
    )
      return [];
    return [arg];
  });
  try {
    return parseArgs({
      args,
      options: { ...options, help: { type: "boolean", short: "h" } } as O & {
        help: { type: "boolean"; short: "h" };
      },
      allowPositionals,
      strict: true,
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

/**
 * Parses a non-negative safe integer option value.
 * @throws {UsageError} naming the option when the value is not such an integer.
 */
export function integerOption(value: string | undefined, option: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value))) {
    throw new UsageError(`--${option} must be a non-negative integer, got "${value}"`, option);
  }
  return Number(value);
}

/**
 * An option given in whole seconds, as milliseconds; `fallbackMs` (a library default) when absent.
 * @throws {UsageError} naming the option when it is not a non-negative integer.
 */
export function secondsOption(
  value: string | undefined,
  option: string,
  fallbackMs: number,
): number {
  return value === undefined ? fallbackMs : integerOption(value, option, 0) * 1000;
}

/** Formats any thrown value as one readable line for stderr. */
export function describeError(err: unknown): string {
  if (err instanceof FoldnetError) return `error ${err.code}: ${err.message}`;
  if (err instanceof Error) return `error: ${err.message}`;
  return `error: ${String(err)}`;
}
